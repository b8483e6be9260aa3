"""HTML to PDF with WeasyPrint, reading nothing but this app's own static files.

The sheet's HTML holds text people typed, so the PDF renderer must never fetch a URL
from it: the fetcher serves `/static/...` from the package and refuses everything else
(no network, no local files), which also keeps rendering fast and repeatable.

WeasyPrint needs the Pango system library. It is imported on first use, so a server
without it still serves every page and says clearly why a PDF cannot be made.
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app.errors import DomainError

STATIC = Path(__file__).resolve().parent.parent / "static"
TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}
#: What the sheet's path-only URLs are resolved against: never the request's Host
#: header (anyone can set it), and never fetched (the fetcher reads only the path).
BASE_URL = "http://choosewell.invalid/"


class PdfUnavailable(DomainError):
    status_code = 503
    code = "pdf_unavailable"

    def __init__(self, reason: str) -> None:
        super().__init__(
            "PDFs cannot be made on this server just now; the sheet can still be printed "
            f"from the browser. ({reason})"
        )


@cache
def _weasyprint() -> Any:
    try:
        import weasyprint
        from weasyprint import urls
    except (ImportError, OSError) as exc:  # OSError: the Pango library is missing
        raise PdfUnavailable(f"WeasyPrint could not load: {exc}") from exc

    class StaticOnly(urls.URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: object = None) -> Any:
            path = urlsplit(url).path
            if path.startswith("/static/"):
                target = (STATIC / path.removeprefix("/static/")).resolve()
                if target.is_relative_to(STATIC) and target.is_file() and target.suffix in TYPES:
                    return urls.URLFetcherResponse(
                        url, target.read_bytes(), {"Content-Type": TYPES[target.suffix]}
                    )
            raise urls.FatalURLFetchingError(f"the PDF may only use the app's static files: {url}")

    return weasyprint, StaticOnly


_fonts = threading.local()


@cache
def _sheet_stylesheet() -> Any:
    """sheet.css, which every sheet's PDF is laid out with, parsed once (not fetched and
    parsed per PDF): the sheets' templates link it for the browser only."""
    weasyprint, _fetcher = _weasyprint()
    return weasyprint.CSS(filename=str(STATIC / "sheet.css"))


def _font_config() -> Any:
    """One font configuration per worker thread, kept: making one per PDF cost about 5 %
    of a sheet's layout, and Pango's font maps are not to be shared between threads."""
    config = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _fonts.config = FontConfiguration()
    return config


def render(html: str, *, base_url: str) -> bytes:
    """`html` as a PDF, laid out with sheet.css (the HTML must not link it again)."""
    weasyprint, fetcher = _weasyprint()
    try:
        document: bytes = weasyprint.HTML(
            string=html, base_url=base_url, url_fetcher=fetcher()
        ).write_pdf(stylesheets=[_sheet_stylesheet()], font_config=_font_config())
    except weasyprint.urls.FatalURLFetchingError as exc:  # a BaseException: keep it contained
        raise RuntimeError(str(exc)) from None
    return document
