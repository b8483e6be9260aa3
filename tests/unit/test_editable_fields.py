"""The editable fields of a drug (app/catalogue/editable.py) against the drugdata files.

The JSON API takes `DrugFields` as the body of a drug edit and `RatingFields` as the body
of a rating edit, and a draft accepts exactly `DRUG_FIELDS`: a pharmacist must be able to
send back any bundled drug's fields and ratings as the file holds them, and every other
field of a drug file (its id, figures and safety notes) has an edit of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.catalogue.editable import DRUG_FIELDS, RATING_NOTE_MAX, DrugFields, RatingFields
from app.catalogue.files import RawFile, read_tree
from app.config import ROOT

DRUGS = read_tree(Path(ROOT / "drugdata")).drugs
#: A drug file's fields that are not edited as fields: each has its own draft edit.
EDITED_ELSEWHERE = {"id", "figures", "safety", "ratings"}


@pytest.mark.parametrize("drug", DRUGS, ids=lambda f: Path(f.path).stem)
def test_every_bundled_drugs_fields_are_a_valid_edit(drug: RawFile) -> None:
    fields = {k: v for k, v in drug.data.items() if k in DRUG_FIELDS}
    edit = DrugFields.model_validate(fields)
    assert edit.model_dump(exclude_unset=True, mode="json") == {
        k: (v.isoformat() if k == "review_by" and not isinstance(v, str) else v)
        for k, v in fields.items()
    }


def test_the_editable_fields_and_the_others_make_up_a_drug_file() -> None:
    keys = {k for drug in DRUGS for k in drug.data}
    assert set(DRUG_FIELDS) | EDITED_ELSEWHERE == keys
    assert not set(DRUG_FIELDS) & EDITED_ELSEWHERE


def test_a_field_no_drug_file_has_is_refused() -> None:
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        DrugFields.model_validate({"colour": "blue"})


@pytest.mark.parametrize("drug", DRUGS, ids=lambda f: Path(f.path).stem)
def test_every_bundled_rating_is_a_valid_rating_edit(drug: RawFile) -> None:
    """As the file holds each rating, but for unknown: the file writes `unknown`, a rating
    edit sends null (never 0)."""
    for item, rating in drug.data["ratings"].items():
        sent = {**rating, "value": None if rating["value"] == "unknown" else rating["value"]}
        edit = RatingFields.model_validate(sent)
        assert edit.model_dump(exclude_unset=True) == sent, item


def test_a_rating_note_over_its_limit_is_refused() -> None:
    at_limit = {"value": 1, "sources": ["s3-2020"], "note": "x" * RATING_NOTE_MAX}
    assert RatingFields.model_validate(at_limit).note == at_limit["note"]
    with pytest.raises(ValueError, match="at most 2000 characters"):
        RatingFields.model_validate({**at_limit, "note": "x" * (RATING_NOTE_MAX + 1)})
