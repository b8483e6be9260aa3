"""/about in English and Norwegian: who made Choosewell, funding and conflicts of interest
from the deployment's settings (said plainly when not filled in), the evidence of the
published data version, its number and date, the update policy and the limitations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from babel.dates import format_date
from fastapi.testclient import TestClient

from tests.builders import bundled_dataset
from tests.conftest import Databases
from tests.integration.conftest import client_for, publish
from tests.integration.pages import soup, text
from tests.lookup import one

# Runs on SQLite only (marker `backend_neutral`): renders the published data's
# facts; the reads behind them run on PostgreSQL in test_current_version and
# test_api_catalogue.
pytestmark = pytest.mark.backend_neutral

DATA = bundled_dataset()
AUTHORS = "Ward 7 pharmacy team & <the> psychosis service"
FUNDING = "Funded by the hospital trust's own budget."
CONFLICTS = "None declared."
NOT_GIVEN = {
    "en": "Not filled in: the service that runs Choosewell has not given this.",
    "nb": "Ikke fylt ut: tjenesten som driver Choosewell, har ikke oppgitt dette.",
}


@pytest.fixture(scope="module")
def bundled_url(databases: Databases) -> str:
    from tests.conftest import migrate

    url = databases.empty()
    migrate(url)
    publish(url, DATA)
    return url


@pytest.fixture
def filled_in(bundled_url: str) -> Iterator[TestClient]:
    with client_for(
        bundled_url, about_authors=AUTHORS, about_funding=FUNDING, about_conflicts=CONFLICTS
    ) as client:
        yield client


@pytest.fixture
def not_filled_in(bundled_url: str) -> Iterator[TestClient]:
    with client_for(bundled_url, about_authors="  ") as client:
        yield client


def field(page: str, element_id: str) -> str:
    return text(soup(page).find(id=element_id))


@pytest.mark.parametrize(
    ("query", "lang", "heading", "date_locale"),
    [("", "en", "About Choosewell", "en_GB"), ("?lang=nb", "nb", "Om Choosewell", "nb_NO")],
)
def test_about_names_authors_funding_evidence_update_policy_and_data_date(
    filled_in: TestClient, query: str, lang: str, heading: str, date_locale: str
) -> None:
    page = filled_in.get("/about" + query)
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text
    assert text(soup(page.text).find("h1")) == heading
    # The deployment's own words, escaped, in either language.
    assert field(page.text, "authors") == AUTHORS
    assert "&lt;the&gt;" in page.text and "<the>" not in page.text
    assert field(page.text, "funding") == FUNDING
    assert field(page.text, "conflicts") == CONFLICTS
    assert NOT_GIVEN[lang] not in page.text
    # The data version's number and its date, in the reader's language.
    version = filled_in.get("/api/v1/data-version").json()
    day = format_date(date.fromisoformat(str(version["created_at"])[:10]), "long", date_locale)
    shown = field(page.text, "data-version")
    assert str(version["number"]) in shown and day in shown
    # Every comparative source of the published version, then every source.
    comparative = sorted(
        (s for s in DATA.sources.values() if s.kind == "comparative"), key=lambda s: s.key
    )
    listed = [text(li) for li in one(soup(page.text), "#comparative").find_all("li")]
    expected = [" ".join(s.citation.split()) for s in comparative]
    assert listed == sorted(set(expected), key=expected.index)  # each citation once
    assert len(listed) >= 3  # S3, Huhn 2019, Pillinger 2020 and the drugs' own tables
    links = {a["href"] for a in one(soup(page.text), "#all-sources").find_all("a")}
    assert links == {s.url for s in DATA.sources.values()}
    # The update policy: review dates of this version and two-pharmacist approval.
    first = min(d.review_by for d in DATA.drugs)
    last = max(d.review_by for d in DATA.drugs)
    dates = field(page.text, "review-dates")
    assert format_date(first, "long", date_locale) in dates
    assert format_date(last, "long", date_locale) in dates
    approval = field(page.text, "approval")
    assert ("second pharmacist" if lang == "en" else "annen farmasøyt") in approval
    # How far co-design has gone, said as it is.
    assert "10.1186/s13033-017-0149-z" in page.text
    assert ("not yet" if lang == "en" else "ennå ikke") in field(page.text, "co-design")
    # Limitations, including the review of the Norwegian text before clinical use.
    limits = field(page.text, "limitations")
    assert ("first language is Norwegian" if lang == "en" else "norsk som morsmål") in limits


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_about_says_plainly_what_the_deployment_has_not_filled_in(
    not_filled_in: TestClient, lang: str
) -> None:
    page = not_filled_in.get(f"/about?lang={lang}")
    assert page.status_code == 200
    for element_id in ("authors", "funding", "conflicts"):
        assert field(page.text, element_id) == NOT_GIVEN[lang]


def test_about_counts_the_unknown_ratings_of_the_published_version(
    filled_in: TestClient,
) -> None:
    cells = [r for d in DATA.drugs for r in d.ratings.values()]
    unknown = sum(1 for r in cells if r.value is None)
    page = filled_in.get("/about?lang=en").text
    assert f"{unknown} of {len(cells)} ratings for {len(DATA.drugs)} medicines" in page


def test_about_needs_no_login_and_sets_no_cookie(filled_in: TestClient) -> None:
    page = filled_in.get("/about", headers={"Accept-Language": "nb-NO"})
    assert page.status_code == 200
    assert '<html lang="nb">' in page.text
    assert "set-cookie" not in page.headers


@pytest.mark.parametrize("path", ["/login", "/tablet", "/login?lang=nb", "/tablet?lang=nb"])
def test_public_pages_link_to_about_in_their_language(filled_in: TestClient, path: str) -> None:
    page = filled_in.get(path)
    lang = "nb" if "nb" in path else "en"
    hrefs = [a["href"] for a in soup(page.text).select(".about-link a")]
    assert hrefs == [f"/about?lang={lang}"]


def test_the_tablet_offers_about_only_before_any_answer(filled_in: TestClient) -> None:
    """The tablet keeps the answers in the page itself: a link away mid-way would lose them."""
    step = filled_in.post(
        "/tablet",
        content="lang=en&go=choose",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert step.status_code == 200
    assert soup(step.text).find(class_="checklist") is not None
    assert soup(step.text).select(".about-link a") == []


def test_without_a_published_data_version_about_answers_503(
    fresh_db: Callable[[], str],
) -> None:
    with client_for(fresh_db()) as client:
        assert client.get("/about").status_code == 503
