"""Drafts through the API: pharmacists edit, a second pharmacist approves and publishes."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.schemas import UtcDateTime, problem_responses
from app.catalogue.editable import DrugFields, RatingFields
from app.curation import drafts, drug_fields
from app.curation.review import group_title
from app.curation.tables import Draft, DraftRating, DraftSource
from app.http.auth import Pharmacist
from app.http.language import LanguageDep
from app.http.params import Id, SlugPath
from app.http.state import app_state
from app.http.unit_of_work import SessionDep
from app.translations import gettext_for

router = APIRouter(
    prefix="/api/v1/drafts",
    tags=["curation"],
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
)


class DraftOut(BaseModel):
    id: str
    based_on: int
    status: str
    created_by: str
    created_at: UtcDateTime
    submitted_by: str | None
    decided_by: str | None
    published_as: int | None
    note: str


class CommentOut(BaseModel):
    at: UtcDateTime
    by: str
    kind: Literal["submit", "return"] = Field(
        description="submit: the author handed it for review; return: a reviewer sent it back"
    )
    comment: str


class DraftDetailOut(DraftOut):
    conversation: list[CommentOut] = Field(
        description="the review conversation, oldest first: each submission with the "
        "author's comment, each return with the reviewer's"
    )


class SubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str = Field(default="", max_length=4000, description="optional, for the reviewer")


class ReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str = Field(min_length=1, max_length=4000, description="what should change")


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=2000)


class RatingOut(BaseModel):
    drug: str
    side_effect: str
    value: int | None
    sources: list[str]
    source_values: dict[str, str]
    note: str | None
    revision: int


SourceKind = Literal["comparative", "meta-analysis", "product-information", "other"]


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    citation: str = Field(max_length=2000, description="the full citation")
    url: str = Field(max_length=2000, description="where it was read: https://...")
    kind: SourceKind | None = Field(
        default=None,
        description="comparative (a table or network meta-analysis rating many drugs on "
        "one scale: it decides the grades it covers), meta-analysis (figures shown beside "
        "the grade), product-information or other; left out: unchanged (other for a new "
        "source)",
    )
    accessed: date | None = Field(
        default=None,
        description="the date it was read at the URL, not after today; left out: "
        "unchanged; null: not recorded",
    )


class DraftSourceOut(BaseModel):
    key: str
    citation: str
    url: str
    kind: SourceKind
    accessed: date | None
    revision: int = Field(description="the source's ETag, to send in If-Match")


class ChangeOut(BaseModel):
    drug: str
    drug_name: str = Field(
        description="the medicine's name in the language asked for (?lang= or "
        "Accept-Language); for the rows that are no medicine's: Sources, Checklist, "
        "Scoring weights"
    )
    side_effect: str | None
    side_effect_label: str | None = Field(description="the checklist item's label, if any")
    what: str
    before: str
    after: str
    sources: list[str]
    changed_by: str = Field(description="who last changed this cell or field in the draft")


class DiffOut(BaseModel):
    draft: DraftOut
    changes: list[ChangeOut]
    involved: list[str] = Field(
        description="everyone who opened, changed or submitted the draft: none of them "
        "may approve it"
    )


class PublishedOut(BaseModel):
    draft: DraftOut
    data_version: int


def draft_out(draft: Draft) -> DraftOut:
    return DraftOut.model_validate(draft, from_attributes=True)


def draft_detail(session: SessionDep, draft: Draft) -> DraftDetailOut:
    return DraftDetailOut(
        **draft_out(draft).model_dump(),
        conversation=[
            CommentOut(at=c.at, by=c.by, kind=c.kind, comment=c.text)  # type: ignore[arg-type]
            for c in drafts.draft_comments(session, draft)
        ],
    )


def rating_out(row: DraftRating, response: Response) -> RatingOut:
    response.headers["ETag"] = f'"{row.revision}"'
    return RatingOut(
        drug=row.drug_id,
        side_effect=row.side_effect,
        value=row.value,
        sources=list(row.sources),
        source_values=dict(row.source_values),
        note=row.note,
        revision=row.revision,
    )


def parse_if_match(value: str | None) -> int | None:
    """'"3"' or 'W/"3"' -> 3; anything unparsable can never match (-1)."""
    if value is None:
        return None
    tag = value.strip().removeprefix("W/").strip('"')
    # Revisions are 32-bit database integers: a longer number can never match either.
    return int(tag) if tag.isdigit() and len(tag) <= 9 else -1


@router.post("", response_model=DraftOut, status_code=201)
def open_draft(
    request: Request, session: SessionDep, who: Pharmacist, body: DraftIn | None = None
) -> DraftOut:
    draft = drafts.open_draft(
        session, app_state(request).datasets, by=who.username, note=body.note if body else ""
    )
    return draft_out(draft)


@router.get("", response_model=list[DraftOut])
def list_drafts(session: SessionDep, _who: Pharmacist) -> list[DraftOut]:
    return [draft_out(d) for d in drafts.list_drafts(session)]


@router.get("/{draft_id}", response_model=DraftDetailOut)
def get_draft(session: SessionDep, _who: Pharmacist, draft_id: Id) -> DraftDetailOut:
    """The draft, with its review conversation."""
    return draft_detail(session, drafts.get_draft(session, draft_id))


@router.get("/{draft_id}/drugs/{drug_id}/ratings/{side_effect}", response_model=RatingOut)
def get_rating(
    session: SessionDep,
    _who: Pharmacist,
    response: Response,
    draft_id: Id,
    drug_id: SlugPath,
    side_effect: SlugPath,
) -> RatingOut:
    draft = drafts.get_draft(session, draft_id)
    return rating_out(drafts.get_rating(session, draft, drug_id, side_effect), response)


@router.put(
    "/{draft_id}/drugs/{drug_id}/ratings/{side_effect}",
    response_model=RatingOut,
    responses={
        412: {"description": "the ETag is stale"},
        428: {"description": "If-Match is missing"},
    },
)
def put_rating(
    session: SessionDep,
    who: Pharmacist,
    response: Response,
    body: RatingFields,
    draft_id: Id,
    drug_id: SlugPath,
    side_effect: SlugPath,
    if_match: Annotated[str | None, Header(max_length=64)] = None,
) -> RatingOut:
    """Change a rating. Send the ETag you read in If-Match; a stale one gets 412."""
    draft = drafts.get_draft(session, draft_id)
    row = drafts.edit_rating(
        session,
        draft,
        drug_id=drug_id,
        item=side_effect,
        value=body.value,
        sources=body.sources,
        source_values=body.source_values,
        note=body.note,
        if_match=parse_if_match(if_match),
        by=who.username,
    )
    return rating_out(row, response)


class DrugFieldsOut(BaseModel):
    drug: str
    document: dict[str, Any]
    revision: int


@router.get("/{draft_id}/drugs/{drug_id}", response_model=DrugFieldsOut)
def get_drug_fields(
    session: SessionDep, _who: Pharmacist, response: Response, draft_id: Id, drug_id: SlugPath
) -> DrugFieldsOut:
    row = drug_fields.get_drug(session, drafts.get_draft(session, draft_id), drug_id)
    response.headers["ETag"] = f'"{row.revision}"'
    return DrugFieldsOut(drug=row.drug_id, document=row.document, revision=row.revision)


@router.put(
    "/{draft_id}/drugs/{drug_id}",
    response_model=DrugFieldsOut,
    responses={
        412: {"description": "the ETag is stale"},
        428: {"description": "If-Match is missing"},
    },
)
def put_drug_fields(
    session: SessionDep,
    who: Pharmacist,
    response: Response,
    body: DrugFields,
    draft_id: Id,
    drug_id: SlugPath,
    if_match: Annotated[str | None, Header(max_length=64)] = None,
) -> DrugFieldsOut:
    """Change card text, review date, formulations, monitoring points or codes."""
    fields = body.model_dump(exclude_unset=True, mode="json")
    row = drug_fields.edit_drug(
        session,
        drafts.get_draft(session, draft_id),
        drug_id=drug_id,
        fields=fields,
        if_match=parse_if_match(if_match),
        by=who.username,
    )
    response.headers["ETag"] = f'"{row.revision}"'
    return DrugFieldsOut(drug=row.drug_id, document=row.document, revision=row.revision)


def source_out(row: DraftSource) -> DraftSourceOut:
    return DraftSourceOut(
        key=row.key,
        citation=row.citation,
        url=row.url,
        kind=row.kind,  # type: ignore[arg-type]  # checked against SOURCE_KINDS when saved
        accessed=row.accessed,
        revision=row.revision,
    )


@router.get("/{draft_id}/sources", response_model=list[DraftSourceOut])
def list_sources(session: SessionDep, _who: Pharmacist, draft_id: Id) -> list[DraftSourceOut]:
    """The draft's source list, in key order; each with its revision (ETag)."""
    draft = drafts.get_draft(session, draft_id)
    return [source_out(row) for row in drafts.draft_sources(session, draft).values()]


@router.put(
    "/{draft_id}/sources/{key}",
    response_model=DraftSourceOut,
    responses={
        201: {"description": "the source was added", "model": DraftSourceOut},
        412: {"description": "the ETag is stale, or the key was taken meanwhile"},
        428: {"description": "If-Match is missing for a source the draft has"},
    },
)
def put_source(
    session: SessionDep,
    who: Pharmacist,
    response: Response,
    body: SourceIn,
    draft_id: Id,
    key: SlugPath,
    if_match: Annotated[str | None, Header(max_length=64)] = None,
) -> DraftSourceOut:
    """Add a source to the draft (201), or change one it has (200): then send the ETag
    you read in If-Match, as for ratings; a stale one gets 412."""
    draft = drafts.get_draft(session, draft_id)
    row, created = drafts.put_source(
        session,
        draft,
        key=key,
        citation=body.citation,
        url=body.url,
        kind=body.kind,
        **({"accessed": body.accessed} if "accessed" in body.model_fields_set else {}),
        if_match=parse_if_match(if_match),
        by=who.username,
    )
    response.status_code = 201 if created else 200
    response.headers["ETag"] = f'"{row.revision}"'
    return source_out(row)


@router.get("/{draft_id}/diff", response_model=DiffOut)
def get_diff(
    request: Request, session: SessionDep, _who: Pharmacist, lang: LanguageDep, draft_id: Id
) -> DiffOut:
    """Every change against the published version, grouped by medicine, old beside new,
    each with the pharmacist who last made it; names and labels in the language asked for."""
    draft = drafts.get_draft(session, draft_id)
    result = drafts.draft_diff(session, app_state(request).datasets, draft)
    gettext = gettext_for(lang)
    return DiffOut(
        draft=draft_out(draft),
        changes=[
            ChangeOut(
                drug=c.drug,
                drug_name=group_title(c.drug, result.names, lang, gettext),
                side_effect=c.item,
                side_effect_label=result.names.item(c.item, lang),
                what=c.what,
                before=c.before,
                after=c.after,
                sources=list(c.sources),
                changed_by=c.changed_by,
            )
            for c in result.changes
        ],
        involved=sorted(result.involved),
    )


@router.post("/{draft_id}/submit", response_model=DraftOut)
def submit(
    session: SessionDep, who: Pharmacist, draft_id: Id, body: SubmitIn | None = None
) -> DraftOut:
    """Hand the draft to a reviewer, with an optional comment for them."""
    draft = drafts.get_draft(session, draft_id)
    return draft_out(
        drafts.submit(session, draft, by=who.username, comment=body.comment if body else "")
    )


@router.post("/{draft_id}/return", response_model=DraftDetailOut)
def send_back(session: SessionDep, who: Pharmacist, body: ReturnIn, draft_id: Id) -> DraftDetailOut:
    """Send a submitted draft back to its author with comments: it is open again, and the
    comment is in its conversation. Only a pharmacist who may approve it (403 for anyone
    who opened, changed or submitted it); 409 unless it is submitted."""
    draft = drafts.get_draft(session, draft_id)
    drafts.send_back(session, draft, by=who.username, comment=body.comment)
    return draft_detail(session, draft)


@router.post("/{draft_id}/approve", response_model=PublishedOut)
def approve(request: Request, session: SessionDep, who: Pharmacist, draft_id: Id) -> PublishedOut:
    """Publish a submitted draft as the next data version. Refused (403) to anyone who
    opened, changed or submitted it."""
    draft = drafts.get_draft(session, draft_id)
    version = drafts.approve(session, app_state(request).datasets, draft, by=who.username)
    return PublishedOut(draft=draft_out(draft), data_version=version.number)


@router.delete("/{draft_id}", status_code=204)
def discard(session: SessionDep, who: Pharmacist, draft_id: Id) -> Response:
    drafts.discard(session, drafts.get_draft(session, draft_id), by=who.username)
    return Response(status_code=204)
