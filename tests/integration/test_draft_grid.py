"""Finding a cell fast: the search box (a medicine or side effect, in either language,
filtered on the server, so it works without JavaScript) and the side effect × medicine
grid of a draft, changed cells marked in words."""

from __future__ import annotations

from tests.builders import bundled_dataset
from tests.integration.pages import soup, text
from tests.integration.staff import StaffApp, web_login
from tests.lookup import one

DATA = bundled_dataset()


def grid(page: str) -> tuple[list[str], dict[str, list[str]]]:
    """(column headings, {row heading: cell texts}) of the grid on a page."""
    table = soup(page).find("table", class_="grid")
    if table is None:
        return [], {}
    columns = [text(th) for th in one(table, "thead").find_all("th")][1:]
    rows = {
        text(tr.find("th")): [text(td) for td in tr.find_all("td")]
        for tr in one(table, "tbody").find_all("tr")
    }
    return columns, rows


def test_search_in_either_language_and_changed_cells_marked_in_words(staff_app: StaffApp) -> None:
    client, staff = staff_app
    phil = staff.headers(client, "phil")
    draft = client.post("/api/v1/drafts", headers=phil, json={}).json()["id"]
    url = f"/api/v1/drafts/{draft}/drugs/olanzapine/ratings/weight-loss"
    read = client.get(url, headers=phil)
    body = {k: read.json()[k] for k in ("value", "sources", "source_values")}
    saved = client.put(
        url, headers={**phil, "If-Match": read.headers["etag"]}, json={**body, "note": "Test."}
    )
    assert saved.status_code == 200
    web_login(client, staff, "pia")
    base = f"/staff/drafts/{draft}/grid"

    columns, rows = grid(client.get(base).text)
    assert columns == [d.name["en"] for d in DATA.drugs]
    assert list(rows) == [i.label["en"] for i in DATA.checklist]
    olanzapine = columns.index("Olanzapine")
    marked = [
        (label, name)
        for label, cells in rows.items()
        for name, cell in zip(columns, cells, strict=True)
        if "changed" in cell
    ]
    assert marked == [("Weight loss", "Olanzapine")]
    symbol = "?" if body["value"] is None else ("0" if body["value"] == 0 else "+" * body["value"])
    assert rows["Weight loss"][olanzapine] == f"{symbol} changed"

    # A medicine by its Norwegian name and a side effect by its Norwegian label, in one go;
    # the page is in English, so the grid shows the English names.
    columns, rows = grid(client.get(base, params={"q": "Olanzapin vekt"}).text)
    assert columns == ["Olanzapine"]
    assert list(rows) == ["Weight gain", "Weight loss"]
    # In Norwegian, the same search by the English words.
    columns, rows = grid(client.get(base, params={"q": "weight", "lang": "nb"}).text)
    assert list(rows) == ["Vektøkning", "Vekttap"]
    assert len(columns) == len(DATA.drugs)
    # Only the changed cells' rows and columns.
    columns, rows = grid(client.get(base, params={"changed": "true", "lang": "en"}).text)
    assert (columns, list(rows)) == (["Olanzapine"], ["Weight loss"])
    # A word nothing matches is said, not silently dropped.
    page = client.get(base, params={"q": "olanzapine zzzz"}).text
    assert "zzzz" in text(soup(page).find(class_="notice"))
    assert grid(page)[0] == ["Olanzapine"]
    # The draft's page has the search box, a plain form that goes to the grid.
    form = one(soup(client.get(f"/staff/drafts/{draft}").text), 'form[role="search"]')
    assert form["method"] == "get" and form["action"] == base
    assert form.find("input", attrs={"name": "q"}) is not None


def test_the_grid_cells_link_to_the_rating_form_while_the_draft_is_open(
    staff_app: StaffApp,
) -> None:
    client, staff = staff_app
    csrf = web_login(client, staff, "phil")
    draft_url = client.post(
        "/staff/drafts", data={"csrf_token": csrf}, follow_redirects=False
    ).headers["location"]
    page = soup(client.get(f"{draft_url}/grid", params={"q": "clozapine drooling"}).text)
    (link,) = one(one(page, "table.grid"), "tbody").find_all("a")
    assert link["href"] == f"{draft_url}/drugs/clozapine/ratings/drooling"
    assert client.get(link["href"]).status_code == 200
