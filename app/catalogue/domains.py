"""Which checklist items rest on one mechanism (a *domain*), per drugdata/README.md §5.

Items of one domain take one grade per drug unless a source gives the item itself;
the validator checks that, and the ranking says when several of a person's
priorities rest on one domain. Plain data, no imports beyond the standard library.
"""

from __future__ import annotations

from collections.abc import Mapping

#: Domains that feed more than one checklist item. Items not listed have a domain of
#: their own.
SHARED_DOMAINS: Mapping[str, tuple[str, ...]] = {
    "sedation": ("daytime-sleepiness", "sleeping-late", "sleepy-at-night", "tiredness"),
    "akathisia": ("tension", "restlessness", "restless-body-parts"),
    "parkinsonism": ("slowed-movements", "stiff-muscles", "tremor"),
    "prolactin-menstrual": ("periods-stopping", "periods-irregular"),
    "sexual-dysfunction": ("less-sex-drive", "erection-difficulty", "orgasm-difficulty"),
}

_DOMAIN_OF: dict[str, str] = {
    item: domain for domain, items in SHARED_DOMAINS.items() for item in items
}


def domain_of(item: str) -> str | None:
    """The shared domain an item rests on, or None when the item has a domain of its own."""
    return _DOMAIN_OF.get(item)


def shared_groups(items: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The domains that two or more of `items` rest on, with those items in their order."""
    groups: dict[str, list[str]] = {}
    for item in items:
        if (domain := domain_of(item)) is not None:
            groups.setdefault(domain, []).append(item)
    return tuple((d, tuple(members)) for d, members in groups.items() if len(members) > 1)
