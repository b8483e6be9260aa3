"""Four eyes, without a database: who may approve a draft and who made each change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypedDict, Unpack

import pytest

from app.catalogue.report import Change
from app.curation.review import SelfApproval, attribute, check_approver, involved
from app.curation.tables import DraftEdit

AT = datetime(2026, 11, 24, tzinfo=UTC)


class Where(TypedDict, total=False):
    """What a DraftEdit names: a rating, a drug field or a source."""

    drug_id: str
    side_effect: str
    field: str
    source: str


def edit(by: str, **where: Unpack[Where]) -> DraftEdit:
    return DraftEdit(draft_id="d", at=AT, by=by, **where)


@pytest.mark.parametrize("approver", ["olga", "sam", "eve", "ed"])
def test_the_creator_submitter_and_every_editor_are_refused(approver: str) -> None:
    people = involved(created_by="olga", submitted_by="sam", editors=["eve", "ed", "eve"])
    assert people == {"olga", "sam", "eve", "ed"}
    with pytest.raises(SelfApproval) as refused:
        check_approver(approver, people)
    assert refused.value.status_code == 403


def test_an_uninvolved_pharmacist_may_approve() -> None:
    check_approver("una", involved(created_by="olga", submitted_by="sam", editors=["eve"]))
    check_approver("una", involved(created_by="olga", submitted_by=None, editors=[]))


def test_each_change_is_the_last_editors_and_unedited_content_the_creators() -> None:
    changes = [
        Change("olanzapine", "weight-gain", "rating", "+++", "0", ("s3-2020",)),
        Change("olanzapine", "tremor", "note", "None", "'x'"),
        Change("olanzapine", None, "review_by", "2026-01-01", "2027-01-01"),
        Change("olanzapine", None, "card text", "[en] old", "[en] new"),
        Change("olanzapine", None, "monitoring", "none", "Weight / Vekt"),
        Change("(sources)", None, "source", "absent", "A <https://a>", ("new-key",)),
        Change("zetazine", None, "drug", "absent", "added"),
    ]
    edits = [
        edit("eve", drug_id="olanzapine", side_effect="weight-gain"),
        edit("ed", drug_id="olanzapine", side_effect="weight-gain"),
        edit("eve", drug_id="olanzapine", side_effect="tremor"),
        edit("ed", drug_id="olanzapine", field="card"),
        edit("eve", drug_id="olanzapine", field="monitoring"),
        edit("ed", drug_id="olanzapine", field="review_by"),
        edit("eve", drug_id="olanzapine"),  # a drug edit that changed no field
        edit("ed", source="new-key"),
    ]
    attributed = attribute(changes, edits, default="olga")
    assert [c.changed_by for c in attributed] == ["ed", "eve", "ed", "ed", "eve", "ed", "olga"]
    assert attributed[0].before == "+++" and attributed[0].sources == ("s3-2020",)
    assert str(attributed[0]).endswith("(by ed)")
