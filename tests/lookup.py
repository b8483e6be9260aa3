"""Lookups in pages and text that fail the test, saying what was missing, where the
library would return None: a regular expression's match, an element, an attribute."""

from __future__ import annotations

import re

from bs4 import Tag


def search(pattern: str | re.Pattern[str], text: str, flags: int = 0) -> re.Match[str]:
    """`re.search`, asserting that the pattern is found."""
    found = re.search(pattern, text, flags)
    assert found is not None, f"{pattern!r} not found in:\n{text[:2000]}"
    return found


def one(root: Tag, selector: str) -> Tag:
    """The first element matching a CSS selector, asserting that there is one."""
    found = root.select_one(selector)
    assert found is not None, f"nothing matches {selector!r}"
    return found


def attribute(element: Tag, name: str) -> str:
    """A single-valued attribute (href, value, ...), asserting that it is there."""
    value = element.get(name)
    assert isinstance(value, str), f"<{element.name}> has no single {name!r}: {value!r}"
    return value
