"""Plain-language explanations of a ranking, shared by the API, the pages and the sheet."""

from __future__ import annotations

from app.catalogue.model import Dataset, symbol
from app.ranking.engine import Exclusion, RankedDrug
from app.translations import N_, gettext_for

_EXCLUSION = {
    "must-avoid": N_("You must avoid “{item}”; this medicine is rated {symbol} for it."),
    "must-avoid-unknown": N_(
        "You must avoid “{item}”; how often this medicine causes it is not known."
    ),
    "formulation": N_("It does not come in a form you chose ({forms})."),
}


def rating_text(value: int | None, lang: str) -> str:
    """'+++', '++', '+', 'not expected' or 'not known' — never colour alone."""
    _ = gettext_for(lang)
    if value is None:
        return _("not known")
    if value == 0:
        return _("not expected")
    return symbol(value)


def why(result: RankedDrug, dataset: Dataset, lang: str) -> str:
    """One line: the person's items, in priority order, with this drug's ratings."""
    parts = [
        f"{s.priority}. {dataset.item(s.side_effect).label[lang]} {rating_text(s.rating, lang)}"
        for s in result.breakdown
    ]
    return "; ".join(parts)


def exclusion_message(exclusion: Exclusion, dataset: Dataset, lang: str) -> str:
    template = gettext_for(lang)(_EXCLUSION[exclusion.reason])
    item = dataset.item(exclusion.side_effect).label[lang] if exclusion.side_effect else ""
    return template.format(
        item=item,
        symbol=symbol(exclusion.rating),
        forms=", ".join(sorted(exclusion.drug.forms)),
    )
