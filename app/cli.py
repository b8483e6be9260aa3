"""`sdm`: the command line for data and admin tasks. Thin: it calls the same functions
as the web routes, inside the same one-transaction unit of work."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from sqlmodel import Session

from app.catalogue import load_directory
from app.catalogue.method import method_problems
from app.catalogue.model import Dataset
from app.catalogue.problems import DataProblems
from app.catalogue.report import Names, coverage, diff, readable
from app.config import ROOT, get_settings
from app.db import make_engine, session_scope

T = TypeVar("T")


def _default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def _load_or_report(directory: Path, *, method: str = "enforce") -> Dataset | None:
    """The drugdata files as a Dataset, or None after printing every problem: the
    files' shape, then the grading method's rules (app/catalogue/method.py).

    `method="warn"` prints the method's problems as warnings and goes on: an import
    opens a draft, and the reviewer sees them there before anything is published."""
    try:
        dataset = load_directory(directory)
        problems = method_problems(dataset)
    except DataProblems as exc:
        problems = exc.problems
    else:
        if method == "warn":
            for problem in problems:
                print(f"warning: {problem}", file=sys.stderr)
            return dataset
    if not problems:
        return dataset
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(problems)} problem(s); nothing was loaded.", file=sys.stderr)
    return None


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", get_settings().database_url)
    command.upgrade(config, "head")
    print("database schema is up to date")
    return 0


def cmd_data_validate(args: argparse.Namespace) -> int:
    dataset = _load_or_report(args.dir)
    if dataset is None:
        return 1
    cells = len(dataset.drugs) * len(dataset.checklist)
    unknown = sum(len(c.unknown) for c in coverage(dataset))
    print(
        f"ok: {len(dataset.drugs)} drugs x {len(dataset.checklist)} items, "
        f"{unknown} of {cells} cells unknown, {len(dataset.sources)} sources, "
        f"checksum {dataset.checksum()[:12]}"
    )
    return 0


def cmd_data_load(args: argparse.Namespace) -> int:
    from app.curation.publish import publish_dataset

    dataset = _load_or_report(args.dir)
    if dataset is None:
        return 1
    engine = make_engine(get_settings().database_url)
    # write=True: on SQLite take the write lock first, waiting for the app's writers,
    # instead of failing with "database is locked" when one holds it mid-load.
    with session_scope(engine, write=True) as session:
        result = publish_dataset(session, dataset, by=args.by, note=args.note)
        number, checksum = result.version.number, result.version.checksum
    engine.dispose()
    if result.created:
        print(f"published data version {number} (checksum {checksum[:12]})")
    else:
        print(f"no change: the files equal data version {number}; nothing was published")
    return 0


def cmd_data_seed(args: argparse.Namespace) -> int:
    from app.curation.bundled import seed
    from app.store.datasets import DatasetCache, latest_version

    engine = make_engine(get_settings().database_url)
    with session_scope(engine) as session:
        published = latest_version(session) is not None
    engine.dispose()
    # Files that are to be published must pass the grading method; files that only
    # open a draft show its problems as warnings, for the reviewer to see there.
    dataset = _load_or_report(args.dir, method="warn" if published else "enforce")
    if dataset is None:
        return 1
    result = _unit_of_work(
        lambda s: seed(
            s, DatasetCache(), dataset, by=args.by, note=args.note, may_publish=not published
        )
    )
    if result.outcome == "published":
        print(f"published data version {result.version} (the first) from {args.dir}")
    elif result.outcome == "unchanged":
        print(f"no change: the files equal data version {result.version}")
    elif result.outcome == "pending":
        print(
            f"the files differ from data version {result.version}; draft {result.draft} "
            "with the same content is already waiting for review"
        )
    else:
        print(
            f"the files differ from data version {result.version}: opened draft "
            f"{result.draft} for review (a pharmacist submits it, a second one approves "
            "it); nothing was published"
        )
    return 0


def _dataset_for(ref: str, directory: Path) -> Dataset | None:
    """A version number from the database, or 'files' for the drugdata directory."""
    if ref == "files":
        return _load_or_report(directory)
    from app.store.datasets import get_version, read_dataset

    engine = make_engine(get_settings().database_url)
    with session_scope(engine) as session:
        version = get_version(session, int(ref)) if ref.isdigit() else None
        dataset = read_dataset(session, version) if version else None
    engine.dispose()
    if dataset is None:
        print(f"there is no data version {ref!r}", file=sys.stderr)
    return dataset


def cmd_data_coverage(args: argparse.Namespace) -> int:
    dataset = _dataset_for(args.version, args.dir)
    if dataset is None:
        return 1
    print(f"{'drug':<18} {'rated':>5} {'unknown':>7}  sources / unknown items")
    total = unknown = 0
    rows = coverage(dataset)
    for row in rows:
        total += row.rated + len(row.unknown)
        unknown += len(row.unknown)
        print(f"{row.drug:<18} {row.rated:>5} {len(row.unknown):>7}  {', '.join(row.sources)}")
        if row.unknown:
            print(f"{'':<34}unknown: {', '.join(row.unknown)}")
        held = ", ".join(row.figures) if row.figures else "none"
        print(f"{'':<34}figures held: {held}; safety notes: {row.safety}")
    print(f"overall: {unknown} of {total} cells unknown ({100 * unknown / max(total, 1):.1f}%)")
    figures = sum(len(row.figures) for row in rows)
    print(f"figures: {figures} held for {sum(1 for row in rows if row.figures)} drugs")
    return 0


def cmd_data_diff(args: argparse.Namespace) -> int:
    old, new = _dataset_for(args.old, args.dir), _dataset_for(args.new, args.dir)
    if old is None or new is None:
        return 1
    changes = diff(old, new)
    for line in readable(changes, Names.of(old, new)):
        print(line)
    print(f"{len(changes)} change(s) from {args.old} to {args.new}")
    return 0


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password (12 characters to 72 bytes): ")
        if getpass.getpass("Again: ") != first:
            raise SystemExit("the two passwords differ; nothing was changed")
        return first
    return sys.stdin.readline().rstrip("\n")


def _unit_of_work(action: Callable[[Session], T]) -> T:
    """Run `action(session)` in one transaction; domain errors become exit code 1."""
    from app.errors import DomainError

    engine = make_engine(get_settings().database_url)
    try:
        with session_scope(engine, write=True) as session:
            return action(session)
    except DomainError as exc:
        print(exc.message, file=sys.stderr)
        raise SystemExit(1) from None
    finally:
        engine.dispose()


def cmd_users_add(args: argparse.Namespace) -> int:
    from app.accounts.passwords import too_long, too_long_message
    from app.accounts.service import add_user

    password = _read_password()
    if too_long(password):
        print(f"password too long: {too_long_message()}; nothing was changed", file=sys.stderr)
        return 2
    _unit_of_work(
        lambda s: add_user(s, username=args.name, role=args.role, password=password, by=args.by)
    )
    print(f"added {args.role} '{args.name}'")
    return 0


def cmd_users_disable(args: argparse.Namespace) -> int:
    from app.accounts.service import disable_user

    _unit_of_work(lambda s: disable_user(s, username=args.name, by=args.by))
    print(f"disabled '{args.name}' and ended their sessions")
    return 0


def cmd_users_totp(args: argparse.Namespace) -> int:
    from app.accounts.service import enrol_totp

    uri = _unit_of_work(lambda s: enrol_totp(s, username=args.name, by=args.by))
    print("Add this to the authenticator app (it is shown once):")
    print(uri)
    return 0


def cmd_sessions_purge(args: argparse.Namespace) -> int:
    from app.accounts.service import purge_sessions, session_policy

    policy = session_policy(get_settings())
    sessions, counters = _unit_of_work(lambda s: purge_sessions(s, policy=policy, by=args.by))
    print(f"deleted {sessions} ended session(s) and {counters} ended rate-limit counter(s)")
    return 0


def cmd_data_export(args: argparse.Namespace) -> int:
    from app.catalogue.export import export_dataset

    dataset = _dataset_for(args.version, get_settings().drugdata_dir)
    if dataset is None:
        return 1
    written = export_dataset(dataset, args.dir)
    print(f"wrote {len(written)} files to {args.dir}")
    return 0


def cmd_data_import(args: argparse.Namespace) -> int:
    from app.curation.drafts import draft_from_dataset
    from app.store.datasets import DatasetCache

    dataset = _load_or_report(args.dir, method="warn")
    if dataset is None:
        return 1
    cache = DatasetCache()
    draft = _unit_of_work(
        lambda s: draft_from_dataset(s, cache, dataset, by=args.by, note=args.note)
    )
    print(
        f"opened draft {draft.id} from {args.dir}; a second pharmacist must review and "
        "approve it before it is published"
    )
    return 0


def cmd_consultations_purge(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from app.consultations.service import purge

    days = args.older_than if args.older_than is not None else get_settings().retention_days
    if days is None:
        print("give --older-than DAYS, or set SDM_RETENTION_DAYS", file=sys.stderr)
        return 2
    deleted = _unit_of_work(lambda s: purge(s, older_than=timedelta(days=days), by=args.by))
    print(f"deleted {deleted} consultation(s) older than {days} days")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from app.store.backup import BackupError, backup, describe

    url = get_settings().database_url
    try:
        result = backup(url, args.file)
    except BackupError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"backed up {describe(url)} to {result.path} ({result.kind}, {result.size} bytes)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from app.accounts.service import end_all_sessions
    from app.store.backup import BackupError, describe, restore, url_summary

    url = get_settings().database_url
    try:
        restore(url, args.file)
    except BackupError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"restored {args.file} into {describe(url)}")
    # The backup holds the sessions and tokens that were live when it was taken,
    # including any revoked since (a logout, a disabled user, a stolen token): none of
    # them may work again. Everyone logs in afresh; the audit trail says why.
    because = f"restored from the backup {args.file.name}"
    try:
        ended = _unit_of_work(lambda s: end_all_sessions(s, by=args.by, because=because))
    except Exception as exc:  # any failure here must stop the switch-over
        print(
            f"the restore is complete but its staff sessions could not be ended ({exc}); "
            "do not start the app on this database: restore again into a new, empty one",
            file=sys.stderr,
        )
        return 1
    print(f"ended {ended} staff session(s) and token(s) from the backup; everyone logs in again")
    summary = url_summary(url)
    print(f"migration revision: {summary['revision'] or 'none'}")
    version = summary["data_version"]
    if version:
        print(f"newest data version: {version['number']} (checksum {version['checksum']})")
    else:
        print("newest data version: none published")
    print("rows per table:")
    for table, rows in summary["tables"].items():
        print(f"  {table:<20} {rows:>8}")
    return 0


def cmd_audit_verify(_args: argparse.Namespace) -> int:
    from app.audit.verify import verify

    engine = make_engine(get_settings().database_url)
    try:
        with session_scope(engine) as session:
            result = verify(session)
    finally:
        engine.dispose()
    summary = f"{result.audit_events} audit events, {result.versions} data versions checked"
    if result.ok:
        print(f"ok: {summary}")
        return 0
    for problem in result.problems:
        print(problem, file=sys.stderr)
    print(f"{len(result.problems)} problem(s): {summary}", file=sys.stderr)
    return 1


def build_parser() -> argparse.ArgumentParser:
    settings_dir = get_settings().drugdata_dir
    parser = argparse.ArgumentParser(prog="sdm", description=__doc__)
    groups = parser.add_subparsers(dest="group", required=True)

    db = groups.add_parser("db", help="database schema").add_subparsers(dest="cmd", required=True)
    db.add_parser("upgrade", help="run the Alembic migrations").set_defaults(func=cmd_db_upgrade)

    data = groups.add_parser("data", help="drug data").add_subparsers(dest="cmd", required=True)
    p = data.add_parser("validate", help="check the drugdata files, report every problem")
    p.add_argument("--dir", type=Path, default=settings_dir)
    p.set_defaults(func=cmd_data_validate)
    p = data.add_parser("load", help="publish the files as a new data version")
    p.add_argument("--dir", type=Path, default=settings_dir)
    p.add_argument("--by", default=_default_actor(), help="who is loading (for the audit trail)")
    p.add_argument("--note", default="", help="why (kept with the version)")
    p.set_defaults(func=cmd_data_load)
    p = data.add_parser(
        "seed",
        help="start-up load: publish the files into a database with no data version; "
        "later, open a draft from them for review when they differ (never publishes then)",
    )
    p.add_argument("--dir", type=Path, default=settings_dir)
    p.add_argument("--by", default="system", help="for the audit trail (default: system)")
    p.add_argument("--note", default="", help="kept with the version or the draft")
    p.set_defaults(func=cmd_data_seed)
    p = data.add_parser("coverage", help="per drug: rated, unknown, sources used")
    p.add_argument("version", nargs="?", default="files", help="a version number, or 'files'")
    p.add_argument("--dir", type=Path, default=settings_dir)
    p.set_defaults(func=cmd_data_coverage)
    p = data.add_parser("diff", help="ratings that changed between two versions")
    p.add_argument("old", help="a version number, or 'files'")
    p.add_argument("new", help="a version number, or 'files'")
    p.add_argument("--dir", type=Path, default=settings_dir)
    p.set_defaults(func=cmd_data_diff)
    p = data.add_parser("export", help="write a data version as drugdata files")
    p.add_argument("version", help="a version number")
    p.add_argument("dir", type=Path)
    p.set_defaults(func=cmd_data_export)
    p = data.add_parser("import", help="open a draft from drugdata files (never publishes)")
    p.add_argument("dir", type=Path)
    p.add_argument("--by", default=_default_actor())
    p.add_argument("--note", default="")
    p.set_defaults(func=cmd_data_import)

    users = groups.add_parser("users", help="staff accounts").add_subparsers(
        dest="cmd", required=True
    )
    p = users.add_parser("add", help="add a user; the password is read from standard input")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=["clinician", "pharmacist", "admin", "lead"])
    p.add_argument("--by", default=_default_actor())
    p.set_defaults(func=cmd_users_add)
    p = users.add_parser("disable", help="disable a user and end their sessions")
    p.add_argument("name")
    p.add_argument("--by", default=_default_actor())
    p.set_defaults(func=cmd_users_disable)
    p = users.add_parser("totp", help="enrol (or re-enrol) a TOTP second factor")
    p.add_argument("name")
    p.add_argument("--by", default=_default_actor())
    p.set_defaults(func=cmd_users_totp)
    sessions = groups.add_parser("sessions", help="staff logins and API tokens")
    sessions_cmds = sessions.add_subparsers(dest="cmd", required=True)
    p = sessions_cmds.add_parser(
        "purge", help="delete expired or idle sessions and ended rate-limit counters"
    )
    p.add_argument("--by", default=_default_actor())
    p.set_defaults(func=cmd_sessions_purge)
    consult = groups.add_parser("consultations", help="stored preference sets")
    consult_cmds = consult.add_subparsers(dest="cmd", required=True)
    p = consult_cmds.add_parser(
        "purge", help="delete consultations older than DAYS (default: SDM_RETENTION_DAYS)"
    )
    p.add_argument("--older-than", type=int, metavar="DAYS")
    p.add_argument("--by", default=_default_actor())
    p.set_defaults(func=cmd_consultations_purge)

    audit = groups.add_parser("audit", help="the audit trail")
    audit_cmds = audit.add_subparsers(dest="cmd", required=True)
    p = audit_cmds.add_parser(
        "verify", help="check the audit hash chain and every data version's checksum"
    )
    p.set_defaults(func=cmd_audit_verify)

    p = groups.add_parser(
        "backup", help="write a consistent backup of the database (SQLite file or pg_dump)"
    )
    p.add_argument("file", type=Path, help="the backup file (replaced only when complete)")
    p.set_defaults(func=cmd_backup)
    p = groups.add_parser("restore", help="restore a backup into a new, EMPTY database")
    p.add_argument("file", type=Path, help="a file written by 'sdm backup'")
    p.add_argument("--by", default=_default_actor(), help="who is restoring (for the audit trail)")
    p.set_defaults(func=cmd_restore)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
