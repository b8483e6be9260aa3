"""How a card's safety notes and published figures read, for the pages and the sheet."""

from __future__ import annotations

from dataclasses import dataclass

from app.catalogue.model import Dataset, Drug, Figure, SafetyFlag
from app.translations import N_, gettext_for

_MEASURES = {
    "weight": N_("Weight change"),
    "bmi": N_("Body mass index (BMI) change"),
    "total-cholesterol": N_("Total cholesterol change"),
    "ldl": N_("LDL cholesterol change"),
    "hdl": N_("HDL cholesterol change"),
    "triglycerides": N_("Triglycerides change"),
    "glucose": N_("Blood sugar change"),
    "prolactin": N_("Prolactin change"),
    "qtc": N_("QTc change"),
    "sedation": N_("Sedation"),
    "akathisia": N_("Akathisia"),
    "antiparkinson": N_("Use of antiparkinson medicines"),
}

_EFFECTS = {
    "mean difference": N_("mean difference"),
    "standardised mean difference": N_("standardised mean difference"),
    "odds ratio": N_("odds ratio"),
    "risk ratio": N_("risk ratio"),
}


@dataclass(frozen=True)
class SafetyNote:
    id: str
    text: str  # for the clinician
    plain: str  # for the person
    for_every_drug: bool


@dataclass(frozen=True)
class FigureLine:
    side_effect: str
    text: str
    source: tuple[str, str]  # (citation, url)


def safety_notes(dataset: Dataset, drug: Drug, lang: str) -> tuple[SafetyNote, ...]:
    """The drug's own safety notes; then, once, those for every antipsychotic."""

    def note(flag: SafetyFlag, every: bool) -> SafetyNote:
        return SafetyNote(flag.id, flag.text[lang], flag.plain[lang], every)

    return tuple(note(f, False) for f in drug.safety) + tuple(
        note(f, True) for f in dataset.class_safety
    )


def _number(value: float, lang: str) -> str:
    text = f"{value:g}"
    return text.replace(".", ",") if lang == "nb" else text


def figure_line(figure: Figure, dataset: Dataset, lang: str) -> FigureLine:
    """'Weight change: 3.01 kg (95% interval 1.78 to 4.24) against placebo; …' in `lang`."""
    _ = gettext_for(lang)
    unit = f" {figure.unit}" if figure.unit else ""
    text = f"{_(_MEASURES[figure.measure])}: {_number(figure.value, lang)}{unit}"
    if figure.interval:
        low, high = (_number(v, lang) for v in figure.interval)
        text += " " + _("(95% interval {low} to {high})").format(low=low, high=high)
    text += "; " + _("{effect} against {comparator}; {time_frame}.").format(
        effect=_(_EFFECTS[figure.effect]),
        comparator=figure.comparator,
        time_frame=figure.time_frame,
    )
    source = dataset.sources[figure.source]
    return FigureLine(figure.side_effect, text, (source.citation, source.url))
