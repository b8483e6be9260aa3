"""The code systems the export uses, and text with its Norwegian translation.

Medicines carry the SNOMED CT substance code the drug data holds where one was verified
(`snomed` in drugdata/drugs/*.yaml), and their WHO ATC code. Nothing else in the data has
a published code: checklist items, forms, options and the decisions that are not a
medicine are coded in this service's own CodeSystems under `FhirBase`, by their ids in
drugdata/. No SNOMED CT code is ever made up for them (docs/fhir.md says what is missing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.fhirprimitiveextension import FHIRPrimitiveExtension

from app.catalogue.model import Dataset

SNOMED_CT = "http://snomed.info/sct"
ATC = "http://www.whocc.no/atc"
#: The core extension that carries a translation of a string element (FHIR R4).
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
#: The language of every text; Norwegian (Bokmål) rides along as a translation.
LANGUAGE = "en"
TRANSLATED = "nb"


@dataclass(frozen=True)
class FhirBase:
    """Where this service's FHIR definitions live (`SDM_FHIR_BASE`, no trailing slash)."""

    url: str

    def code_system(self, name: str) -> str:
        return f"{self.url}/CodeSystem/{name}"

    @property
    def checklist(self) -> str:
        return self.code_system("choosewell-checklist")

    @property
    def formulation(self) -> str:
        return self.code_system("choosewell-formulation")

    @property
    def option(self) -> str:
        return self.code_system("choosewell-option")

    @property
    def decision(self) -> str:
        return self.code_system("choosewell-decision")


def translated(text: Mapping[str, str]) -> FHIRPrimitiveExtension | None:
    """The Norwegian of a text as the translation extension, for `_text` or `_display`."""
    other = text.get(TRANSLATED)
    if not other or other == text.get(LANGUAGE):
        return None
    return FHIRPrimitiveExtension(
        extension=[
            Extension(
                url=TRANSLATION,
                extension=[
                    Extension(url="lang", valueCode=TRANSLATED),
                    Extension(url="content", valueString=other),
                ],
            )
        ]
    )


def coding(system: str, code: str, text: Mapping[str, str]) -> Coding:
    return Coding(system=system, code=code, display=text[LANGUAGE], _display=translated(text))


def checklist_coding(base: FhirBase, dataset: Dataset, item_id: str) -> Coding:
    """A checklist item by its id; with its label when this data version still has it."""
    try:
        label = dataset.item(item_id).label
    except KeyError:
        return Coding(system=base.checklist, code=item_id)
    return coding(base.checklist, item_id, label)


def medicine_concept(dataset: Dataset, drug_id: str) -> CodeableConcept:
    """A medicine: SNOMED CT where the data has a verified code, and always its ATC code."""
    drug = dataset.drug(drug_id)
    codings = []
    if drug.snomed:
        codings.append(Coding(system=SNOMED_CT, code=drug.snomed, display=drug.name[LANGUAGE]))
    codings.append(Coding(system=ATC, code=drug.atc, display=drug.name[LANGUAGE]))
    return CodeableConcept(coding=codings, text=drug.name[LANGUAGE])
