"""Which language to answer in, negotiated in one place for the API and the pages.

- The API: `?lang=` (en, nb; also no, nb-NO), then Accept-Language, then English
  (`LanguageDep`).
- Pages: `?lang=`, then the language cookie staff pages remember, then Accept-Language,
  then English; only languages with a complete catalogue are offered (`PageLanguage`,
  which also carries the page's gettext as `_`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request

from app.i18n import negotiate
from app.translations import available_languages, gettext_for

LANG_COOKIE = "sdm_lang"


async def get_language(
    request: Request,
    lang: Annotated[
        str | None, Query(max_length=16, description="en, nb (or no, nb-NO); else Accept-Language")
    ] = None,
) -> str:
    return negotiate(lang, request.headers.get("accept-language"))


LanguageDep = Annotated[str, Depends(get_language)]


def page_language(request: Request) -> str:
    """The language a page answers in; only languages with a catalogue are offered."""
    chosen = negotiate(
        request.query_params.get("lang") or request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )
    return chosen if chosen in available_languages() else "en"


@dataclass(frozen=True)
class PageLanguage:
    code: str
    #: gettext for `code`: `_ = lang._` in a route reads like the templates.
    _: Callable[[str], str]


def get_page_language(request: Request) -> PageLanguage:
    code = page_language(request)
    return PageLanguage(code, gettext_for(code))


async def page_language_dependency(request: Request) -> PageLanguage:
    """`get_page_language` as a dependency. Async because it does no I/O: FastAPI runs a
    plain `def` dependency in a worker thread, a hop that costs more than the work."""
    return get_page_language(request)


PageLanguageDep = Annotated[PageLanguage, Depends(page_language_dependency)]
