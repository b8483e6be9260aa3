"""The whole consultation in a real browser, in Norwegian: the tablet gives a code; the
clinician opens it, compares, reads a card, records the decision, and gets the sheet on
screen, in large print and as a PDF. axe checks every page and state. (The clinician's
ranking page and the sheet in English: test_tablet_past_and_carer.py; tests/browser/
conftest.py says how the languages are shared out.)"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import AxeCheck, LiveApp
from tests.builders import bundled_dataset
from tests.integration.staff import PASSWORD
from tests.lookup import search

DATA = bundled_dataset()
CHOSEN = ["weight-gain", "high-blood-sugar", "tremor", "less-sex-drive", "tiredness"]
TEXT = {
    "en": {
        "ranked": "Medicines ranked for this person",
        "saved": "The discussion is recorded.",
        "not_rx": "This is not a prescription.",
        "decided": "What we decided",
    },
    "nb": {
        "ranked": "Legemidler rangert for denne personen",
        "saved": "Samtalen er registrert.",
        "not_rx": "Dette er ikke en resept.",
        "decided": "Det vi bestemte",
    },
}


def tablet_code(page: Page, base: str, lang: str) -> str:
    """The person's part, briefly (the tablet's own tests go through every state)."""
    page.goto(f"{base}/tablet?lang={lang}")
    page.locator('button[name="go"][value="options"]').click()
    page.locator('input[name="options"][value="no-antipsychotic"]').check()
    page.locator('button[name="go"][value="choose"]').click()
    for item in CHOSEN:
        page.locator(f'input[name="chosen"][value="{item}"]').check()
    page.locator('button[value="order-from-choose"]').click()
    for go in ("helpful", "cannot-accept", "forms", "own-words", "past", "review"):
        page.locator(f'button[value="{go}"]').click()
    page.locator('button[value="send"]').click()
    code = page.locator(".code").first.inner_text()
    return re.sub(r"\s", "", code)


def log_in(page: Page, live: LiveApp, lang: str, username: str = "cora") -> None:
    page.goto(f"{live.base}/login?lang={lang}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.fill("#totp", live.staff.code(username))
    page.locator('form[action^="/login"] button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/staff(\?.*)?$"))  # the start page: logged in


@pytest.mark.parametrize("lang", ["nb"])
def test_tablet_to_code_to_clinician_to_decision_to_pdf(
    live: LiveApp, new_page: Callable[..., Page], axe_check: AxeCheck, lang: str
) -> None:
    tablet = new_page()
    code = tablet_code(tablet, live.base, lang)
    assert re.fullmatch(r"[34679ACDEFGHJKMNPQRTUVWXY]{6}", code), code

    page = new_page()
    log_in(page, live, lang)
    axe_check(page, f"the staff start page ({lang})")
    page.goto(f"{live.base}/staff/consultations?lang={lang}")
    assert page.locator("table.recent tbody tr").count() >= 1  # the one just sent
    axe_check(page, f"open by code, with the recent ones ({lang})")
    page.fill("#code", code.lower())
    page.locator('form[action="/staff/consultations"] button[type="submit"]').click()
    expect(page.locator("h1")).to_have_text(TEXT[lang]["ranked"])
    priorities = [t.strip() for t in page.locator("ol.priorities li strong").all_inner_texts()]
    assert sorted(priorities) == sorted(DATA.item(i).label[lang] for i in CHOSEN)
    rows = page.locator("table.ranking tbody tr")
    assert rows.count() == len(DATA.drugs)  # nothing is excluded for these wishes
    expect(page.locator(".version-line")).to_contain_text("1")
    # The option the person ticked on the tablet, with what is known and its sources
    assert DATA.options is not None
    free = DATA.options.option("no-antipsychotic")
    expect(page.locator("#option-no-antipsychotic h3")).to_have_text(free.label[lang])
    assert page.locator("#option-no-antipsychotic ul.known > li").count() == len(free.known)
    axe_check(page, f"the ranking page ({lang})")

    # Filter by form, then compare the first three
    page.locator("details.filter summary").click()  # the filter folds away until used
    page.locator('input[name="form"][value="long-acting-injection"]').check()
    page.locator('form:has(input[name="filter"]) button[type="submit"]').click()
    expect(page.locator("ul.excluded")).to_be_visible()
    assert rows.count() < len(DATA.drugs)
    axe_check(page, f"the ranking filtered by form ({lang})")
    ranking_url = page.url.split("?")[0]
    page.goto(f"{ranking_url}?lang={lang}")
    ranked = page.locator('input[name="drug"]')
    for index in range(3):
        ranked.nth(index).check()
    page.locator('form[action$="/compare"] button[type="submit"]').click()
    expect(page.locator("table.compare thead th")).to_have_count(4)
    axe_check(page, f"the comparison ({lang})")
    page.locator('a[href^="/staff/cards/"]').first.click()
    expect(page.locator("table.card-table tbody tr")).to_have_count(len(DATA.checklist))
    axe_check(page, f"a full card ({lang})")
    page.goto(f"{ranking_url}?lang={lang}")

    # Record the discussion
    page.locator('input[name="discussed"][value="aripiprazole"]').check()
    page.select_option("#decision", "aripiprazole")
    page.fill("#context_note", "Review at 6 weeks.")
    page.locator('form[action$="/decision"] button[type="submit"]').click()
    expect(page.locator(".notice")).to_have_text(TEXT[lang]["saved"])
    axe_check(page, f"the ranking after saving ({lang})")

    sheet_link = page.locator(f'.sheet-links li[lang="{lang}"] a').first
    sheet_link.click()
    expect(page.locator("h2#s-decision")).to_have_text(TEXT[lang]["decided"])
    expect(page.locator(".decision")).to_contain_text(DATA.drug("aripiprazole").name[lang])
    axe_check(page, f"the discussion sheet ({lang})")
    page.goto(page.url.split("?")[0] + f"?lang={lang}&large=1")
    axe_check(page, f"the large-print sheet ({lang})")

    consultation = search(r"/consultations/(\w+)/sheet", page.url).group(1)
    pdf = page.context.request.get(
        f"{live.base}/consultations/{consultation}/sheet.pdf?lang={lang}&large=0"
    )
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages).split()
    )
    for n, label in enumerate(priorities, start=1):
        assert f"{n}. {label}" in text
    assert DATA.drug("aripiprazole").name[lang] in text
    assert TEXT[lang]["not_rx"] in text
    version = page.context.request.get(f"{live.base}/api/v1/data-version").json()
    assert version["checksum"][:12] in text
