"""Accounts: users, logins, sessions and tokens. Actions take `by=` and write audit events.

Sessions live in the database, so every app process sees a logout at once."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import and_, bindparam, delete, or_, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app import audit, limits
from app.accounts.passwords import hash_password, policy_problems, verify_password
from app.accounts.tables import ROLES, AuthSession, StaffUser
from app.clock import as_utc, utcnow
from app.config import Settings
from app.errors import DomainError
from app.limits import Limit

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$")


class InvalidAccount(DomainError):
    status_code = 422
    code = "invalid_account"


class LoginFailed(DomainError):
    status_code = 401
    code = "login_failed"

    def __init__(self) -> None:
        super().__init__("The username, password or code is not right.")


class TooManyAttempts(limits.RateLimited):
    code = "too_many_attempts"

    def __init__(self, limit: Limit, retry_after: int) -> None:
        super().__init__(
            "Too many failed logins from this device or network. Wait 15 minutes and try again.",
            limit=limit,
            retry_after=retry_after,
        )


@dataclass(frozen=True)
class SessionPolicy:
    web_idle: timedelta = timedelta(minutes=30)
    web_absolute: timedelta = timedelta(hours=12)
    api_lifetime: timedelta = timedelta(hours=1)
    throttle_window: timedelta = timedelta(minutes=15)
    #: Failed logins for one username from one client address, per throttle window.
    max_failures_per_account: int = 5
    #: Failed logins from one client address, whatever the usernames, per window.
    max_failures_per_client: int = 20
    second_factor_roles: tuple[str, ...] = ("pharmacist", "admin")
    allow_password_only: bool = False

    @property
    def per_name_and_client(self) -> Limit:
        return Limit("login.name-client", self.max_failures_per_account, self.throttle_window)

    @property
    def per_client(self) -> Limit:
        return Limit("login.client", self.max_failures_per_client, self.throttle_window)

    @property
    def per_account(self) -> Limit:
        """Counted for known accounts from every address, never refused on: only its
        audit events say that an account is being guessed at."""
        return Limit("login.account", self.max_failures_per_account, self.throttle_window)


def session_policy(settings: Settings) -> SessionPolicy:
    """The policy the settings ask for: the app and `sdm sessions purge` use the same."""
    return SessionPolicy(
        web_idle=timedelta(minutes=settings.session_idle_minutes),
        web_absolute=timedelta(hours=settings.session_absolute_hours),
        api_lifetime=timedelta(minutes=settings.token_minutes),
        max_failures_per_account=settings.login_failures_per_account,
        max_failures_per_client=settings.login_failures_per_client,
        allow_password_only=settings.allow_password_only,
    )


@dataclass(frozen=True)
class Principal:
    """Who is asking: the user and the session or token they came with."""

    user_id: int
    username: str
    role: str
    kind: str
    csrf_token: str
    token_hash: str
    #: The session's last-seen time is over TOUCH_AFTER old: refresh it (`touch`).
    touch_due: bool = False


#: A web session's last-seen time is refreshed at most this often.
TOUCH_AFTER = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_user(session: Session, username: str) -> StaffUser | None:
    return session.exec(select(StaffUser).where(StaffUser.username == username)).first()


def add_user(session: Session, *, username: str, role: str, password: str, by: str) -> StaffUser:
    if role not in ROLES:
        raise InvalidAccount(f"role must be one of {', '.join(ROLES)}")
    if not USERNAME.match(username):
        raise InvalidAccount("username: 1-64 letters, digits, '.' or '-'")
    if find_user(session, username) is not None:
        raise InvalidAccount(f"user '{username}' already exists")
    if problems := policy_problems(password, username):
        raise InvalidAccount("password: " + "; ".join(problems))
    user = StaffUser(
        username=username, role=role, password_hash=hash_password(password), created_at=utcnow()
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        by=by,
        action="user.add",
        target=f"user/{username}",
        after={"username": username, "role": role},
    )
    return user


def disable_user(session: Session, *, username: str, by: str) -> None:
    user = find_user(session, username)
    if user is None:
        raise InvalidAccount(f"there is no user '{username}'")
    user.disabled = True
    session.add(user)
    statement = delete(AuthSession).where(col(AuthSession.user_id) == user.id)
    ended = session.execute(statement).rowcount  # type: ignore[attr-defined]
    audit.record(
        session,
        by=by,
        action="user.disable",
        target=f"user/{username}",
        before={"disabled": False},
        after={"disabled": True, "sessions_ended": ended},
    )


def end_all_sessions(session: Session, *, by: str, because: str) -> int:
    """End every staff session and API token at once (everyone must log in again), with
    one audit event saying why. Returns how many were ended."""
    ended = session.execute(delete(AuthSession)).rowcount  # type: ignore[attr-defined]
    audit.record(
        session,
        by=by,
        action="sessions.end_all",
        target="auth_session/*",
        after={"sessions_ended": int(ended), "because": because},
    )
    return int(ended)


def purge_sessions(session: Session, *, policy: SessionPolicy, by: str) -> tuple[int, int]:
    """Delete what no request can use any more: sessions and tokens past their expiry,
    web sessions idle past `policy.web_idle` (`resolve` refuses both already), and
    rate-limit counters (failed logins, tablet submissions, code misses) whose window
    has ended. Returns (sessions deleted, counters deleted)."""
    now = utcnow()
    sessions = session.execute(
        delete(AuthSession).where(
            or_(
                col(AuthSession.expires_at) <= now,
                and_(
                    col(AuthSession.kind) == "web",
                    col(AuthSession.last_seen_at) <= now - policy.web_idle,
                ),
            )
        )
    ).rowcount  # type: ignore[attr-defined]
    counters = limits.purge_ended(session)
    audit.record(
        session,
        by=by,
        action="sessions.purge",
        target="auth_session/*",
        after={"sessions_deleted": sessions, "rate_counters_deleted": counters},
    )
    return int(sessions), counters


def enrol_totp(session: Session, *, username: str, by: str) -> str:
    """Give the user a new TOTP secret; returns the provisioning URI for an authenticator."""
    user = find_user(session, username)
    if user is None:
        raise InvalidAccount(f"there is no user '{username}'")
    user.totp_secret = pyotp.random_base32()
    user.totp_last_step = None
    session.add(user)
    audit.record(session, by=by, action="user.totp_enrol", target=f"user/{username}")
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=username, issuer_name="Choosewell")


@dataclass(frozen=True)
class LoginOutcome:
    """Either a secret (to hand to the client once) and its principal, or an error.

    Failures are returned, not raised, so the request's unit of work still commits the
    failed-attempt record that throttling counts."""

    secret: str | None = None
    principal: Principal | None = None
    error: DomainError | None = None


def login(
    session: Session,
    *,
    username: str,
    password: str,
    totp: str | None,
    client: str,
    kind: str,
    policy: SessionPolicy,
) -> LoginOutcome:
    """Check the credentials and open a session (kind 'web') or token (kind 'api').

    Throttled per client address, never per account alone (docs/adr/0011): a client
    with `max_failures_per_account` failures for this username, or
    `max_failures_per_client` for any, gets TooManyAttempts until its window ends,
    while the same account still logs in from anywhere else. Failures are counted in
    `rate_counter` (the typed username only as a digest), not in the audit trail."""
    username = username[:64]
    client = limits.client_key(client)
    now = utcnow()
    by_name = (policy.per_name_and_client, f"{username}\n{client}")
    checks = [(policy.per_client, client), by_name]
    for limit, subject in checks:
        seen = limits.peek(session, limit, subject)
        if seen.full:
            return LoginOutcome(error=TooManyAttempts(limit, seen.retry_after))
    user = find_user(session, username)
    ok = verify_password(user.password_hash if user else None, password)
    if ok and user is not None and not user.disabled:
        needs_code = user.role in policy.second_factor_roles and not policy.allow_password_only
        if user.totp_secret or needs_code:
            ok = _second_factor_ok(session, user, totp, now)
    if not ok or user is None or user.disabled or user.id is None:
        _count_failure(session, policy, checks, user)
        return LoginOutcome(error=LoginFailed())
    # The user's own mistakes from this client are over: they count no further. (The
    # client's count for all names stays, so a known password buys no more guesses.)
    limits.forget(session, *by_name)
    secret = secrets.token_urlsafe(32)
    lifetime = policy.web_absolute if kind == "web" else policy.api_lifetime
    row = AuthSession(
        token_hash=token_hash(secret),
        user_id=user.id,
        kind=kind,
        csrf_token=secrets.token_urlsafe(24),
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    audit.record(session, by=username, action=f"login.{kind}", target=f"user/{username}")
    principal = Principal(user.id, user.username, user.role, kind, row.csrf_token, row.token_hash)
    return LoginOutcome(secret=secret, principal=principal)


def _count_failure(
    session: Session,
    policy: SessionPolicy,
    checks: list[tuple[Limit, str]],
    user: StaffUser | None,
) -> None:
    """Count a failed login. The audit trail gets aggregates only: an event when an
    account's failures (from any address) reach the limit, and again at 10×, 100×, ...;
    an event when one client address is throttled. Never one per failure, and never a
    username that is not an account."""
    for limit, subject in checks:
        counted = limits.hit(session, limit, subject)
        if limit == policy.per_client and counted.hits == limit.hits:
            audit.record(
                session,
                by="anonymous",
                action="login.client_throttled",
                target="client/*",
                after={"failed_logins": counted.hits, "window_minutes": _minutes(limit)},
            )
    if user is None or user.id is None:
        return
    account = limits.hit(session, policy.per_account, str(user.id))
    if _milestone(account.hits, policy.per_account.hits):
        audit.record(
            session,
            by=user.username,
            action="login.failures",
            target=f"user/{user.username}",
            after={"failed_logins": account.hits, "window_minutes": _minutes(policy.per_account)},
        )


def _minutes(limit: Limit) -> int:
    return limit.seconds // 60


def _milestone(count: int, base: int) -> bool:
    """base, 10×base, 100×base, ...: logarithmically many audit events, however long
    an attack goes on."""
    if count < base or count % base:
        return False
    ratio = count // base
    while ratio % 10 == 0:
        ratio //= 10
    return ratio == 1


def _second_factor_ok(session: Session, user: StaffUser, code: str | None, now: datetime) -> bool:
    """A TOTP code for the current time step (or one either side, for clock drift) that
    is newer than the last one accepted; it is then claimed, so it never works again."""
    step = totp_step(user.totp_secret, code, user.totp_last_step, now)
    return step is not None and user.id is not None and _claim_step(session, user.id, step)


def totp_step(
    secret: str | None, code: str | None, last_step: int | None, now: datetime
) -> int | None:
    """The time step `code` is valid for (now, or one step either side) if it is later
    than `last_step`; else None."""
    if not (secret and code):
        return None
    code = code.strip()
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _claim_step(session: Session, user_id: int, step: int) -> bool:
    """Record `step` as the last accepted one, unless another login got there first: the
    condition is checked by the UPDATE itself, so two processes cannot both accept a
    code (PostgreSQL re-checks it after waiting for the other's row lock)."""
    claimed = session.execute(
        update(StaffUser)
        .where(col(StaffUser.id) == user_id)
        .where(or_(col(StaffUser.totp_last_step).is_(None), col(StaffUser.totp_last_step) < step))
        .values(totp_last_step=step)
    ).rowcount  # type: ignore[attr-defined]
    return bool(claimed == 1)


#: The session and its user in one Core query, built once: every staff request makes it,
#: and ORM objects (two `session.get`s) cost more than the rest of a cheap page's reads.
SESSION_AND_USER = (
    core_select(
        col(AuthSession.kind),
        col(AuthSession.csrf_token),
        col(AuthSession.token_hash),
        col(AuthSession.last_seen_at),
        col(AuthSession.expires_at),
        col(StaffUser.id),
        col(StaffUser.username),
        col(StaffUser.role),
        col(StaffUser.disabled),
    )
    .join(StaffUser, col(StaffUser.id) == col(AuthSession.user_id))
    .where(col(AuthSession.token_hash) == bindparam("token_hash"))
)


def resolve(session: Session, secret: str, kind: str, policy: SessionPolicy) -> Principal | None:
    """The principal for a session cookie or bearer token, or None if it is not valid now.

    Only reads: a page is a read, and on SQLite a read transaction that later writes
    fails at once if another request wrote in between. The last-seen refresh is `touch`,
    in a unit of work of its own. An expired session is refused every time it is shown
    (its row goes at logout, with `sdm users disable` or with `sdm sessions purge`)."""
    row = session.execute(SESSION_AND_USER, {"token_hash": token_hash(secret)}).first()
    if row is None or row.kind != kind or row.disabled:
        return None
    now = utcnow()
    seen = as_utc(row.last_seen_at)
    if as_utc(row.expires_at) <= now or (kind == "web" and seen + policy.web_idle <= now):
        return None
    return Principal(
        row.id,
        row.username,
        row.role,
        kind,
        row.csrf_token,
        row.token_hash,
        touch_due=kind == "web" and now - seen > TOUCH_AFTER,
    )


def touch(session: Session, hashed: str) -> None:
    """Refresh a web session's last-seen time. Several requests may find it due at
    once: only rows not refreshed in the last TOUCH_AFTER change, so it happens once."""
    now = utcnow()
    session.execute(
        update(AuthSession)
        .where(col(AuthSession.token_hash) == hashed)
        .where(col(AuthSession.last_seen_at) < now - TOUCH_AFTER)
        .values(last_seen_at=now)
    )


def logout(session: Session, principal: Principal) -> None:
    row = session.get(AuthSession, principal.token_hash)
    if row is not None:
        session.delete(row)
    audit.record(
        session,
        by=principal.username,
        action=f"logout.{principal.kind}",
        target=f"user/{principal.username}",
    )
