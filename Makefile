# Choosewell: the single entry point. `make run` and `make test` work on a fresh
# machine with Python 3.11+, make and apt.
VENV    ?= .venv
BIN     := $(VENV)/bin
PORT    ?= 8000
PYTHON  ?= python3

.PHONY: install install-dev lock run migrate load image test test-sqlite test-postgres check fix clean translations fuzz bench bench-abuse bench-floor bench-pdf bench-page screenshots

# Installs come from the lock files in requirements/ (exact versions, every file's hash
# checked): app.txt is what the service runs; dev.txt adds the test, lint, browser and
# fuzz extras. `make run` installs app.txt only; `make lock` refreshes both. uv installs
# them (requirements/uv.txt, itself installed by pip from its own lock): on a new venv it
# installs dev.txt in about 7 s, where pip took about 25 s (docs/adr/0017).
UV := $(BIN)/uv
UV_INSTALL := $(UV) pip install --quiet --python $(BIN)/python

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed; installing python3-venv with apt" >&2; \
	  apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null && $(PYTHON) -m venv $(VENV); }

$(UV): requirements/uv.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements/uv.txt
	@touch $@

# SKIP_PDF_LIBS=1 skips the PDF libraries' check: .ci/run installs them, with the other
# system packages, in the background meanwhile.
$(VENV)/.installed-app: requirements/app.txt pyproject.toml $(UV)
	@[ -n "$(SKIP_PDF_LIBS)" ] || scripts/ensure-pdf-libs
	$(UV_INSTALL) --require-hashes -r requirements/app.txt
	$(UV_INSTALL) --no-deps -e .
	@touch $@

$(VENV)/.installed-dev: requirements/dev.txt $(VENV)/.installed-app
	$(UV_INSTALL) --require-hashes -r requirements/dev.txt
	@touch $@

install: $(VENV)/.installed-app

install-dev: $(VENV)/.installed-dev

# Re-resolve pyproject.toml's dependencies to the newest versions its floors allow and
# write both lock files, with hashes, for Python 3.11 and newer on any platform; and
# uv.txt, the installer itself at UV_VERSION.
UV_VERSION ?= 0.13.9
lock: $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	echo "uv==$(UV_VERSION)" | $(BIN)/uv pip compile - --universal --generate-hashes \
	  --python-version 3.11 -q -o requirements/uv.txt
	$(BIN)/uv pip compile pyproject.toml --universal --generate-hashes --python-version 3.11 \
	  -q -o requirements/app.txt
	$(BIN)/uv pip compile pyproject.toml --universal --generate-hashes --python-version 3.11 \
	  --extra test --extra lint --extra browser --extra fuzz -q -o requirements/dev.txt

migrate: install
	$(BIN)/sdm db upgrade

# The first load publishes the bundled drugdata/; later, changed files open a draft for
# review (by `system`), never a new version: `sdm data load` publishes on purpose.
load: migrate
	$(BIN)/sdm data seed --note "bundled drugdata"

# --no-proxy-headers: nothing stands in front of `make run`, so X-Forwarded-For from
# 127.0.0.1 (uvicorn trusts it by default) would let any local program pick the client
# address that login throttling counts. --timeout-keep-alive 5: idle connections close.
run: load
	$(BIN)/uvicorn --factory app.main:create_app --host 127.0.0.1 --port $(PORT) \
	  --no-proxy-headers --timeout-keep-alive 5

# The application image, in Docker's image format: the OCI format has no HEALTHCHECK, so
# podman and buildah (OCI by default) would drop the image's health check, which
# compose.yaml waits on. Uses docker if its daemon answers, else podman, else buildah.
IMAGE ?= choosewell:latest
image:
	@if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then \
	  build="docker build"; \
	elif command -v podman >/dev/null 2>&1; then \
	  build="podman build --format docker"; \
	elif command -v buildah >/dev/null 2>&1; then \
	  build="buildah bud --format docker"; \
	else \
	  echo "make image needs docker (with its daemon running), podman or buildah" >&2; exit 1; \
	fi; \
	echo "$$build -t $(IMAGE) ."; $$build -t $(IMAGE) .

# The whole suite on SQLite, then again on a real, throwaway PostgreSQL.
test: install-dev
	scripts/run-tests

test-sqlite: install-dev
	$(BIN)/pytest

test-postgres: install-dev
	scripts/run-tests --postgres-only

# Schemathesis against the app's own OpenAPI schema, long: FUZZ_EXAMPLES (1000) examples
# per operation and FUZZ_WORKFLOWS (300) stateful sequences of calls, with a random seed
# (printed; pass FUZZ_SEED=N to repeat a run). The normal test run does the same with 25
# derandomized examples and 20 sequences.
FUZZ_EXAMPLES ?= 1000
FUZZ_WORKFLOWS ?= 300
fuzz: install-dev
	@seed=$${FUZZ_SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}; \
	echo "fuzz: $(FUZZ_EXAMPLES) examples per operation, seed $$seed (FUZZ_SEED=$$seed repeats it)"; \
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_WORKFLOWS=$(FUZZ_WORKFLOWS) FUZZ_RANDOM=1 $(BIN)/pytest -q -p no:cacheprovider \
	  --hypothesis-seed=$$seed tests/fuzz

# Throughput, latency, PDF time, tablet page weight and the ranking core, in one run on a
# temporary database; writes bench/results.json (see docs/performance.md). Then the abuse
# run (bench-abuse).
bench: install-dev
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.abuse

# 200 tablet submissions in 10 s from one client, with a clinician logging in alongside:
# how many got 429, and the login's latency against an idle one; writes bench/abuse.json.
bench-abuse: install-dev
	$(BIN)/python -m bench.abuse

# The cheapest page that still reads the staff session and the consultation (and records
# the read) per request, against /healthz, /readyz and the real pages; writes
# bench/floor.json (docs/performance.md).
bench-floor: install-dev
	$(BIN)/python -m bench.floor

# What each part of the discussion sheet costs the PDF's layout: the bench's sheet laid
# out whole and with each part left out, interleaved; prints a table (docs/performance.md).
bench-pdf: install-dev
	$(BIN)/python -m bench.pdf_parts

# What each part of the clinician page and the sheet HTML costs, in process through ASGI,
# against /readyz; prints a table (docs/performance.md).
bench-page: install-dev
	$(BIN)/python -m bench.page_parts

# PNGs of the tablet pages, the clinician pages and the discussion sheet at
# 1024x768, in docs/screenshots/, from Debian's chromium (its headless shell) on a
# temporary database.
screenshots: install-dev
	scripts/ensure-browser
	$(BIN)/python scripts/screenshots.py

check: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app tests
	$(BIN)/lint-imports

fix: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-extract every _("...") from app/ and templates/ (see babel.cfg) and merge it into
# each catalogue, keeping existing translations. New strings arrive untranslated, and
# tests/unit/test_translations.py fails until someone translates them. Idempotent.
POT := app/translations/messages.pot
translations: install-dev
	$(BIN)/pybabel extract -F babel.cfg --ignore-dirs=".* __pycache__" --no-location \
	  --sort-output --omit-header --no-wrap -o $(POT) .
	$(BIN)/pybabel update -i $(POT) -d app/translations -l nb --init-missing --no-wrap \
	  --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date

clean:
	rm -rf $(VENV) choosewell.db choosewell.db-wal choosewell.db-shm .pytest_cache .mypy_cache
