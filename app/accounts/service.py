"""Accounts: users, logins, sessions and tokens. Actions take `by=` and write audit events.

Sessions live in the database, so every app process sees a logout at once."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from sqlalchemy import and_, bindparam, delete, func, or_, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app import audit
from app.accounts.passwords import DUMMY_HASH, hash_password, policy_problems, verify_password
from app.accounts.tables import ROLES, AuthSession, LoginAttempt, StaffUser
from app.clock import as_utc, utcnow
from app.config import Settings
from app.errors import DomainError

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$")


class InvalidAccount(DomainError):
    status_code = 422
    code = "invalid_account"


class LoginFailed(DomainError):
    status_code = 401
    code = "login_failed"

    def __init__(self) -> None:
        super().__init__("The username, password or code is not right.")


class TooManyAttempts(DomainError):
    status_code = 429
    code = "too_many_attempts"

    def __init__(self) -> None:
        super().__init__("Too many failed logins. Wait 15 minutes and try again.")


@dataclass(frozen=True)
class SessionPolicy:
    web_idle: timedelta = timedelta(minutes=30)
    web_absolute: timedelta = timedelta(hours=12)
    api_lifetime: timedelta = timedelta(hours=1)
    throttle_window: timedelta = timedelta(minutes=15)
    max_failures_per_account: int = 5
    max_failures_per_client: int = 20
    second_factor_roles: tuple[str, ...] = ("pharmacist", "admin")
    allow_password_only: bool = False


def session_policy(settings: Settings) -> SessionPolicy:
    """The policy the settings ask for: the app and `sdm sessions purge` use the same."""
    return SessionPolicy(
        web_idle=timedelta(minutes=settings.session_idle_minutes),
        web_absolute=timedelta(hours=settings.session_absolute_hours),
        api_lifetime=timedelta(minutes=settings.token_minutes),
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
    failed-login records older than the throttle window (they hold client addresses).
    Returns (sessions deleted, login records deleted)."""
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
    attempts = session.execute(
        delete(LoginAttempt).where(col(LoginAttempt.at) < now - policy.throttle_window)
    ).rowcount  # type: ignore[attr-defined]
    audit.record(
        session,
        by=by,
        action="sessions.purge",
        target="auth_session/*",
        after={"sessions_deleted": sessions, "login_attempts_deleted": attempts},
    )
    return int(sessions), int(attempts)


def enrol_totp(session: Session, *, username: str, by: str) -> str:
    """Give the user a new TOTP secret; returns the provisioning URI for an authenticator."""
    user = find_user(session, username)
    if user is None:
        raise InvalidAccount(f"there is no user '{username}'")
    user.totp_secret = pyotp.random_base32()
    session.add(user)
    audit.record(session, by=by, action="user.totp_enrol", target=f"user/{username}")
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=username, issuer_name="Choosewell")


def _throttled(session: Session, username: str, client: str, policy: SessionPolicy) -> bool:
    since = utcnow() - policy.throttle_window
    recent = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.at >= since)
    by_user = session.exec(recent.where(LoginAttempt.username == username)).one()
    by_client = session.exec(recent.where(LoginAttempt.client == client)).one()
    return by_user >= policy.max_failures_per_account or by_client >= policy.max_failures_per_client


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
    """Check the credentials and open a session (kind 'web') or token (kind 'api')."""
    username = username[:64]
    if _throttled(session, username, client[:64], policy):
        audit.record(session, by=username, action="login.throttled", target=f"user/{username}")
        return LoginOutcome(error=TooManyAttempts())
    user = find_user(session, username)
    ok = verify_password(user.password_hash if user else DUMMY_HASH, password)
    if ok and user is not None and not user.disabled:
        needs_code = user.role in policy.second_factor_roles and not policy.allow_password_only
        if user.totp_secret or needs_code:
            ok = _totp_ok(user.totp_secret, totp)
    if not ok or user is None or user.disabled or user.id is None:
        session.add(LoginAttempt(at=utcnow(), username=username, client=client[:64]))
        audit.record(session, by=username, action="login.failed", target=f"user/{username}")
        return LoginOutcome(error=LoginFailed())
    secret = secrets.token_urlsafe(32)
    now = utcnow()
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


def _totp_ok(secret: str | None, code: str | None) -> bool:
    return bool(secret and code and pyotp.TOTP(secret).verify(code.strip(), valid_window=1))


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
