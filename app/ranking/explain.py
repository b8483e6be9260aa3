"""Plain-language explanations of a ranking, shared by the API, the pages and the sheet."""

from __future__ import annotations

from app.catalogue.model import Dataset, symbol
from app.ranking.engine import Exclusion, RankedDrug

_WHY_UNKNOWN = {"en": "not known", "nb": "ukjent"}
_NOT_EXPECTED = {"en": "not expected", "nb": "ikke forventet"}
_EXCLUSION = {
    "must-avoid": {
        "en": "You must avoid “{item}”; this medicine is rated {symbol} for it.",
        "nb": "Du må unngå «{item}»; denne medisinen er vurdert {symbol} for det.",
    },
    "must-avoid-unknown": {
        "en": "You must avoid “{item}”; how often this medicine causes it is not known.",
        "nb": "Du må unngå «{item}»; det er ukjent hvor ofte denne medisinen gir det.",
    },
    "formulation": {
        "en": "It does not come in a form you chose ({forms}).",
        "nb": "Den finnes ikke i en form du valgte ({forms}).",
    },
}


def rating_text(value: int | None, lang: str) -> str:
    """'+++', '++', '+', 'not expected' or 'not known' — never colour alone."""
    if value is None:
        return _WHY_UNKNOWN[lang]
    if value == 0:
        return _NOT_EXPECTED[lang]
    return symbol(value)


def why(result: RankedDrug, dataset: Dataset, lang: str) -> str:
    """One line: the person's items, in priority order, with this drug's ratings."""
    parts = [
        f"{s.priority}. {dataset.item(s.side_effect).label[lang]} {rating_text(s.rating, lang)}"
        for s in result.breakdown
    ]
    return "; ".join(parts)


def exclusion_message(exclusion: Exclusion, dataset: Dataset, lang: str) -> str:
    template = _EXCLUSION[exclusion.reason][lang]
    item = dataset.item(exclusion.side_effect).label[lang] if exclusion.side_effect else ""
    return template.format(
        item=item,
        symbol=symbol(exclusion.rating),
        forms=", ".join(sorted(exclusion.drug.forms)),
    )
