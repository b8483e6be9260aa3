"""The fields of a drug's file that a draft may change, declared once.

Their names, shapes and limits, in the drugdata file's shape (drugdata/README.md): the
JSON API takes `DrugFields` as the body of a drug edit and `RatingFields` as the body of
a rating edit, the draft edit (app.curation.drug_fields) accepts exactly `DRUG_FIELDS`,
and the card and rating forms' limits are these. What the values must mean (a known
generation, a date, sources that exist) is the validator's to say, for a drug edited in
a draft exactly as for a drugdata file (app.catalogue.validate.validate_drug), in its
own words.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

NAME_MAX = 200
ATC_MAX = 16
SNOMED_MAX = 32
GENERATION_MAX = 16
FORMULATION_MAX = 32
FORMULATIONS_MAX = 16
CARD_MAX = 4000
MONITORING_MAX = 2000
MONITORING_POINTS_MAX = 30
SOURCE_KEY_MAX = 128
SOURCES_MAX = 30
RATING_SOURCES_MAX = 20
SOURCE_SAYS_MAX = 500
RATING_NOTE_MAX = 2000


class DrugFields(BaseModel):
    """Any of a drug's editable fields; a field left out is left as it is, and a field
    given as null is removed."""

    model_config = ConfigDict(extra="forbid")
    name: dict[str, Annotated[str, Field(max_length=NAME_MAX)]] | None = None
    atc: str | None = Field(default=None, max_length=ATC_MAX)
    snomed: str | None = Field(default=None, max_length=SNOMED_MAX)
    generation: str | None = Field(default=None, max_length=GENERATION_MAX)
    review_by: date | None = None
    formulations: list[dict[str, Annotated[str, Field(max_length=FORMULATION_MAX)]]] | None = Field(
        default=None, max_length=FORMULATIONS_MAX
    )
    card: dict[str, Annotated[str, Field(max_length=CARD_MAX)]] | None = None
    monitoring: list[dict[str, Annotated[str, Field(max_length=MONITORING_MAX)]]] | None = Field(
        default=None, max_length=MONITORING_POINTS_MAX
    )
    sources_used_for_availability: list[Annotated[str, Field(max_length=SOURCE_KEY_MAX)]] | None = (
        Field(default=None, max_length=SOURCES_MAX)
    )


class RatingFields(BaseModel):
    """One rating of a drug's side effect, as a draft edit sets it."""

    model_config = ConfigDict(extra="forbid")
    value: int | None = Field(ge=0, le=3, description="0-3, or null for unknown")
    sources: list[Annotated[str, Field(max_length=SOURCE_KEY_MAX)]] = Field(
        default_factory=list, max_length=RATING_SOURCES_MAX
    )
    source_values: dict[str, Annotated[str, Field(max_length=SOURCE_SAYS_MAX)]] = Field(
        default_factory=dict, max_length=RATING_SOURCES_MAX
    )
    note: str | None = Field(default=None, max_length=RATING_NOTE_MAX)


#: The names of the fields a draft may change.
DRUG_FIELDS: tuple[str, ...] = tuple(DrugFields.model_fields)
