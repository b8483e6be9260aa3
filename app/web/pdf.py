"""HTML to PDF with WeasyPrint, reading nothing but this app's own static files.

The sheet's HTML holds text people typed, so the PDF renderer must never fetch a URL
from it: the fetcher serves `/static/...` from the package and refuses everything else
(no network, no local files), which also keeps rendering fast and repeatable.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

STATIC = Path(__file__).resolve().parent.parent / "static"
TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}


class StaticOnly(URLFetcher):  # type: ignore[misc]
    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        path = urlsplit(url).path
        if path.startswith("/static/"):
            target = (STATIC / path.removeprefix("/static/")).resolve()
            if target.is_relative_to(STATIC) and target.is_file() and target.suffix in TYPES:
                return URLFetcherResponse(
                    url, target.read_bytes(), {"Content-Type": TYPES[target.suffix]}
                )
        raise FatalURLFetchingError(f"the PDF may only use the app's static files: {url}")


def render(html: str, *, base_url: str) -> bytes:
    document: bytes = HTML(string=html, base_url=base_url, url_fetcher=StaticOnly()).write_pdf()
    return document
