"""Four eyes, without a database: who may approve a draft."""

from __future__ import annotations

import pytest

from app.curation.review import SelfApproval, check_approver, involved


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
