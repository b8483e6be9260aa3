"""Reading age of a page as a person sees it, with a maintained readability library
(textstat), over the page's visible text rather than string by string.

How the visible text is read (docs/ipdas.md, "Plain language"):

- only what is on the screen or the paper: no script, style, head, form fields' values,
  hidden elements, text for screen readers alone (`.visually-hidden`, `aria-hidden`), or
  the language switch (language names are not sentences to read);
- every block (heading, paragraph, list item, label, button, table cell) and every line
  broken by `<br>` is one unit; a unit that does not end a sentence gets a full stop,
  so a list of short labels counts as short sentences, never as one long one;
- medicine names count as one short word each: a reader cannot be given a shorter name
  for olanzapine, and a five-syllable name would otherwise weigh like a long word
  chosen on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import textstat
from bs4 import BeautifulSoup, Comment, Tag
from bs4.element import NavigableString  # not in bs4's __all__

# Flesch-Kincaid grade 7 is the reading of a 12- to 13-year-old (US school grade 7);
# NHS and plain-language guidance aim for a reading age of 9 to 12 for health information.
MAX_GRADE = 7.0

BLOCKS = {
    "address", "article", "aside", "blockquote", "button", "caption", "dd", "details",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "label", "legend", "li", "main", "nav", "ol",
    "option", "p", "section", "select", "summary", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
}  # fmt: skip
NEVER_READ = {"head", "script", "style", "noscript", "template", "textarea", "input", "svg"}
ENDS_A_SENTENCE = re.compile(r"[.!?:;…]$")


def _skipped(tag: Tag) -> bool:
    if tag.name in NEVER_READ or tag.has_attr("hidden"):
        return True
    if tag.get("aria-hidden") == "true":
        return True
    classes: str | list[str] = tag.get("class") or []
    return "visually-hidden" in classes or "langs" in classes


def visible_units(page: str) -> list[str]:
    """The page's visible text, one string per block or `<br>`-separated line."""
    units: list[str] = []
    current: list[str] = []

    def flush() -> None:
        unit = " ".join(" ".join(current).split())
        current.clear()
        if unit:
            units.append(unit)

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                current.append(str(child))
            elif isinstance(child, Tag) and not _skipped(child):
                if child.name == "br":
                    flush()
                    continue
                block = child.name in BLOCKS
                if block:
                    flush()
                walk(child)
                if block:
                    flush()

    body = BeautifulSoup(page, "html.parser").body
    assert body is not None, "not an HTML page"
    walk(body)
    flush()
    return units


def as_prose(units: Iterable[str], names: Iterable[str] = ()) -> str:
    """The units as sentences, each medicine name as one short word."""
    pattern = "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))
    sentences = []
    for unit in units:
        if pattern:
            unit = re.sub(pattern, "Drug", unit, flags=re.IGNORECASE)
        sentences.append(unit if ENDS_A_SENTENCE.search(unit) else unit + ".")
    return " ".join(sentences)


def grade(prose: str) -> float:
    """Flesch-Kincaid grade level (textstat)."""
    textstat.set_lang("en_US")
    return float(textstat.flesch_kincaid_grade(prose))
