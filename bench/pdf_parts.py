"""What each part of the discussion sheet costs the PDF: `.venv/bin/python -m bench.pdf_parts`.

It sets up as `make bench` does (bench/run.py): a temporary database with the bundled
drug data and a clinician, the app in one uvicorn process, one consultation sent as the
tablet sends it, and the discussion recorded with the two best matches. It fetches that
sheet's HTML in each language, drops what only a screen shows (the stylesheet link, the
skip link and the header, which print hides), and lays it out in this process with
`app.web.pdf.render`, the function behind `/sheet.pdf`:

- whole, and with each part left out in turn;
- the variants interleaved, LAYOUTS (20) times each after two warm-up rounds, so a busy
  moment of the machine falls on all of them alike.

A part's cost is the whole sheet's median less the median without that part; the parts
together cost more than the whole, because WeasyPrint's work is not additive (a part
left out moves the page break). Nothing is written; it prints a table. A layout change
to the sheet can be judged with it before it is made (docs/performance.md).
"""

import os
import statistics
import time

import httpx2
from bs4 import BeautifulSoup

from app.web import pdf
from bench.run import discussed_consultation, serving

LAYOUTS = int(os.environ.get("BENCH_PDF_LAYOUTS", "20"))

#: The parts of templates/sheet/sheet.html, by a CSS selector for each.
PARTS = {
    "what matters to you": 'section[aria-labelledby="s-wishes"]',
    "the comparison table": "table.compare",
    "the ratings' key": "div.key",
    "the medicines talked about": 'section[aria-labelledby="s-cards"]',
    "for every medicine": 'section[aria-labelledby="s-every"]',
    "the decision and the questions": "div.two-columns",
}


def for_print(html: str) -> BeautifulSoup:
    page = BeautifulSoup(html, "html.parser")
    for hidden in page.select('link[rel="stylesheet"], a.skip, header.screen-only'):
        hidden.decompose()
    return page


def without(page: BeautifulSoup, selector: str) -> str:
    copy = BeautifulSoup(str(page), "html.parser")
    found = copy.select_one(selector)
    assert found is not None, f"the sheet has no {selector}"
    found.decompose()
    return str(copy)


def sheets() -> dict[str, str]:
    """The bench's consultation's sheet, in English and Norwegian, as HTML."""
    with serving("sdm-bench-pdf-") as app:
        consultation, cookie = discussed_consultation(app.base)
        with httpx2.Client(base_url=app.base, headers={"Cookie": cookie}) as client:
            return {
                lang: client.get(f"/consultations/{consultation}/sheet?lang={lang}").text
                for lang in ("en", "nb")
            }


def timed(html: str) -> float:
    start = time.perf_counter()
    pdf.render(html, base_url=pdf.BASE_URL)
    return (time.perf_counter() - start) * 1000


def main() -> int:
    for lang, html in sheets().items():
        page = for_print(html)
        variants = {"the whole sheet": str(page)}
        variants.update({f"without {name}": without(page, css) for name, css in PARTS.items()})
        times: dict[str, list[float]] = {name: [] for name in variants}
        for round_ in range(LAYOUTS + 2):
            for name, variant in variants.items():
                ms = timed(variant)
                if round_ >= 2:
                    times[name].append(ms)
        whole = statistics.median(times["the whole sheet"])
        print(f"\nsheet ({lang}), {LAYOUTS} layouts each: median ms, and what the part costs")
        for name, values in times.items():
            median = statistics.median(values)
            cost = "" if name == "the whole sheet" else f"{whole - median:7.1f}"
            print(f"  {name:<45} {median:7.1f} {cost}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
