"""Reviewing a draft: who may approve it (four eyes) and who made each change.

Pure: no database. `app.curation.drafts` reads the draft's edits and calls these."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass

from app.catalogue.report import CHECKLIST, SCORING, SOURCES, Change, Names
from app.curation.tables import DraftEdit
from app.errors import DomainError
from app.translations import N_


class SelfApproval(DomainError):
    status_code = 403
    code = "self_approval"

    def __init__(self) -> None:
        super().__init__(
            N_("A pharmacist who did not open, change or submit this draft must approve it.")
        )


class SelfReview(DomainError):
    status_code = 403
    code = "self_review"

    def __init__(self) -> None:
        super().__init__(
            N_(
                "You opened, changed or submitted this draft, so a different pharmacist "
                "must review it and send it back."
            )
        )


def involved(
    *,
    created_by: str,
    submitted_by: str | None,
    editors: Iterable[str],
    submitters: Iterable[str] = (),
) -> frozenset[str]:
    """Everyone who changed the draft: its creator, every editor, and everyone who
    submitted it (now, or before a reviewer sent it back)."""
    people = {created_by, *editors, *submitters}
    return frozenset(people | ({submitted_by} if submitted_by else set()))


def check_approver(approver: str, people: frozenset[str]) -> None:
    """Four eyes: the approver must be none of the people who changed the draft."""
    if approver in people:
        raise SelfApproval()


def check_reviewer(reviewer: str, people: frozenset[str]) -> None:
    """Only someone who may approve a draft may send it back: its author cannot."""
    if reviewer in people:
        raise SelfReview()


@dataclass(frozen=True)
class AttributedChange(Change):
    """A change in the diff with the pharmacist who last changed that cell or field."""

    changed_by: str = ""

    def __str__(self) -> str:
        return f"{super().__str__()}  (by {self.changed_by})"


# What a diff line reports (app.catalogue.report.diff and drafts.draft_diff) -> the drug
# fields (app.curation.drug_fields.DRUG_FIELDS) whose edits make it.
DRUG_FIELDS_OF = {
    "name": ("name",),
    "atc": ("atc",),
    "generation": ("generation",),
    "snomed": ("snomed",),
    "review_by": ("review_by",),
    "formulations": ("formulations",),
    "card text": ("card",),
    "monitoring": ("monitoring",),
    "availability sources": ("sources_used_for_availability",),
}
RATING_PARTS = ("rating", "sources", "source values", "note")


def attribute(
    changes: Sequence[Change], edits: Sequence[DraftEdit], *, default: str
) -> list[AttributedChange]:
    """Each change with its last editor. `edits` oldest first. A change no edit made (the
    content of an imported draft, a medicine added by an import) is the creator's, `default`."""
    last: dict[tuple[str | None, ...], tuple[int, str]] = {}
    for order, edit in enumerate(edits):
        if edit.source is not None:
            key: tuple[str | None, ...] = ("source", edit.source)
        elif edit.side_effect is not None:
            key = ("rating", edit.drug_id, edit.side_effect)
        else:
            key = ("drug", edit.drug_id, edit.field)
        last[key] = (order, edit.by)

    def editor(change: Change) -> str:
        keys: list[tuple[str | None, ...]]
        if change.what in RATING_PARTS and change.item is not None:
            keys = [("rating", change.drug, change.item)]
        elif change.what == "source":
            keys = [("source", key) for key in change.sources]
        else:
            keys = [("drug", change.drug, f) for f in DRUG_FIELDS_OF.get(change.what, ())]
        found = [last[k] for k in keys if k in last]
        return max(found)[1] if found else default

    return [AttributedChange(**asdict(c), changed_by=editor(c)) for c in changes]


# The diff's rows that are not one medicine's, as a reviewer reads them.
GROUP_TITLES = {
    SOURCES: N_("Sources"),
    CHECKLIST: N_("Checklist"),
    SCORING: N_("Scoring weights"),
}


def group_title(drug: str, names: Names, lang: str, gettext: Callable[[str], str]) -> str:
    """The heading of a group of changes: the medicine's name in `lang`, or the group's."""
    if drug in GROUP_TITLES:
        return gettext(GROUP_TITLES[drug])
    return names.drug(drug, lang) or drug
