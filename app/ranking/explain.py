"""Plain-language explanations of a ranking, shared by the API, the pages and the sheet.

Ratings are said in the paper card's words ("uncommon or mild"), never as symbols alone
and never as colour alone; the same words serve the screen reader, the "why" line and
the API, so they are defined here once.
"""

from __future__ import annotations

from collections.abc import Iterable

from babel.lists import format_list

from app.catalogue.model import Dataset
from app.ranking.engine import Exclusion, RankedDrug
from app.translations import N_, gettext_for

#: Each rating in the card's words (drugdata/README.md, "A rating").
RATING_WORDS = {
    None: N_("not known"),
    0: N_("not expected"),
    1: N_("uncommon or mild"),
    2: N_("commoner or moderately severe"),
    3: N_("common or more severe"),
}

#: What a medicine comes as, said as a clinician would: "comes only as tablets and ...".
FORM_PHRASES = {
    "tablet": N_("tablets"),
    "capsule": N_("capsules"),
    "orodispersible": N_("tablets that melt in the mouth"),
    "liquid": N_("a liquid"),
    "sublingual": N_("tablets under the tongue"),
    "inhalation": N_("an inhaler"),
    "short-acting-injection": N_("short-acting injections"),
    "long-acting-injection": N_("long-acting injections"),
}

_EXCLUSION = {
    "must-avoid": N_("The person must avoid “{item}”; this medicine is rated {rating} for it."),
    "must-avoid-unknown": N_(
        "The person must avoid “{item}”; how often this medicine causes it is not known."
    ),
    "formulation": N_("Comes only as {forms}: none of the forms chosen."),
}


def rating_text(value: int | None, lang: str) -> str:
    """'uncommon or mild', ..., 'not expected' or 'not known': a rating in words."""
    return gettext_for(lang)(RATING_WORDS[value])


#: The locale whose list style a language uses: "a, b and c" (British), "a, b og c".
_LIST_LOCALES = {"en": "en_GB", "nb": "nb_NO"}


def word_list(items: Iterable[str], lang: str) -> str:
    """'a, b and c' in `lang` ('a, b og c')."""
    listed = list(items)
    return format_list(listed, locale=_LIST_LOCALES.get(lang, lang)) if listed else ""


def forms_text(forms: Iterable[str], lang: str) -> str:
    """'tablets and long-acting injections': form ids in words, in the catalogue's order."""
    _ = gettext_for(lang)
    return word_list((_(FORM_PHRASES[f]) for f in FORM_PHRASES if f in set(forms)), lang)


def why(result: RankedDrug, dataset: Dataset, lang: str) -> str:
    """One line in words: the person's items in priority order, each with this drug's
    rating ('1. Weight gain: common or more severe; 2. Shaking or tremor: not known')."""
    parts = [
        f"{s.priority}. {dataset.item(s.side_effect).label[lang]}: {rating_text(s.rating, lang)}"
        for s in result.breakdown
    ]
    return "; ".join(parts)


def exclusion_message(exclusion: Exclusion, dataset: Dataset, lang: str) -> str:
    """Why a medicine is left out, said to the clinician."""
    template = gettext_for(lang)(_EXCLUSION[exclusion.reason])
    item = dataset.item(exclusion.side_effect).label[lang] if exclusion.side_effect else ""
    return template.format(
        item=item,
        rating=rating_text(exclusion.rating, lang),
        forms=forms_text(exclusion.drug.forms, lang),
    )
