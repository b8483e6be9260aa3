"""compose.yaml, the Dockerfile and the proxy configuration, checked as files (there is
no Docker daemon in CI): the shape of the deployment the README describes."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.config import Settings

ROOT = Path(__file__).resolve().parents[2]
WEASYPRINT_PACKAGES = ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def dockerfile() -> str:
    # Continuation lines joined, so each instruction is one line.
    return (ROOT / "Dockerfile").read_text().replace("\\\n", " ")


def instructions(dockerfile: str, name: str) -> list[str]:
    return [
        line.strip()[len(name) :].strip()
        for line in dockerfile.splitlines()
        if line.strip().upper().startswith(name + " ")
    ]


def make_recipe(target: str) -> list[str]:
    """The commands of a Makefile target, continuation lines joined."""
    text = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"^{re.escape(target)}:", line))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def uvicorn_options() -> set[str]:
    """Every option the installed uvicorn's command line takes."""
    from uvicorn.main import main

    return {o for p in main.params for o in (*p.opts, *p.secondary_opts)}


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def test_compose_has_the_five_services(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"db", "migrate", "app", "scheduler", "proxy"}


def test_only_the_proxy_publishes_ports(compose: dict[str, Any]) -> None:
    published = {name for name, svc in compose["services"].items() if svc.get("ports")}
    assert published == {"proxy"}
    assert not any("expose" in svc for svc in compose["services"].values())


def test_postgres_keeps_its_data_in_a_named_volume_and_reports_health(
    compose: dict[str, Any],
) -> None:
    db = compose["services"]["db"]
    assert re.fullmatch(r"postgres:\d+(\.\d+)?", db["image"]), "a pinned major version"
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose["volumes"], "a named volume, not a bind mount"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert environment(db)["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_migrate_runs_once_after_the_database_is_healthy(compose: dict[str, Any]) -> None:
    migrate = compose["services"]["migrate"]
    command = " ".join(migrate["command"])
    assert "sdm db upgrade" in command
    # After the first load, bundled files never publish themselves: they open a draft.
    assert "sdm data seed" in command and "sdm data load" not in command
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert migrate["restart"] == "no"


def test_two_app_replicas_start_after_a_successful_migration(compose: dict[str, Any]) -> None:
    app = compose["services"]["app"]
    assert app["deploy"]["replicas"] == 2
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert app["image"] == compose["services"]["migrate"]["image"], "the same image"
    assert "healthcheck" not in app, "the image's HEALTHCHECK is used"
    assert compose["services"]["proxy"]["depends_on"]["app"]["condition"] == "service_healthy"


def test_the_app_gets_every_setting_production_needs_and_only_real_ones(
    compose: dict[str, Any],
) -> None:
    for name in ("app", "migrate", "scheduler"):
        env = environment(compose["services"][name])
        assert env["SDM_ENV"] == "production"
        assert env["DATABASE_URL"].startswith("postgresql://")
        assert "@db:5432/" in env["DATABASE_URL"]
        assert "${POSTGRES_PASSWORD:?" in env["DATABASE_URL"]
        assert "SDM_ALLOW_PASSWORD_ONLY" not in env
        settings = set(Settings.model_fields)
        for key in env:
            if key.startswith("SDM_"):
                assert key.removeprefix("SDM_").lower() in settings, f"{key} is not a setting"


def test_only_the_proxy_is_trusted_for_forwarded_headers(compose: dict[str, Any]) -> None:
    app_env = environment(compose["services"]["app"])
    proxy_address = compose["services"]["proxy"]["networks"]["frontend"]["ipv4_address"]
    assert app_env["FORWARDED_ALLOW_IPS"] == proxy_address
    assert "frontend" in compose["services"]["app"]["networks"]
    assert compose["networks"]["backend"].get("internal") is True


def test_the_proxy_balances_the_replicas_sets_forwarded_headers_and_limits_bodies(
    compose: dict[str, Any],
) -> None:
    proxy = compose["services"]["proxy"]
    config_mount = next(v for v in proxy["volumes"] if v.startswith("./deploy/"))
    caddyfile = (ROOT / config_mount.split(":")[0]).read_text()
    assert re.search(r"dynamic a \{\s*name app\s*port 8000", caddyfile)
    assert "lb_policy" in caddyfile
    assert "header_up X-Forwarded-For {remote_host}" in caddyfile
    assert "header_up X-Forwarded-Proto {scheme}" in caddyfile
    assert re.search(r"request_body \{\s*max_size \d+KB", caddyfile)


def test_make_run_loads_the_bundled_data_as_the_migrate_service_does() -> None:
    (load,) = make_recipe("load")
    assert "sdm data seed" in load and "--by" not in load, "attributed to system"


def test_the_image_runs_as_a_non_root_user_with_a_health_check(dockerfile: str) -> None:
    users = instructions(dockerfile, "USER")
    assert users and users[-1] not in ("root", "0")
    healthcheck = instructions(dockerfile, "HEALTHCHECK")
    assert healthcheck and "/readyz" in healthcheck[0]


def test_the_image_does_not_run_migrations_when_it_starts(dockerfile: str) -> None:
    for start in instructions(dockerfile, "CMD") + instructions(dockerfile, "ENTRYPOINT"):
        assert "upgrade" not in start and "alembic" not in start and "sdm" not in start
        assert "uvicorn" in start and "--proxy-headers" in start


def test_the_image_has_weasyprint_libraries_a_font_and_the_postgres_client(dockerfile: str) -> None:
    installs = [r for r in instructions(dockerfile, "RUN") if "apt-get install" in r]
    assert installs
    packages = " ".join(installs)
    for package in (*WEASYPRINT_PACKAGES, "fonts-dejavu-core", "postgresql-client"):
        assert package in packages, package
    for run in installs:
        assert run.count("apt-get install") == run.count("--no-install-recommends")
        assert "rm -rf /var/lib/apt/lists/*" in run


#: The postgresql-client major in each Debian release's own archive.
DEBIAN_POSTGRESQL_CLIENT = {"bullseye": 13, "bookworm": 15, "trixie": 17}


def test_the_postgres_client_matches_the_server_version(
    compose: dict[str, Any], dockerfile: str
) -> None:
    """pg_dump refuses to dump a server newer than itself. The client comes from the
    base image's Debian release, so that release decides the server in compose.yaml."""
    server_major = int(compose["services"]["db"]["image"].split(":")[1].split(".")[0])
    (base,) = [a for a in instructions(dockerfile, "ARG") if a.startswith("PYTHON_IMAGE=")]
    release = base.rsplit("-", 1)[1]
    assert release in DEBIAN_POSTGRESQL_CLIENT, f"{base}: name the Debian release in the tag"
    assert DEBIAN_POSTGRESQL_CLIENT[release] == server_major, (
        f"{release}'s postgresql-client is {DEBIAN_POSTGRESQL_CLIENT[release]}, "
        f"compose.yaml runs postgres:{server_major}"
    )
    assert f"ARG PG_MAJOR={server_major}" in dockerfile
    assert "postgresql-client-${PG_MAJOR}" in dockerfile
    # Debian's own archive only: no third-party apt repository.
    for other in ("apt.postgresql.org", "pgdg", "sources.list", "apt-key", "signed-by"):
        assert other not in dockerfile, other


def test_the_image_installs_exactly_the_locked_dependencies(dockerfile: str) -> None:
    installs = [r for r in instructions(dockerfile, "RUN") if "pip install" in r]
    assert len(installs) == 2
    locked, app = installs
    assert "--require-hashes -r requirements/app.txt" in locked
    assert app.endswith("--no-deps .")
    copies = instructions(dockerfile.split("\nFROM ", 2)[1], "COPY")
    assert copies[0].split()[0] == "requirements/app.txt", "the lock is copied first"


def test_the_image_has_templates_static_files_migrations_and_data(dockerfile: str) -> None:
    copied = " ".join(instructions(dockerfile, "COPY"))
    for path in ("app", "templates", "alembic", "alembic.ini", "drugdata"):
        assert re.search(rf"(^|\s){re.escape(path)}\s", copied), path
    assert (ROOT / "app" / "static").is_dir(), "static files ship inside app/"
    dockerignore = (ROOT / ".dockerignore").read_text().split()
    assert not {"app", "templates", "alembic", "drugdata"} & set(dockerignore)


def test_make_run_believes_no_forwarded_headers_and_closes_idle_connections() -> None:
    """Nothing stands in front of `make run`: uvicorn's default would believe
    X-Forwarded-For from 127.0.0.1, letting a local program choose the client address
    that login throttling counts."""
    (serve,) = [line for line in make_recipe("run") if "uvicorn" in line]
    args = shlex.split(serve)
    assert "--no-proxy-headers" in args
    assert "--proxy-headers" not in args
    assert args[args.index("--timeout-keep-alive") + 1] == "5"
    options = uvicorn_options()
    for arg in args:
        if arg.startswith("--"):
            assert arg in options, f"uvicorn has no option {arg}"


def test_the_image_closes_idle_connections(dockerfile: str) -> None:
    command = json.loads(instructions(dockerfile, "CMD")[-1])
    assert command[command.index("--timeout-keep-alive") + 1] == "5"
    options = uvicorn_options()
    for arg in command:
        if arg.startswith("--"):
            assert arg in options, f"uvicorn has no option {arg}"


def test_the_proxy_cuts_off_slow_clients(compose: dict[str, Any]) -> None:
    proxy = compose["services"]["proxy"]
    config_mount = next(v for v in proxy["volumes"] if v.startswith("./deploy/"))
    caddyfile = (ROOT / config_mount.split(":")[0]).read_text()
    code = "\n".join(line.split("#", 1)[0] for line in caddyfile.splitlines())
    # The global options block is the file's first block, and has no address.
    first_block = re.search(r"\S", code)
    assert first_block and first_block.group() == "{", "the global options come first"
    timeouts = re.search(r"^\{\s*servers\s*\{\s*timeouts\s*\{([^}]*)\}", code.strip())
    assert timeouts, "servers { timeouts { ... } } in the global options"
    found = dict(line.split() for line in timeouts.group(1).strip().splitlines())
    assert found == {"read_header": "10s", "read_body": "30s", "write": "60s", "idle": "2m"}


def test_make_image_builds_in_docker_format_with_whichever_builder_there_is() -> None:
    """The OCI image format has no HEALTHCHECK: podman and buildah must be told to use
    Docker's, or compose would wait for a health check the image no longer has."""
    recipe = " ".join(make_recipe("image"))
    builds = re.findall(r'build="([^"]+)"', recipe)
    assert builds == ["docker build", "podman build --format docker", "buildah bud --format docker"]
    assert "docker info" in recipe, "docker only when its daemon answers"
    assert "$$build -t $(IMAGE) ." in recipe


def test_the_scheduler_runs_the_daily_jobs_from_the_app_image_into_a_backup_volume(
    compose: dict[str, Any], dockerfile: str
) -> None:
    scheduler = compose["services"]["scheduler"]
    assert scheduler["image"] == compose["services"]["app"]["image"], "the same image"
    assert scheduler["command"] == ["sh", "deploy/scheduler.sh"]
    copied = [c.split() for c in instructions(dockerfile, "COPY")]
    assert ["deploy/scheduler.sh", "./deploy/"] in copied, "the script is in the image"
    assert scheduler["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert scheduler["networks"] == ["backend"], "the database only, no ports"
    assert scheduler["healthcheck"] == {"disable": True}, "not a web server"
    (mount,) = scheduler["volumes"]
    volume, path = mount.split(":")[:2]
    assert volume in compose["volumes"], "a named volume"
    assert environment(scheduler)["BACKUP_DIR"] == path
    assert re.search(rf"install -d -o choosewell .*{re.escape(path)}", dockerfile), (
        "the image's user owns the mount point, so a new volume is writable"
    )
    assert int(environment(scheduler)["SCHEDULE_SECONDS"]) == 86400, "daily"


def test_the_scheduler_script_runs_real_sdm_commands() -> None:
    """Every `sdm ...` the script runs is a command the CLI has."""
    from app.cli import build_parser

    script = (ROOT / "deploy" / "scheduler.sh").read_text()
    commands = re.findall(r"^\s*(?:if )?sdm ([a-z]+)(?: ([a-z]+))?", script, re.MULTILINE)
    assert {c[0] for c in commands} >= {"sessions", "consultations", "backup"}
    parser = build_parser()
    for group, command in commands:
        args = [group, command] if command else [group]
        args += {"consultations": ["--older-than", "90"], "backup": ["x"]}.get(group, [])
        parser.parse_args(args)  # exits (SystemExit) on an unknown command


def test_make_install_ensures_the_same_pdf_libraries_as_the_image() -> None:
    script = (ROOT / "scripts" / "ensure-pdf-libs").read_text()
    listed = re.search(r"^PACKAGES=\((.*)\)$", script, re.MULTILINE)
    assert listed, "scripts/ensure-pdf-libs names its packages in PACKAGES=(...)"
    assert set(shlex.split(listed.group(1))) == {*WEASYPRINT_PACKAGES, "fonts-dejavu-core"}
    makefile = (ROOT / "Makefile").read_text()
    install_app = makefile.split("$(VENV)/.installed-app:", 1)[1].split("\n\n", 1)[0]
    assert "scripts/ensure-pdf-libs" in install_app
