"""CSRF for the tablet's forms, which have no session: the browser's own headers must
say that the post came from this site. The tablet's steps, its follow-up and its feedback use it."""

from __future__ import annotations

from fastapi import Request

from app.http.auth import CsrfFailed

__all__ = ["refuse_cross_site"]


def refuse_cross_site(request: Request) -> None:
    """CSRF for a form with no session: the browser's own headers must say the post came
    from this site (OWASP's fetch-metadata and standard-header defences). Sec-Fetch-Site
    is trusted when sent (every current browser); else an Origin, if any, must be ours."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        if fetch_site not in ("same-origin", "none"):
            raise CsrfFailed()
        return
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise CsrfFailed()
