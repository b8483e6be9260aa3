"""The checklist, the drug cards and the options of the published data version."""

from __future__ import annotations

from fastapi import APIRouter, Path

from app.api.schemas import (
    DataVersionOut,
    DrugCardOut,
    DrugSummaryOut,
    OptionsOut,
    SideEffectOut,
    data_version_out,
    drug_card_out,
    drug_summary_out,
    options_out,
    problem_responses,
    side_effects_out,
)
from app.errors import NotFound
from app.http.language import LanguageDep
from app.http.published import PublishedDep

router = APIRouter(prefix="/api/v1", tags=["catalogue"])


@router.get("/side-effects", response_model=list[SideEffectOut])
def list_side_effects(published: PublishedDep, lang: LanguageDep) -> list[SideEffectOut]:
    """The 36 side effects of the checklist, in the paper tool's order and wording."""
    return side_effects_out(published.dataset, lang)


@router.get("/drugs", response_model=list[DrugSummaryOut])
def list_drugs(published: PublishedDep, lang: LanguageDep) -> list[DrugSummaryOut]:
    return [drug_summary_out(d, lang) for d in published.dataset.drugs]


@router.get("/drugs/{drug_id}", response_model=DrugCardOut, responses=problem_responses(404))
def get_drug(
    published: PublishedDep, lang: LanguageDep, drug_id: str = Path(max_length=64)
) -> DrugCardOut:
    """The information card: every checklist item rated (null = unknown) with sources."""
    try:
        drug = published.dataset.drug(drug_id)
    except KeyError:
        raise NotFound(
            f"There is no medicine '{drug_id}' in data version {published.version.number}."
        ) from None
    return drug_card_out(drug, published.dataset, published.version, lang)


@router.get("/options", response_model=OptionsOut)
def list_options(published: PublishedDep, lang: LanguageDep) -> OptionsOut:
    """Every option a person may want to talk about (one of the medicines, staying on the
    current one, a lower dose, no antipsychotic for now), each with what it involves and
    what is known, sourced; and the decision described in plain words."""
    return options_out(published.dataset, published.version, lang)


@router.get("/data-version", response_model=DataVersionOut)
def current_data_version(published: PublishedDep) -> DataVersionOut:
    """The data version that rankings and cards use now."""
    return data_version_out(published.version)
