"""The follow-up's rules: what a report may hold, the tablet page's answers, and a report
set against the person's priorities, the data's grades and the switch discussion."""

from __future__ import annotations

from datetime import UTC, datetime

from app.consultations.follow_up import (
    ANSWER_ONE,
    CHOOSE_MEDICINE,
    REPORT_STEP,
    SEND,
    Point,
    ReportState,
    against_priorities,
    bothersome,
    check_report,
    grades,
    preselected,
    read_form,
    series,
    submit,
    switch,
)
from app.consultations.follow_up_view import Report, build
from tests.builders import bundled_dataset

DATA = bundled_dataset()
ITEMS = DATA.item_ids
DRUGS = frozenset(d.id for d in DATA.drugs)
LANGS = frozenset({"en", "nb"})


def messages(drug: str, bother: dict[str, object]) -> list[str]:
    return [p.message for p in check_report(drug, bother, drug_ids=DRUGS, item_ids=ITEMS)]


def test_a_good_report_has_no_problems() -> None:
    assert messages("aripiprazole", {"restlessness": 3, "tremor": 0}) == []


def test_each_problem_says_what_to_change() -> None:
    found = messages("aspirin", {"tremor": 4, "tremour": 1, "dry-mouth": True})
    assert found[0].startswith("'aspirin' is not a medicine; choose one of amisulpride,")
    assert "bother for tremor must be 0, 1, 2 or 3 (not at all, a little, quite a lot" in found[1]
    assert found[2] == "'tremour' is not a checklist item"
    assert "bother for dry-mouth must be 0, 1, 2 or 3" in found[3]
    assert len(found) == 4


def test_more_answers_than_the_checklist_holds_is_a_problem() -> None:
    crowded: dict[str, object] = {f"x{n}": 0 for n in range(37)}
    assert "bother holds 37 items; the checklist has 36" in messages("aripiprazole", crowded)[0]


def test_the_form_keeps_only_answers_0_to_3_for_checklist_items() -> None:
    fields = {
        "bother-tremor": "2",
        "bother-dry-mouth": "",
        "bother-weight-gain": "7",
        "bother-nonsense": "1",
        "bother-restlessness": "0",
    }
    # Blank and unreadable answers are not answers: never 0.
    assert read_form(fields, ITEMS) == {"restlessness": 0, "tremor": 2}


def test_sending_needs_a_medicine_and_one_answer_and_keeps_what_was_given() -> None:
    empty = submit(ReportState(), go=SEND, drug_ids=DRUGS, item_ids=ITEMS, languages=LANGS)
    assert empty.step == REPORT_STEP and empty.problems == (CHOOSE_MEDICINE, ANSWER_ONE)
    assert empty.status_code == 422
    half = ReportState(drug="aspirin", bother={"tremor": 2})
    answer = submit(half, go=SEND, drug_ids=DRUGS, item_ids=ITEMS, languages=LANGS)
    assert answer.problems == (CHOOSE_MEDICINE,)
    assert answer.state.bother == {"tremor": 2}
    whole = ReportState(drug="aripiprazole", bother={"tremor": 2})
    sent = submit(whole, go=SEND, drug_ids=DRUGS, item_ids=ITEMS, languages=LANGS)
    assert sent.step == SEND and sent.status_code == 200


def test_another_language_keeps_every_answer() -> None:
    state = ReportState(lang="en", drug="aripiprazole", bother={"tremor": 1})
    answer = submit(state, go="lang:nb", drug_ids=DRUGS, item_ids=ITEMS, languages=LANGS)
    assert (answer.step, answer.state.lang, answer.problems) == (REPORT_STEP, "nb", ())
    assert answer.state.bother == {"tremor": 1} and answer.state.drug == "aripiprazole"
    other = submit(state, go="lang:xx", drug_ids=DRUGS, item_ids=ITEMS, languages=LANGS)
    assert other.state.lang == "en"


def test_the_decision_medicine_is_preselected_only_if_it_is_one() -> None:
    assert preselected("aripiprazole", DRUGS) == "aripiprazole"
    assert preselected("undecided", DRUGS) == ""
    assert preselected(None, DRUGS) == ""


def test_unknown_grades_stay_unknown_never_0() -> None:
    grade = grades(DATA, "quetiapine")
    assert DATA.drug("quetiapine").ratings["sun-sensitivity"].value is None
    assert grade("sun-sensitivity") is None
    assert grade("weight-gain") == DATA.drug("quetiapine").ratings["weight-gain"].value
    assert grades(DATA, "no-such-drug")("weight-gain") is None
    assert grades(None, "quetiapine")("weight-gain") is None


def test_priorities_in_order_with_predicted_and_reported() -> None:
    predicted = {"weight-gain": 3, "tremor": None, "dry-mouth": 0}
    rows = against_priorities(
        ["weight-gain", "tremor", "dry-mouth"], {"tremor": 2, "dry-mouth": 0}, predicted.get
    )
    assert [(r.side_effect, r.priority, r.predicted, r.reported) for r in rows] == [
        ("weight-gain", 1, 3, None),
        ("tremor", 2, None, 2),
        ("dry-mouth", 3, 0, 0),
    ]
    assert [r.bothers for r in rows] == [False, True, False]


def test_bothersome_items_most_first_then_in_checklist_order() -> None:
    bother = {"tremor": 2, "weight-gain": 2, "restlessness": 3, "dry-mouth": 1}
    # weight-gain comes before tremor on the checklist.
    assert ITEMS.index("weight-gain") < ITEMS.index("tremor")
    assert bothersome(bother, ITEMS) == ("restlessness", "weight-gain", "tremor")


def test_the_switch_puts_newly_experienced_items_first_within_five() -> None:
    avoid = ["weight-gain", "tiredness", "tremor", "dry-mouth", "constipation"]
    bother = {"restlessness": 3, "tremor": 3, "sleepy-at-night": 2, "feeling-sick": 1}
    result = switch(avoid, ["sleepy-at-night"], ["tremor", "constipation"], bother, ITEMS)
    assert result.added == ("restlessness", "sleepy-at-night")
    assert result.avoid == (
        "restlessness",
        "sleepy-at-night",
        "weight-gain",
        "tiredness",
        "tremor",
    )
    assert result.dropped == ("dry-mouth", "constipation")
    assert result.helpful == ()  # now an item to avoid, so no longer helpful
    assert result.must_avoid == ("tremor",)


def test_the_switch_with_nothing_new_is_the_person_own_list() -> None:
    result = switch(["tremor"], [], [], {"tremor": 3, "dry-mouth": 1}, ITEMS)
    assert (result.avoid, result.added, result.dropped) == (("tremor",), (), ())


def test_an_item_series_is_oldest_first_with_gaps_for_blanks() -> None:
    first = datetime(2027, 1, 1, tzinfo=UTC)
    later = datetime(2027, 2, 1, tzinfo=UTC)
    reports = [(later, {"tremor": 1}), (first, {"tremor": 3, "dry-mouth": 0})]
    assert series(reports, "tremor") == (Point(first, 3), Point(later, 1))
    assert series(reports, "dry-mouth") == (Point(first, 0), Point(later, None))


def test_the_view_shows_the_latest_medicine_its_reports_and_each_item_over_time() -> None:
    first = datetime(2027, 1, 1, tzinfo=UTC)
    later = datetime(2027, 2, 1, tzinfo=UTC)
    reports = [
        Report(1, first, "quetiapine", {"tremor": 1, "weight-gain": 2}, 1),
        Report(2, later, "quetiapine", {"tremor": 3, "feeling-sick": 2}, 1),
        Report(3, first, "aripiprazole", {"tremor": 0}, 1),
    ]
    shown = build(reports, ["tremor", "dry-mouth"], {1: DATA}, DATA, "en")
    assert shown.drug == "quetiapine"  # reported most recently
    assert [d for d, _name in shown.drugs] == ["quetiapine", "aripiprazole"]
    assert [r.id for r in shown.reports] == [1, 2] and shown.latest is not None
    assert [(r.item, r.reported, r.bothers) for r in shown.latest.priorities] == [
        ("tremor", 3, True),
        ("dry-mouth", None, False),
    ]
    assert shown.latest.priorities[0].predicted.value == (
        DATA.drug("quetiapine").ratings["tremor"].value
    )
    assert shown.latest.new_bothersome == (str(DATA.item("feeling-sick").label["en"]),)
    # The priorities, then every item that ever bothered them quite a lot or more.
    assert [t.item for t in shown.trends] == ["tremor", "dry-mouth", "weight-gain", "feeling-sick"]
    tremor = shown.trends[0].points
    assert [(p.when, p.value, p.text) for p in tremor] == [
        ("2027-01-01", 1, "a little (1)"),
        ("2027-02-01", 3, "very much (3)"),
    ]
    assert shown.trends[1].points[0].text == "not answered"
    other = build(reports, ["tremor"], {1: DATA}, DATA, "nb", drug="aripiprazole")
    assert other.drug == "aripiprazole" and [r.id for r in other.reports] == [3]
    assert other.trends[0].points[0].text == "ikke i det hele tatt (0)"


def test_a_report_whose_data_version_is_gone_predicts_nothing() -> None:
    report = Report(1, datetime(2027, 1, 1, tzinfo=UTC), "quetiapine", {"tremor": 2}, 7)
    shown = build([report], ["tremor"], {}, DATA, "en")
    assert shown.latest is not None
    assert shown.latest.priorities[0].predicted.value is None
    assert shown.latest.priorities[0].predicted.text.lower().startswith("not known")
