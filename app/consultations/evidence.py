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
    "proportion": N_("per cent of people"),
}

#: Each measure as the subject of a sentence on the person's sheet.
_SUBJECTS = {
    "weight": N_("Weight"),
    "bmi": N_("Body mass index (BMI)"),
    "total-cholesterol": N_("Total cholesterol"),
    "ldl": N_("LDL cholesterol"),
    "hdl": N_("HDL cholesterol"),
    "triglycerides": N_("The level of triglycerides (blood fats)"),
    "glucose": N_("Blood sugar"),
    "prolactin": N_("The level of prolactin (a hormone)"),
    "qtc": N_("QTc (a measure of the heart's rhythm)"),
    "sedation": N_("Sleepiness"),
    "akathisia": N_("Inner restlessness"),
    "antiparkinson": N_("The use of medicines for movement side effects"),
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


@dataclass(frozen=True)
class PlainFigure:
    """A published figure as the person's sheet says it: one sentence in plain words.

    For a proportion, `per_100` (and `comparator_per_100`) are the people out of 100 for
    the icon array: the printed per cent, to the nearest whole person ("about" when
    that rounds). Nothing else is computed: other figures keep their printed number."""

    side_effect: str
    sentence: str
    drug: str
    comparator: str
    per_100: int | None
    comparator_per_100: int | None
    source: str  # the citation
    count: str = ""  # "13 in 100", "about 22 in 100"
    comparator_count: str = ""


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
    if figure.comparator_value is not None:
        text += f" ({figure.comparator}: {_number(figure.comparator_value, lang)}{unit})"
    text += "; " + _("{effect} against {comparator}; {time_frame}.").format(
        effect=_(_EFFECTS[figure.effect]),
        comparator=figure.comparator,
        time_frame=figure.time_frame,
    )
    source = dataset.sources[figure.source]
    return FigureLine(figure.side_effect, text, (source.citation, source.url))


def _per_100(value: float, lang: str) -> tuple[int, str]:
    """(whole people out of 100, '13 in 100' or 'about 22 in 100') for a printed per cent."""
    _ = gettext_for(lang)
    whole = int(value + 0.5)
    if whole == value:
        return whole, _("{n} in 100").format(n=whole)
    return whole, _("about {n} in 100").format(n=whole)


def plain_figure(figure: Figure, drug: str, dataset: Dataset, lang: str) -> PlainFigure | None:
    """The figure in the person's words, or None when it cannot be said plainly here:
    no plain words in `lang`, or an effect that is neither a proportion of people nor a
    mean difference with a unit (odds ratios stay on the clinician's card)."""
    _ = gettext_for(lang)
    words = figure.words.get(lang)
    if words is None:
        return None
    source = dataset.sources[figure.source].citation
    # A medicine's name is a common noun in running text ("taking aripiprazole").
    in_text = drug[:1].lower() + drug[1:]
    if figure.is_proportion and words.outcome:
        people, count = _per_100(figure.value, lang)
        fields = {
            "count": count,
            "drug": in_text,
            "outcome": words.outcome,
            "time_frame": words.time_frame,
            "comparator": words.comparator,
        }
        if figure.comparator_value is None:
            sentence = _("{count} people taking {drug} {outcome} {time_frame}.").format(**fields)
            return PlainFigure(
                figure.side_effect, sentence, drug, words.comparator, people, None, source, count
            )
        others, other_count = _per_100(figure.comparator_value, lang)
        sentence = _(
            "{count} people taking {drug} {outcome} {time_frame}, against {other} {comparator}."
        ).format(other=other_count, **fields)
        return PlainFigure(
            figure.side_effect,
            sentence,
            drug,
            words.comparator,
            people,
            others,
            source,
            count,
            other_count,
        )
    if figure.effect != "mean difference" or not figure.unit:
        return None
    amount = f"{_number(abs(figure.value), lang)} {figure.unit}"
    fields = {
        "measure": _(_SUBJECTS[figure.measure]),
        "amount": amount,
        "drug": in_text,
        "comparator": words.comparator,
        "time_frame": words.time_frame,
    }
    if figure.value > 0:
        template = _(
            "{measure} was on average {amount} higher with {drug} than in people {comparator}, "
            "{time_frame}."
        )
    elif figure.value < 0:
        template = _(
            "{measure} was on average {amount} lower with {drug} than in people {comparator}, "
            "{time_frame}."
        )
    else:
        template = _(
            "{measure} was on average the same with {drug} as in people {comparator}, {time_frame}."
        )
    sentence = template.format(**fields)
    if figure.value and figure.interval and figure.interval[0] <= 0 <= figure.interval[1]:
        sentence += " " + _("The results are also consistent with no difference.")
    return PlainFigure(figure.side_effect, sentence, drug, words.comparator, None, None, source)
