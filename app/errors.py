"""Domain errors that know their HTTP status. One handler turns them into responses."""

from __future__ import annotations

from app.translations import N_


class DomainError(Exception):
    status_code = 400
    code = "error"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    @property
    def headers(self) -> dict[str, str]:
        """Response headers the answer must carry (Retry-After on a 429, say)."""
        return {}


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class NoDataVersion(DomainError):
    status_code = 503
    code = "no_data_version"

    def __init__(self) -> None:
        super().__init__(
            "No drug data has been published yet. An administrator must run 'sdm data load'."
        )


class DatabaseUnavailable(DomainError):
    status_code = 503
    code = "database_unavailable"

    def __init__(self) -> None:
        super().__init__(
            N_(
                "The database cannot be reached just now, so no ranking can be given. "
                "Please try again in a minute."
            )
        )


class DatabaseReadOnly(DomainError):
    """The database answers but refuses changes: a read-only database or file system,
    or a full disk. The transaction was rolled back, so nothing of the request is kept."""

    status_code = 503
    code = "database_read_only"

    def __init__(self) -> None:
        super().__init__(
            N_(
                "The database is not accepting changes just now; nothing was saved. "
                "Reading still works. Please try again later."
            )
        )


class ReadNotRecorded(DomainError):
    """A read that must be recorded (a consultation, by staff: ADR 0010) while the
    database takes no changes: the read is refused, as it could not be recorded."""

    status_code = 503
    code = "read_not_recorded"

    def __init__(self) -> None:
        super().__init__(
            N_(
                "The database is not accepting changes just now, and a consultation is "
                "opened only when the opening can be recorded. Please try again later."
            )
        )


class DataVersionCorrupt(DomainError):
    """A published data version whose rows no longer give the checksum it was published
    with: changed in the database behind the app's back. It is never used."""

    status_code = 503
    code = "data_version_corrupt"

    def __init__(self, number: int) -> None:
        self.number = number
        #: For administrators (/readyz, `sdm audit verify`); the message is for everyone.
        self.reason = f"Data version {number} does not match its checksum."
        super().__init__(
            N_(
                "The drug data failed its integrity check, so no ranking can be given. "
                "An administrator must look into it."
            )
        )
