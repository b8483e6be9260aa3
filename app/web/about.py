"""About Choosewell: who made it and how, funding and conflicts of interest, where the
evidence comes from, how the data is kept up to date, and the limitations.

What a decision-aid standard asks a tool to disclose (IPDAS v4; docs/ipdas.md): the
authors, funding and conflicts come from the deployment's settings (`SDM_ABOUT_*`) and
the page says plainly when they are not filled in; the evidence, the data version and
its date come from the published data version itself. Public, no login, no cookies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.catalogue.model import Dataset, Source
from app.http.language import PageLanguageDep
from app.http.published import PublishedDep
from app.http.state import SettingsDep
from app.web.render import render

router = APIRouter(include_in_schema=False)
BABEL_LOCALES = {"en": "en_GB", "nb": "nb_NO"}

#: The published study of the paper tool Choosewell is built on (views of service users,
#: carers and professionals on its use). Choosewell's own co-design has not happened yet.
PAPER_TOOL_STUDY = (
    "Brooks H, Harris K, Bee P, Lovell K, Rogers A, Drake R. Exploring the potential "
    "implementation of a tool to enhance shared decision making (SDM) in mental health "
    "services in the United Kingdom: a qualitative exploration of the views of service "
    "users, carers and professionals. Int J Ment Health Syst 2017;11.",
    "https://doi.org/10.1186/s13033-017-0149-z",
)


@dataclass(frozen=True)
class Evidence:
    """What one data version rests on."""

    comparative: tuple[Source, ...]
    other: tuple[Source, ...]
    drugs: int
    ratings: int
    unknown: int
    review_first: date
    review_last: date

    @property
    def sources(self) -> tuple[Source, ...]:
        return self.comparative + self.other


def evidence(dataset: Dataset) -> Evidence:
    """The sources (each citation once, however many keys cite it), the ratings and the
    review dates of one data version."""
    ordered = list(
        {
            (s.citation, s.url): s for s in sorted(dataset.sources.values(), key=lambda s: s.key)
        }.values()
    )
    cells = [rating for drug in dataset.drugs for rating in drug.ratings.values()]
    reviews = [drug.review_by for drug in dataset.drugs]
    return Evidence(
        comparative=tuple(s for s in ordered if s.kind == "comparative"),
        other=tuple(s for s in ordered if s.kind != "comparative"),
        drugs=len(dataset.drugs),
        ratings=len(cells),
        unknown=sum(1 for rating in cells if not rating.known),
        review_first=min(reviews),
        review_last=max(reviews),
    )


@router.get("/about")
def about(
    request: Request, page: PageLanguageDep, published: PublishedDep, settings: SettingsDep
) -> Response:
    _ = page._
    locale = BABEL_LOCALES.get(page.code, "en_GB")
    found = evidence(published.dataset)
    return render(
        request,
        "about.html",
        {
            "lang": page.code,
            "page_title": _("About Choosewell"),
            "data_version": published.version,
            "authors": settings.about_authors.strip(),
            "funding": settings.about_funding.strip(),
            "conflicts": settings.about_conflicts.strip(),
            "study": PAPER_TOOL_STUDY,
            "evidence": found,
            "published": format_date(published.version.created_at, "long", locale),
            "review_first": format_date(found.review_first, "long", locale),
            "review_last": format_date(found.review_last, "long", locale),
        },
    )
