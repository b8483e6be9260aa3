"""Shapes of what a request names, declared once for the API and the pages: ids of
stored things and slugs of drugs, items and sources, each bounded."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import StringConstraints

#: A stored record's id in a path (consultations, drafts).
Id = Annotated[str, Path(max_length=32)]
#: A drug, item or source slug in a path.
SlugPath = Annotated[str, Path(max_length=64)]
#: A drug, item or source slug in a request body.
Slug = Annotated[str, StringConstraints(max_length=64)]
