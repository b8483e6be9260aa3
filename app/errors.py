"""Domain errors that know their HTTP status. One handler turns them into responses."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400
    code = "error"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


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
            "The database cannot be reached just now, so no ranking can be given. "
            "Please try again in a minute."
        )
