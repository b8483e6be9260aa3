"""Every piece of text people read is in the gettext catalogue, translated into Bokmål.

The messages are extracted here from the code and templates themselves (with the
method map of babel.cfg), so a new `_("...")` that nobody translated fails this test
even if `make translations` was not run.
"""

from __future__ import annotations

import fnmatch
import os
import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.translations import available_languages, gettext_for, po_path

ROOT = Path(__file__).resolve().parents[2]
# The same directories `make translations` leaves out (pybabel extract --ignore-dirs).
IGNORE_DIRS = (".*", "__pycache__")


def _keep_directory(path: str) -> bool:
    name = os.path.basename(path)
    return not any(fnmatch.fnmatch(name, pattern) for pattern in IGNORE_DIRS)


def extracted_messages() -> dict[str, set[str]]:
    """msgid -> the files it is used in, as `make translations` extracts them."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)  # type: ignore[no-untyped-call]  # babel: unannotated
    found: dict[str, set[str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, directory_filter=_keep_directory
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found.setdefault(msgid, set()).add(filename)
    return found


@pytest.fixture(scope="module")
def extracted() -> dict[str, set[str]]:
    return extracted_messages()


@pytest.fixture(scope="module")
def nb() -> Catalog:
    with po_path("nb").open("rb") as handle:
        return read_po(handle, locale="nb")


def placeholders(text: str) -> set[str]:
    """The `{names}` that str.format fills in (`{{` and `}}` are literal braces)."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def test_extraction_finds_the_text_of_code_and_templates(extracted: dict[str, set[str]]) -> None:
    """Guards the test itself: the method map reaches Python, templates and partials."""
    assert "Staff log in" in extracted  # templates/staff
    assert "Language" in extracted  # templates/_partials (an underscore directory)
    assert "not known" in extracted  # app/ranking/explain.py
    assert {"clinician", "pharmacist", "admin"} <= extracted.keys()  # N_(...) in app/web
    assert "Tablet that melts in the mouth" in extracted  # N_(...) at module level


def test_norwegian_is_offered() -> None:
    assert "nb" in available_languages()


def test_every_message_has_a_norwegian_translation(
    extracted: dict[str, set[str]], nb: Catalog
) -> None:
    untranslated = [
        f"{msgid!r} (in {', '.join(sorted(files))})"
        for msgid, files in sorted(extracted.items())
        if msgid not in nb or not nb[msgid].string or nb[msgid].fuzzy
    ]
    assert not untranslated, (
        "Not translated into Norwegian Bokmål; run `make translations` and fill in "
        "app/translations/nb/LC_MESSAGES/messages.po:\n  " + "\n  ".join(untranslated)
    )


def test_translations_keep_the_placeholders(nb: Catalog) -> None:
    wrong = [
        f"{m.id!r} -> {m.string!r}"
        for m in nb
        if m.id and m.string and placeholders(str(m.id)) != placeholders(str(m.string))
    ]
    assert not wrong, "placeholders differ:\n  " + "\n  ".join(wrong)


def test_the_catalogue_has_no_fuzzy_obsolete_or_stale_entries(
    extracted: dict[str, set[str]], nb: Catalog
) -> None:
    assert not nb.obsolete, f"obsolete entries: {sorted(nb.obsolete)}"
    assert not [m.id for m in nb if m.id and m.fuzzy], "fuzzy entries"
    stale = sorted(str(m.id) for m in nb if m.id and m.id not in extracted)
    assert not stale, f"no longer used anywhere; run `make translations`: {stale}"


def test_gettext_translates_and_falls_back_to_english() -> None:
    assert gettext_for("nb")("Staff log in") == "Innlogging for ansatte"
    assert gettext_for("en")("Staff log in") == "Staff log in"
    assert gettext_for("nb")("A message nobody wrote") == "A message nobody wrote"


def test_explanations_are_translated() -> None:
    from app.ranking.explain import rating_text

    assert rating_text(None, "en") == "not known"
    assert rating_text(0, "en") == "not expected"
    assert rating_text(None, "nb") == "ukjent"
    assert rating_text(0, "nb") == "ikke forventet"
    # In words, never the symbol: a screen reader must not say "plus plus".
    assert rating_text(1, "en") == "uncommon or mild"
    assert rating_text(2, "en") == "commoner or moderately severe"
    assert rating_text(3, "en") == "common or more severe"
    assert rating_text(2, "nb") == "vanligere eller moderat alvorlig"
    assert not any("+" in rating_text(v, lang) for v in (None, 0, 1, 2, 3) for lang in ("en", "nb"))


def test_python_text_is_marked_where_babel_finds_it() -> None:
    """Babel extracts `_("...")`, not `gettext_for(lang)("...")`: such text would never
    reach the catalogue. Write `_ = gettext_for(lang)` and then `_("...")`."""
    hidden = re.compile(r"gettext_for\((?:[^()]|\([^()]*\))*\)\(\s*[rbuf]*[\"']")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "app").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if hidden.search(line)
    ]
    assert not found, "not extracted: " + ", ".join(found)
