"""compose.yaml, the Dockerfile and the proxy configuration, checked as files (there is
no Docker daemon in CI): the shape of the deployment the README describes."""

from __future__ import annotations

import re
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


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def test_compose_has_the_four_services(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"db", "migrate", "app", "proxy"}


def test_only_the_proxy_publishes_ports(compose: dict[str, Any]) -> None:
    published = {name for name, svc in compose["services"].items() if svc.get("ports")}
    assert published == {"proxy"}
    assert not any("expose" in svc for svc in compose["services"].values())


def test_postgres_keeps_its_data_in_a_named_volume_and_reports_health(
    compose: dict[str, Any],
) -> None:
    db = compose["services"]["db"]
    assert db["image"].startswith("postgres:16")
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose["volumes"], "a named volume, not a bind mount"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert environment(db)["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_migrate_runs_once_after_the_database_is_healthy(compose: dict[str, Any]) -> None:
    migrate = compose["services"]["migrate"]
    command = " ".join(migrate["command"])
    assert "sdm db upgrade" in command and "sdm data load" in command
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
    for name in ("app", "migrate"):
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


def test_the_postgres_client_matches_the_server_version(
    compose: dict[str, Any], dockerfile: str
) -> None:
    """pg_dump refuses to dump a server newer than itself."""
    server_major = compose["services"]["db"]["image"].split(":")[1].split(".")[0]
    assert f"ARG PG_MAJOR={server_major}" in dockerfile
    assert "postgresql-client-${PG_MAJOR}" in dockerfile


def test_the_image_has_templates_static_files_migrations_and_data(dockerfile: str) -> None:
    copied = " ".join(instructions(dockerfile, "COPY"))
    for path in ("app", "templates", "alembic", "alembic.ini", "drugdata"):
        assert re.search(rf"(^|\s){re.escape(path)}\s", copied), path
    assert (ROOT / "app" / "static").is_dir(), "static files ship inside app/"
    dockerignore = (ROOT / ".dockerignore").read_text().split()
    assert not {"app", "templates", "alembic", "drugdata"} & set(dockerignore)
