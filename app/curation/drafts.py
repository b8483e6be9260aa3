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
from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app import audit
from app.catalogue.files import RawFile, RawTree
from app.catalogue.model import (
    Dataset,
    Rating,
    Source,
    drug_document,
    rating_document,
    source_document,
)
from app.catalogue.problems import DataProblems
from app.catalogue.report import Names, diff
from app.catalogue.validate import build_dataset, check_rating, check_source
from app.clock import utcnow
from app.curation.publish import publish_dataset, rating_rows, source_rows
from app.curation.review import (
    AttributedChange,
    attribute,
    check_approver,
    check_reviewer,
    involved,
)
from app.curation.tables import (
    Draft,
    DraftComment,
    DraftDrug,
    DraftEdit,
    DraftRating,
    DraftSource,
)
from app.db import insert_rows
from app.errors import DomainError, NotFound
from app.store.datasets import DatasetCache, latest_version
from app.store.tables import DataVersion
from app.translations import N_


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class PreconditionFailed(DomainError):
    status_code = 412
    code = "precondition_failed"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or N_(
                "Someone changed this rating after you opened it. Reload it to see their "
                "change, then make yours again; nothing was saved."
            )
        )


class PreconditionRequired(DomainError):
    status_code = 428
    code = "precondition_required"

    def __init__(self, what: str = "rating") -> None:
        super().__init__(f"Send the {what}'s ETag in an If-Match header, so no edit is lost.")


SOURCE_CHANGED = N_(
    "Someone changed this source after you opened it. Reload it to see their change, "
    "then make yours again; nothing was saved."
)
SOURCE_TAKEN = N_(
    "A source with this key is already in the draft (perhaps a colleague has just added "
    "it). Open it to edit it, or choose another key; nothing was saved."
)


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
    )
    session.add(draft)
    session.flush()
    insert_rows(session, DraftSource, source_rows(content.sources.values(), draft_id=draft.id))
    drugs = []
    for drug in content.drugs:
        document = drug_document(drug, content.item_ids)
        document.pop("ratings")
        drugs.append({"draft_id": draft.id, "drug_id": drug.id, "document": document})
    insert_rows(session, DraftDrug, drugs)
    insert_rows(session, DraftRating, rating_rows(content.drugs, draft_id=draft.id))
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


def draft_comments(session: Session, draft: Draft) -> list[DraftComment]:
    """The draft's review conversation, oldest first."""
    query = (
        select(DraftComment).where(DraftComment.draft_id == draft.id).order_by(col(DraftComment.id))
    )
    return list(session.exec(query).all())


def people_involved(session: Session, draft: Draft) -> frozenset[str]:
    """Everyone who opened, changed or submitted the draft: none of them may approve it."""
    return involved(
        created_by=draft.created_by,
        submitted_by=draft.submitted_by,
        editors=(e.by for e in draft_edits(session, draft)),
        submitters=(c.by for c in draft_comments(session, draft) if c.kind == "submit"),
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

    checked = check_rating(entry, item, draft_sources(session, draft), report)
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


def draft_sources(session: Session, draft: Draft) -> dict[str, DraftSource]:
    """The draft's source list, by key in key order."""
    query = select(DraftSource).where(DraftSource.draft_id == draft.id)
    return {row.key: row for row in sorted(session.exec(query).all(), key=lambda r: r.key)}


def source_entry(row: DraftSource) -> dict[str, Any]:
    """A draft's source in the drugdata sources file shape."""
    return source_document(Source(row.key, row.citation, row.url, row.kind, row.accessed))


def source_payload(row: DraftSource) -> dict[str, Any]:
    return {**source_entry(row), "kind": row.kind}


_KEEP: Any = object()  # put_source: leave the field as it is


def put_source(
    session: Session,
    draft: Draft,
    *,
    key: str,
    citation: str,
    url: str,
    kind: str | None = None,
    accessed: date | Any | None = _KEEP,
    if_match: int | None,
    by: str,
) -> tuple[DraftSource, bool]:
    """Add a source to the draft's list, or change one (then `if_match` must be the
    revision read: 428 without it, 412 if stale). (row, created). `kind` None and
    `accessed` left out keep what the source had ("other" and none for a new one).
    Checked like a drugdata sources file, and the accessed date may not be in the future."""
    ensure_editable(draft)
    existing = session.get(DraftSource, (draft.id, key[:128]))
    if existing is not None and if_match is None:
        raise PreconditionRequired("source")
    if existing is None and if_match is not None:
        raise PreconditionFailed(
            f"The draft has no source '{key}' to change; to add it, send no If-Match."
        )
    entry: dict[str, Any] = {"citation": citation, "url": url.strip()}
    entry["kind"] = kind or (existing.kind if existing else "other")
    read = (existing.accessed if existing else None) if accessed is _KEEP else accessed
    if read is not None:
        entry["accessed"] = read.isoformat()
    problems: list[str] = []

    def report(message: str, _item: str | None = None) -> None:
        problems.append(message)

    checked = check_source(key, entry, report)
    if checked is not None and checked.accessed is not None and checked.accessed > utcnow().date():
        problems.append(f"source '{key}': the accessed date {checked.accessed} is after today")
    if problems or checked is None:
        raise InvalidEdit("; ".join(problems))
    before = source_payload(existing) if existing else None
    if existing is None:
        row = DraftSource(
            draft_id=draft.id,
            key=key,
            citation=checked.citation,
            url=checked.url,
            kind=checked.kind,
            accessed=checked.accessed,
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            raise PreconditionFailed(SOURCE_TAKEN) from None
    else:
        result = session.execute(
            update(DraftSource)
            .where(
                col(DraftSource.draft_id) == draft.id,
                col(DraftSource.key) == existing.key,
                col(DraftSource.revision) == if_match,
            )
            .values(
                citation=checked.citation,
                url=checked.url,
                kind=checked.kind,
                accessed=checked.accessed,
                revision=DraftSource.revision + 1,
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise PreconditionFailed(SOURCE_CHANGED)
        session.refresh(existing)
        row = existing
    record_edit(session, draft, by=by, source=row.key)
    audit.record(
        session,
        by=by,
        action="draft.edit_source",
        target=f"draft/{draft.id}/{row.key}",
        before=before,
        after=source_payload(row),
    )
    return row, existing is None


def base_dataset(session: Session, cache: DatasetCache, draft: Draft) -> Dataset:
    """The published version the draft was opened from."""
    version = session.get(DataVersion, draft.based_on)
    assert version is not None
    return cache.get(session, version)


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
        options=RawFile("options.yaml", base_doc["options"]) if "options" in base_doc else None,
        sources=[
            RawFile(
                "sources (draft)",
                {k: source_entry(row) for k, row in draft_sources(session, draft).items()},
            )
        ],
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
        people_involved(session, draft),
        Names.of(base, changed),
        changed,
    )


def _comment(session: Session, draft: Draft, *, by: str, kind: str, text: str) -> None:
    session.add(DraftComment(draft_id=draft.id, at=utcnow(), by=by, kind=kind, text=text))


def submit(session: Session, draft: Draft, *, by: str, comment: str = "") -> Draft:
    """Hand the draft to a reviewer, with an optional comment for them."""
    ensure_editable(draft)
    comment = comment.strip()
    draft.status = "submitted"
    draft.submitted_by = by
    session.add(draft)
    _comment(session, draft, by=by, kind="submit", text=comment)
    audit.record(
        session,
        by=by,
        action="draft.submit",
        target=f"draft/{draft.id}",
        after={"comment": comment} if comment else None,
    )
    return draft


def send_back(session: Session, draft: Draft, *, by: str, comment: str) -> Draft:
    """A reviewer returns a submitted draft to its author with comments: it is open for
    changes again. Only someone who may approve it may (four eyes): not its author."""
    if draft.status != "submitted":
        raise Conflict(N_("Only a draft submitted for review can be sent back; this one is not."))
    check_reviewer(by, people_involved(session, draft))
    comment = comment.strip()
    if not comment:
        raise InvalidEdit(N_("Say what should change before the draft is sent back."))
    draft.status = "open"
    draft.submitted_by = None
    session.add(draft)
    _comment(session, draft, by=by, kind="return", text=comment)
    audit.record(
        session,
        by=by,
        action="draft.return",
        target=f"draft/{draft.id}",
        after={"comment": comment},
    )
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
