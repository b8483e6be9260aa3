"""The PDF renderer reads only the app's own static files: never the network or disk."""

from __future__ import annotations

import pytest

from app.web import pdf


def test_a_sheet_with_the_apps_stylesheet_renders() -> None:
    document = pdf.render(
        '<link rel="stylesheet" href="/static/sheet.css"><p>Hello</p>',
        base_url="http://sheet.invalid/",
    )
    assert document.startswith(b"%PDF-")


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/tracker.png",
        "file:///etc/passwd",
        "/static/../config.py",
        "/static/%2e%2e/config.py",
        "/templates/base.html",
    ],
)
def test_anything_else_stops_the_render(url: str) -> None:
    with pytest.raises(RuntimeError, match="only use the app's static files"):
        pdf.render(f'<img src="{url}"><p>x</p>', base_url="http://sheet.invalid/")


def test_without_weasyprint_the_pdf_is_a_clear_503_not_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    pdf._weasyprint.cache_clear()
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if Pango were missing
    try:
        with pytest.raises(pdf.PdfUnavailable) as raised:
            pdf.render("<p>x</p>", base_url="http://sheet.invalid/")
        assert raised.value.status_code == 503
        assert "printed from the browser" in raised.value.message
    finally:
        pdf._weasyprint.cache_clear()
