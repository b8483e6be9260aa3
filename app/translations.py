"""Gettext catalogues (Babel) for every piece of text people read.

The catalogue is `app/translations/<lang>/LC_MESSAGES/messages.po`, compiled in memory
at first use. English is the source language. `make translations` re-extracts the
strings from the code and templates and updates the catalogue.
"""

from __future__ import annotations

import gettext as stdlib_gettext
from collections.abc import Callable
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

CATALOGUES = Path(__file__).resolve().parent / "translations"


def po_path(lang: str) -> Path:
    return CATALOGUES / lang / "LC_MESSAGES" / "messages.po"


@lru_cache
def translations(lang: str) -> stdlib_gettext.NullTranslations:
    path = po_path(lang)
    if lang == "en" or not path.is_file():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


@lru_cache
def available_languages() -> tuple[str, ...]:
    """English, plus every language that has a catalogue. Read once, like the
    catalogues themselves (`translations`): a new language needs a restart anyway."""
    return ("en", *sorted(p.parent.parent.name for p in CATALOGUES.glob("*/LC_MESSAGES/*.po")))


def gettext_for(lang: str) -> Callable[[str], str]:
    """`_` for templates and code: translate a message into `lang`."""
    return translations(lang).gettext


def N_(message: str) -> str:
    """Mark a message for extraction without translating it (gettext_noop): for text
    defined at import time and translated later, where the language is known."""
    return message
