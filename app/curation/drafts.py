"""Drafts: open from the published version, edit with ETags, review, publish.

Rules live here, not in the routes: only open drafts can be edited; an edit must name
the revision it read; every edit records who made it (draft_edit); a draft is published
by a pharmacist who did not open, change or submit it (four eyes, app.curation.review);
publishing goes through the same validation and the same `publish_dataset` action as
`sdm data load`. Every change writes an audit event in the same transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from app import audit
from app.catalogue.files import RawFile, RawTree
from app.catalogue.model import (
    Dataset,
    Rating,
    drug_document,
    rating_document,
    source_document,
)
from app.catalogue.problems import DataProblems
from app.catalogue.report import Names, diff
from app.catalogue.validate import build_dataset, check_rating
from app.clock import utcnow
from app.curation.publish import publish_dataset
from app.curation.review import AttributedChange, attribute, check_approver, involved
from app.curation.tables import Draft, DraftDrug, DraftEdit, DraftRating
from app.errors import DomainError, NotFound
from app.store.datasets import DatasetCache, latest_version
from app.store.tables import DataVersion


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class PreconditionFailed(DomainError):
    status_code = 412
    code = "precondition_failed"

    def __init__(self) -> None:
        super().__init__(
            "Someone changed this rating after you opened it. Reload it to see their "
            "change, then make yours again; nothing was saved."
        )


class PreconditionRequired(DomainError):
    status_code = 428
    code = "precondition_required"

    def __init__(self) -> None:
        super().__init__("Send the rating's ETag in an If-Match header, so no edit is lost.")


class InvalidEdit(DomainError):
    status_code = 422
    code = "invalid_edit"


def _new_draft(
    session: Session, base: DataVersion, content: Dataset, *, by: str, note: str
) -> Draft:
    """A draft based on `base` whose rows hold `content`."""
    draft = Draft(
        id=secrets.token_hex(8),
        based_on=base.number,
        status="open",
        created_by=by,
        created_at=utcnow(),
        note=note,
        sources={k: source_document(s) for k, s in content.sources.items()},
    )
    session.add(draft)
    session.flush()
    for drug in content.drugs:
        document = drug_document(drug, content.item_ids)
        document.pop("ratings")
        session.add(DraftDrug(draft_id=draft.id, drug_id=drug.id, document=document))
    session.flush()
    session.add_all(
        DraftRating(
            draft_id=draft.id,
            drug_id=drug.id,
            side_effect=item,
            value=rating.value,
            sources=list(rating.sources),
            source_values=dict(rating.source_values),
            note=rating.note,
        )
        for drug in content.drugs
        for item, rating in drug.ratings.items()
    )
    session.flush()
    return draft


def _published(session: Session) -> DataVersion:
    version = latest_version(session)
    if version is None:
        raise Conflict("There is no published data version to start a draft from.")
    return version


def open_draft(session: Session, cache: DatasetCache, *, by: str, note: str = "") -> Draft:
    """A working copy of the published data version."""
    version = _published(session)
    draft = _new_draft(session, version, cache.get(session, version), by=by, note=note)
    audit.record(
        session,
        by=by,
        action="draft.open",
        target=f"draft/{draft.id}",
        after={"based_on": version.number},
    )
    return draft


def get_draft(session: Session, draft_id: str) -> Draft:
    draft = session.get(Draft, draft_id[:32])
    if draft is None:
        raise NotFound(f"There is no draft '{draft_id}'.")
    return draft


def list_drafts(session: Session) -> list[Draft]:
    return list(session.exec(select(Draft).order_by(col(Draft.created_at).desc())).all())


def get_rating(session: Session, draft: Draft, drug_id: str, item: str) -> DraftRating:
    row = session.get(DraftRating, (draft.id, drug_id[:64], item[:64]))
    if row is None:
        raise NotFound(f"Draft {draft.id} has no rating of '{item}' for '{drug_id}'.")
    return row


def ensure_editable(draft: Draft) -> None:
    if draft.status != "open":
        raise Conflict(f"Draft {draft.id} is {draft.status}; only an open draft can be edited.")


def record_edit(
    session: Session,
    draft: Draft,
    *,
    by: str,
    drug_id: str | None = None,
    side_effect: str | None = None,
    field: str | None = None,
    source: str | None = None,
) -> None:
    """Note who changed what in the draft, in the edit's transaction."""
    session.add(
        DraftEdit(
            draft_id=draft.id,
            at=utcnow(),
            by=by,
            drug_id=drug_id,
            side_effect=side_effect,
            field=field,
            source=source,
        )
    )


def draft_edits(session: Session, draft: Draft) -> list[DraftEdit]:
    """Every edit made in the draft, oldest first."""
    query = select(DraftEdit).where(DraftEdit.draft_id == draft.id).order_by(col(DraftEdit.id))
    return list(session.exec(query).all())


def people_involved(session: Session, draft: Draft) -> frozenset[str]:
    """Everyone who opened, changed or submitted the draft: none of them may approve it."""
    return involved(
        created_by=draft.created_by,
        submitted_by=draft.submitted_by,
        editors=(e.by for e in draft_edits(session, draft)),
    )


def rating_payload(row: DraftRating) -> dict[str, Any]:
    return {
        "value": row.value,
        "sources": list(row.sources),
        "source_values": dict(row.source_values),
        "note": row.note,
    }


def edit_rating(
    session: Session,
    draft: Draft,
    *,
    drug_id: str,
    item: str,
    value: int | None,
    sources: list[str],
    note: str | None,
    source_values: dict[str, str] | None,
    if_match: int | None,
    by: str,
) -> DraftRating:
    """Change one rating if `if_match` is still its revision; 412 otherwise."""
    ensure_editable(draft)
    if if_match is None:
        raise PreconditionRequired()
    row = get_rating(session, draft, drug_id, item)
    problems: list[str] = []
    entry = {
        "value": "unknown" if value is None else value,
        "sources": sources,
        "source_values": source_values or {},
        "note": note,
    }

    def report(message: str, _item: str | None = None) -> None:
        problems.append(message)

    checked = check_rating(entry, item, draft.sources, report)
    if problems or checked is None:
        raise InvalidEdit("; ".join(problems))
    before = rating_payload(row)
    result = session.execute(
        update(DraftRating)
        .where(
            col(DraftRating.draft_id) == draft.id,
            col(DraftRating.drug_id) == row.drug_id,
            col(DraftRating.side_effect) == row.side_effect,
            col(DraftRating.revision) == if_match,
        )
        .values(
            value=checked.value,
            sources=list(checked.sources),
            source_values=dict(checked.source_values),
            note=checked.note,
            revision=DraftRating.revision + 1,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise PreconditionFailed()
    session.refresh(row)
    record_edit(session, draft, by=by, drug_id=row.drug_id, side_effect=row.side_effect)
    audit.record(
        session,
        by=by,
        action="draft.edit_rating",
        target=f"draft/{draft.id}/drugs/{row.drug_id}/ratings/{row.side_effect}",
        before=before,
        after=rating_payload(row),
    )
    return row


def add_source(
    session: Session, draft: Draft, *, key: str, citation: str, url: str, by: str
) -> None:
    ensure_editable(draft)
    if not citation.strip() or not url.startswith(("https://", "http://")):
        raise InvalidEdit("A source needs a citation and a URL starting with https://")
    sources = dict(draft.sources)
    before = sources.get(key)
    sources[key] = {"citation": " ".join(citation.split()), "url": url.strip()}
    if before and "kind" in before:  # a new citation for a comparative source keeps its kind
        sources[key]["kind"] = before["kind"]
    draft.sources = sources
    session.add(draft)
    record_edit(session, draft, by=by, source=key)
    audit.record(
        session,
        by=by,
        action="draft.edit_source",
        target=f"draft/{draft.id}/{key}",
        before=before,
        after=sources[key],
    )


def draft_dataset(session: Session, cache: DatasetCache, draft: Draft) -> Dataset:
    """The draft as a Dataset, through the same validation as the drugdata files."""
    base_version = session.get(DataVersion, draft.based_on)
    assert base_version is not None
    base = cache.get(session, base_version)
    base_doc = base.to_document()
    ratings: dict[str, dict[str, Any]] = {}
    for row in session.exec(select(DraftRating).where(DraftRating.draft_id == draft.id)).all():
        ratings.setdefault(row.drug_id, {})[row.side_effect] = rating_document(
            Rating(row.value, tuple(row.sources), dict(row.source_values), row.note)
        )
    drugs = []
    for drug_row in session.exec(select(DraftDrug).where(DraftDrug.draft_id == draft.id)).all():
        document = dict(drug_row.document)
        document["ratings"] = ratings.get(drug_row.drug_id, {})
        drugs.append(RawFile(f"drugs/{drug_row.drug_id}.yaml", document))
    tree = RawTree(
        checklist=RawFile(
            "checklist.yaml", {"groups": base_doc["groups"], "items": base_doc["checklist"]}
        ),
        scoring=RawFile("scoring.yaml", base_version.scoring),
        safety=RawFile("safety.yaml", {"class": base_doc.get("class_safety", [])}),
        sources=[RawFile("sources (draft)", dict(draft.sources))],
        drugs=drugs,
    )
    return build_dataset(tree)


@dataclass(frozen=True)
class DraftDiff:
    draft: Draft
    changes: list[AttributedChange]
    # everyone who opened, changed or submitted the draft; none of them may approve it
    involved: frozenset[str]
    names: Names  # drug names and checklist labels, to show the changes by name
    content: Dataset  # the draft as it stands


def draft_diff(session: Session, cache: DatasetCache, draft: Draft) -> DraftDiff:
    """The draft's changes against its base version, each with its last editor."""
    base_version = session.get(DataVersion, draft.based_on)
    assert base_version is not None
    try:
        changed = draft_dataset(session, cache, draft)
    except DataProblems as exc:
        raise InvalidEdit("; ".join(str(p) for p in exc.problems[:10])) from exc
    base = cache.get(session, base_version)
    edits = draft_edits(session, draft)
    return DraftDiff(
        draft,
        attribute(diff(base, changed), edits, default=draft.created_by),
        involved(
            created_by=draft.created_by,
            submitted_by=draft.submitted_by,
            editors=(e.by for e in edits),
        ),
        Names.of(base, changed),
        changed,
    )


def submit(session: Session, draft: Draft, *, by: str) -> Draft:
    ensure_editable(draft)
    draft.status = "submitted"
    draft.submitted_by = by
    session.add(draft)
    audit.record(session, by=by, action="draft.submit", target=f"draft/{draft.id}")
    return draft


def approve(session: Session, cache: DatasetCache, draft: Draft, *, by: str) -> DataVersion:
    """Publish a submitted draft as the next data version: only by a pharmacist who did
    not open, change or submit it (four eyes)."""
    if draft.status != "submitted":
        raise Conflict(
            f"Draft {draft.id} is {draft.status}; only a submitted draft can be approved."
        )
    latest = latest_version(session)
    if latest is None or latest.number != draft.based_on:
        raise Conflict(
            f"Data version {latest.number if latest else '?'} was published after "
            f"this draft was opened from version {draft.based_on}; open a new draft."
        )
    try:
        dataset = draft_dataset(session, cache, draft)
    except DataProblems as exc:
        raise InvalidEdit("; ".join(str(p) for p in exc.problems[:10])) from exc
    # The editors are read after the content: an edit that committed in time to be
    # published is also in time to be seen here (each read sees every earlier commit).
    check_approver(by, people_involved(session, draft))
    note = (
        f"draft {draft.id} by {draft.created_by}, submitted by {draft.submitted_by}, "
        f"approved by {by}. {draft.note}"
    ).strip()
    result = publish_dataset(session, dataset, by=by, note=note)
    draft.status = "published"
    draft.decided_by = by
    draft.published_as = result.version.number
    session.add(draft)
    audit.record(
        session,
        by=by,
        action="draft.approve",
        target=f"draft/{draft.id}",
        after={
            "published_as": result.version.number,
            "author": draft.created_by,
            "submitted_by": draft.submitted_by,
            "approved_by": by,
        },
    )
    return result.version


def discard(session: Session, draft: Draft, *, by: str) -> None:
    if draft.status not in {"open", "submitted"}:
        raise Conflict(f"Draft {draft.id} is {draft.status} and cannot be discarded.")
    draft.status = "discarded"
    draft.decided_by = by
    session.add(draft)
    audit.record(session, by=by, action="draft.discard", target=f"draft/{draft.id}")


def draft_from_dataset(
    session: Session, cache: DatasetCache, dataset: Dataset, *, by: str, note: str = ""
) -> Draft:
    """Open a draft whose content is `dataset` (imported files). Never publishes."""
    version = _published(session)
    if cache.get(session, version).item_ids != dataset.item_ids:
        raise InvalidEdit("The imported checklist differs from the published one.")
    draft = _new_draft(session, version, dataset, by=by, note=note)
    audit.record(
        session,
        by=by,
        action="draft.import",
        target=f"draft/{draft.id}",
        after={
            "based_on": version.number,
            "drugs": len(dataset.drugs),
            "checksum": dataset.checksum(),
        },
    )
    return draft
