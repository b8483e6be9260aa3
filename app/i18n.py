"""Which language to answer in: `?lang=` first, then Accept-Language, then English.

`no`, `nb`, `nb-NO` and `nn` all mean Norwegian Bokmål, the only Norwegian we ship.
"""

from __future__ import annotations

SUPPORTED = ("en", "nb")
DEFAULT = "en"
_ALIASES = {"en": "en", "nb": "nb", "no": "nb", "nn": "nb"}


def normalise(tag: str | None) -> str | None:
    """'nb-NO' -> 'nb', 'en_GB' -> 'en', anything unsupported -> None."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return _ALIASES.get(primary)


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags of an Accept-Language header, best first (q-values honoured)."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(lang: str | None, accept_language: str | None) -> str:
    if (chosen := normalise(lang)) is not None:
        return chosen
    for tag in parse_accept_language(accept_language):
        if (chosen := normalise(tag)) is not None:
            return chosen
    return DEFAULT
