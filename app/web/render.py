"""Rendering pages: one Jinja2 environment, one place that builds the shared context."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.config import ROOT

templates = Jinja2Templates(directory=str(ROOT / "templates"))


def render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    base: dict[str, Any] = {
        "lang": "en",
        "principal": None,
        "errors": [],
        "notice": None,
        "data_version": None,
        "page_title": "Choosewell",
    }
    return templates.TemplateResponse(
        request, template, {**base, **context}, status_code=status_code
    )
