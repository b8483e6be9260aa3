# Choosewell application image. Migrations and data loading are separate, one-shot
# steps (the `migrate` service in compose.yaml), never part of the app's start:
#   docker run --rm -e DATABASE_URL=... IMAGE sdm db upgrade
#   docker run --rm -e DATABASE_URL=... IMAGE sdm data seed   # publishes only the first time
#   docker run -e DATABASE_URL=... -e FORWARDED_ALLOW_IPS=<proxy address> IMAGE
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
# Exactly the locked versions, every file's hash checked (requirements/app.txt, made by
# `make lock`), then the app itself with no dependency resolution of its own.
COPY requirements/app.txt ./requirements/app.txt
RUN pip install --no-cache-dir --prefix=/install --require-hashes -r requirements/app.txt
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-cache-dir --prefix=/install --no-deps .

FROM ${PYTHON_IMAGE}
# pg_dump/pg_restore (for `sdm backup` and `sdm restore`) must be the PostgreSQL
# server's major version or newer. They come from Debian's own archive, whose
# postgresql-client is 15 in bookworm (the base image's release), so compose.yaml runs
# postgres:15. Changing the base image's Debian release changes this major: change
# compose.yaml's server with it (tests/unit/test_deployment_files.py checks the two).
ARG PG_MAJOR=15
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SDM_ENV=production \
    PYTHONPATH=/srv/app
# WeasyPrint (the PDF discussion sheet) needs Pango, HarfBuzz's subsetter and a font.
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
        postgresql-client-${PG_MAJOR}; \
    rm -rf /var/lib/apt/lists/*
# /backups belongs to that user, so a new volume mounted there (compose.yaml's
# `backups`, for the scheduler) starts out writable by it and by nobody else.
RUN useradd --system --uid 10001 --home-dir /srv/app choosewell \
    && install -d -o choosewell -g choosewell -m 0700 /backups
WORKDIR /srv/app
COPY --from=build /install /usr/local
# The source tree is used from /srv/app (PYTHONPATH), so `sdm` and uvicorn find
# alembic.ini, drugdata/, templates/ and app/static/ (inside app/) beside it.
COPY app ./app
COPY alembic ./alembic
COPY alembic.ini ./
COPY drugdata ./drugdata
COPY templates ./templates
COPY deploy/scheduler.sh ./deploy/
USER choosewell
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status != 200)"
# --proxy-headers trusts X-Forwarded-For/Proto only from FORWARDED_ALLOW_IPS (uvicorn
# reads that variable; 127.0.0.1 when unset): set it to the reverse proxy's address.
# --timeout-keep-alive 5: an idle connection is closed after 5 s (the proxy in front
# also bounds slow clients: deploy/Caddyfile's timeouts).
CMD ["uvicorn", "--factory", "app.main:create_app", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--timeout-keep-alive", "5"]
