"""Hand-off codes kept out of the access log.

A code opens a person's preferences for hours (SDM_CODE_TTL_MINUTES), so it must not
be written where log readers, shippers and backups keep it. It travels in two paths:
`GET /api/v1/consultations/by-code/{code}` and `GET /staff/consultations?code=...`.
uvicorn logs each request's path and query on the `uvicorn.access` logger; this filter
rewrites the code in them to `[redacted]` before any handler sees the record."""

from __future__ import annotations

import logging
import re

ACCESS_LOGGER = "uvicorn.access"
REDACTED = "[redacted]"
_BY_CODE = re.compile(r"(/by-code/)[^/?#\s]+")
_CODE_PARAM = re.compile(r"([?&]code=)[^&#\s]+", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` with every hand-off code in a path or query replaced."""
    return _CODE_PARAM.sub(rf"\g<1>{REDACTED}", _BY_CODE.sub(rf"\g<1>{REDACTED}", text))


class RedactCodes(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install() -> None:
    """Add the filter to uvicorn's access logger (once per process)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactCodes) for f in logger.filters):
        logger.addFilter(RedactCodes())
