"""Settings, read from the environment once, in one place."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SDM_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = Field(
        default=f"sqlite:///{ROOT / 'choosewell.db'}",
        validation_alias=AliasChoices("DATABASE_URL", "SDM_DATABASE_URL"),
    )
    drugdata_dir: Path = ROOT / "drugdata"
    #: Request bodies larger than this are refused with 413 before they are read.
    max_body_bytes: int = 64 * 1024
    #: Seconds a request waits for the database before it answers 503.
    db_timeout_seconds: float = 2.0
    #: Each process confirms the newest data version at most this many seconds apart:
    #: another process's publication is seen within it, and so is a database fault
    #: (then 503). 0 reads it on every request. See app/store/current.py and ADR 0007.
    version_max_age: float = Field(default=1.0, ge=0, le=10)
    #: /readyz re-reads the newest version and checks its checksum at most this many
    #: seconds apart in each process (0: on every call). See app/store/integrity.py.
    ready_verify_seconds: float = Field(default=30.0, ge=0, le=3600)

    #: Development only: let pharmacist and admin accounts log in without TOTP.
    allow_password_only: bool = False
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    token_minutes: int = 60
    #: How long a hand-off code from the tablet can be used to open the preferences.
    code_ttl_minutes: int = 240
    #: How long the tablet shows the hand-off code before it clears itself for the next
    #: person (with JavaScript, a warning comes a minute before).
    tablet_code_page_minutes: int = Field(default=10, ge=2, le=60)
    #: Staff who open a consultation by code also see the ones made in this many hours,
    #: with the time and the tablet's name, to find one whose code is lost.
    recent_consultation_hours: int = Field(default=8, ge=1, le=72)
    #: Days a consultation is kept: older ones no longer open (410) and are what
    #: `sdm consultations purge` deletes by default. Unset: no limit but the purge's own.
    retention_days: int | None = Field(default=None, ge=1)

    @property
    def retention(self) -> timedelta | None:
        return None if self.retention_days is None else timedelta(days=self.retention_days)

    #: Shown on /about as the deployment gives them (any language; plain text). Left
    #: empty, the page says plainly that the service running Choosewell has not said.
    about_authors: str = Field(default="", max_length=2000)
    about_funding: str = Field(default="", max_length=2000)
    about_conflicts: str = Field(default="", max_length=2000)

    # Abuse limits (docs/adr/0011-abuse-limits.md), counted in the database so that they
    # hold across every app process.
    #: Tablet submissions per minute from one client address ...
    tablet_per_client_per_minute: int = Field(default=10, ge=1)
    #: ... and from all clients together.
    tablet_overall_per_minute: int = Field(default=120, ge=1)
    #: Hand-off codes that match nothing, per staff user per minute; then lookups get 429.
    code_misses_per_minute: int = Field(default=10, ge=1)
    #: Failed logins in 15 minutes for one username from one client address, and from
    #: one client address whatever the usernames; then that client gets 429.
    login_failures_per_account: int = Field(default=5, ge=1)
    login_failures_per_client: int = Field(default=20, ge=1)

    #: Where this service's FHIR definitions live: the checklist Questionnaire's canonical
    #: URL and the local CodeSystems are built on it (app/fhir/, docs/fhir.md). The default
    #: names no real host; a service that sends exports to a health record sets its own.
    fhir_base: str = Field(
        default="https://choosewell.invalid/fhir",
        pattern=r"^https?://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~-]+)*$",
        max_length=200,
    )

    @property
    def docs_enabled(self) -> bool:
        return self.env != "production"

    @property
    def secure_cookies(self) -> bool:
        """Cookies are Secure everywhere except plain-HTTP local development."""
        return self.env != "development"


@lru_cache
def get_settings() -> Settings:
    return Settings()
