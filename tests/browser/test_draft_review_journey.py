"""Two pharmacists at the workbench in a real browser: phil finds a rating with the
search box, changes its note and submits; pia (working in Norwegian) sends the draft
back with a comment; phil reads it, changes the rating again and resubmits; pia
approves and publishes. axe checks every page and state on the way."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import AxeCheck, LiveApp
from tests.browser.test_clinician_journey import log_in
from tests.builders import bundled_dataset

DATA = bundled_dataset()
DRUG, ITEM = "olanzapine", "weight-gain"
FIRST_NOTE = "Test note from the browser test, first try; not clinical advice."
SECOND_NOTE = "Test note from the browser test, second try; not clinical advice."
COMMENT = "Please say in the note which table the value follows (test comment)."


def edit_note(page: Page, note: str, axe_check: Callable[[Page, str], None], when: str) -> None:
    """On the rating form: keep the value and sources, write the note, save."""
    expect(page.locator("h1")).to_have_text(
        f"{DATA.drug(DRUG).name['en']}: {DATA.item(ITEM).label['en']}"
    )
    expect(page.locator("section.published")).to_contain_text("+++")
    axe_check(page, f"the rating form ({when})")
    page.fill("#note", note)
    page.get_by_role("button", name="Save rating").click()
    expect(page.locator("p.notice")).to_have_text("Your change is saved in the draft.")
    note_row = page.locator("table.diff tr", has_text=note)
    expect(note_row).to_have_count(1)
    axe_check(page, f"the draft after saving ({when})")


def test_edit_submit_return_edit_submit_approve(
    live: LiveApp, new_page: Callable[..., Page], axe_check: AxeCheck
) -> None:
    phil = new_page()
    log_in(phil, live, "en", "phil")
    phil.goto(f"{live.base}/staff/drafts")
    axe_check(phil, "the drafts")
    phil.fill("#note", "Browser test draft")
    phil.get_by_role("button", name="Open a new draft").click()
    expect(phil).to_have_url(re.compile(r"/staff/drafts/[0-9a-f]+$"))
    draft_url = phil.url
    axe_check(phil, "a new draft")

    # Find the cell: the search box, then the grid.
    phil.fill("#q", "olanzapine weight gain")
    phil.get_by_role("button", name="Find", exact=True).click()
    expect(phil.locator("table.grid thead th")).to_have_count(2)
    axe_check(phil, "the grid, narrowed by the search")
    phil.locator(f'table.grid a[href$="/drugs/{DRUG}/ratings/{ITEM}"]').click()
    edit_note(phil, FIRST_NOTE, axe_check, "first edit")

    phil.fill("#submit-comment", "Only the note changed (test).")
    phil.get_by_role("button", name="Submit for review").click()
    expect(phil.locator("p.notice")).to_contain_text("submitted for review")
    expect(phil.get_by_role("button", name="Approve and publish")).to_have_count(0)
    expect(phil.get_by_role("button", name="Send back with comments")).to_have_count(0)
    axe_check(phil, "the submitted draft, as its author sees it")

    pia = new_page()
    log_in(pia, live, "nb", "pia")
    pia.goto(draft_url)
    expect(pia.locator("ol.conversation")).to_contain_text("Only the note changed (test).")
    expect(pia.locator("table.diff").first).to_contain_text(FIRST_NOTE)
    axe_check(pia, "the submitted draft, as a reviewer sees it (nb)")
    pia.fill("#return-comment", COMMENT)
    pia.get_by_role("button", name="Send tilbake med kommentarer").click()
    expect(pia.locator("p.notice")).to_contain_text("sendt tilbake")
    axe_check(pia, "the draft just sent back (nb)")

    phil.goto(draft_url)
    expect(phil.locator("div.returned")).to_contain_text("Sent back by pia")
    expect(phil.locator("div.returned")).to_contain_text(COMMENT)
    axe_check(phil, "the draft sent back, as its author sees it")
    phil.select_option("#drug", DRUG)
    phil.select_option("#item", ITEM)
    phil.get_by_role("button", name="Edit this rating").click()
    expect(phil.locator("#note")).to_have_value(FIRST_NOTE)
    edit_note(phil, SECOND_NOTE, axe_check, "after it was sent back")
    phil.get_by_role("button", name="Submit for review").click()
    expect(phil.locator("p.notice")).to_contain_text("submitted for review")

    pia.goto(draft_url)
    expect(pia.locator("ol.conversation li")).to_have_count(3)
    expect(pia.locator("table.diff").first).to_contain_text(SECOND_NOTE)
    pia.get_by_role("button", name="Godkjenn og publiser").click()
    expect(pia.locator("p.notice")).to_contain_text("publisert som dataversjon")
    expect(pia.get_by_role("button", name="Godkjenn og publiser")).to_have_count(0)
    axe_check(pia, "the approved draft (nb)")
