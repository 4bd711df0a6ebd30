# The two README commands: `make run` and `make test`. Everything else is a step of theirs.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: lock run test test-sqlite test-postgres install translations messages bench bench-signing bench-workflow bench-audit bench-kdf clean

# The environment is built from the lock only (hash-checked, no resolving): the build tools first, then every
# runtime and test dependency, then docflow itself without its dependencies. A changed lock rebuilds .venv from
# scratch, so nothing installed by an earlier lock lingers. PIP_CONFIG_FILE=/dev/null: a machine-wide pip
# configuration (extra indexes, constraints) must not change what is installed.
LOCK_PIP := PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 $(BIN)/python -m pip install --quiet --require-hashes --no-deps

$(STAMP): requirements.txt requirements-build.txt pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(LOCK_PIP) -r requirements-build.txt
	$(LOCK_PIP) -r requirements.txt
	PIP_CONFIG_FILE=/dev/null $(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --no-index -e .
	touch $(STAMP)

# Refresh the lock deliberately (README, "Dependencies"): keeps every pin that still satisfies pyproject.toml;
# LOCK_ARGS=--upgrade moves everything to the newest release, LOCK_ARGS="--upgrade-package NAME" one package.
PIP_TOOLS_VERSION := 7.7.0
LOCK_VENV := var/lock-venv
COMPILE := PIP_CONFIG_FILE=/dev/null $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_ARGS)

lock:
	test -x $(LOCK_VENV)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_VENV) && PIP_CONFIG_FILE=/dev/null $(LOCK_VENV)/bin/pip install --quiet pip-tools==$(PIP_TOOLS_VERSION); }
	$(COMPILE) --output-file requirements-build.txt requirements-build.in
	$(COMPILE) --extra test --output-file requirements.txt pyproject.toml
	$(PYTHON) tools/lock.py stamp

# Byte-compile docflow too: pip compiles the libraries it installs, but not an editable checkout, and with
# PYTHONDONTWRITEBYTECODE set every `docflow` command would compile its modules again at start-up.
install: $(STAMP) translations
	$(BIN)/python -m compileall -q docflow

translations: $(STAMP)
	$(BIN)/pybabel compile -d docflow/translations

# Re-extract every translatable string and merge it into the catalogues (for developers).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k lazy_gettext --no-location --sort-output -o docflow/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i docflow/translations/messages.pot -d docflow/translations

# `make run WARDS=3`: the province demo (three wards in one deployment, accounts w2.… and w3.…).
WARDS ?= 1
run: install
	$(BIN)/docflow init
	$(BIN)/docflow demo --wards $(WARDS)
	$(BIN)/docflow run --host 127.0.0.1 --port 5000

# Both databases always run; the target fails if either does.
test: install
	@sqlite=0; postgres=0; \
	$(MAKE) --no-print-directory test-sqlite || sqlite=$$?; \
	$(MAKE) --no-print-directory test-postgres || postgres=$$?; \
	echo "SQLite suite exit $$sqlite, PostgreSQL suite exit $$postgres"; \
	test $$sqlite -eq 0 -a $$postgres -eq 0

test-sqlite:
	DOCFLOW_TEST_DATABASE_URL=sqlite $(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

test-postgres:
	DOCFLOW_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Signing and verification against bare pyHanko (figures: bench/SIGNING.md); BENCH_ARGS=--quick halves it.
bench-signing: install
	$(BIN)/python -m bench.signing_suite $(BENCH_ARGS)

# Work-queue pages and issuing on 100,000 documents + 300,000 assignments (figures: bench/WORKFLOW.md).
bench-workflow: install
	$(BIN)/python -m bench.workflow $(BENCH_ARGS)

# The audit log at 1,000,000 events: verify vs a hashlib loop, export memory, offline verify (figures: bench/AUDIT.md).
bench-audit: install
	$(BIN)/python -m bench.audit $(BENCH_ARGS)

# The cost of one PIN guess under the key-wrapping KDF (figures: bench/KDF.md).
bench-kdf: install
	$(BIN)/python -m bench.kdf $(BENCH_ARGS)

# The dashboard (/dashboard) for every role on 100,000 documents + 300,000 assignments (figures: bench/DASHBOARD.md).
.PHONY: bench-dashboard
bench-dashboard: install
	$(BIN)/python -m bench.dashboard $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var

# OCR throughput of the background worker against bare tesseract on the same pages (figures: bench/OCR.md).
.PHONY: bench-ocr bench-search
bench-ocr: install
	$(BIN)/python -m bench.ocr $(BENCH_ARGS)
# Full-text search at 100,000 documents × 10 pages on both databases, against the bare SQL (figures: bench/SEARCH.md).
bench-search: install
	$(BIN)/python -m bench.search $(BENCH_ARGS)

# Backup and restore time and peak memory at 10k/30k/100k documents with 100k/300k/1M audit events, against the
# bare sqlite3 backup API / pg_dump (figures: bench/BACKUP.md); BENCH_ARGS="--db both" adds PostgreSQL.
.PHONY: bench-backup
bench-backup: install
	$(BIN)/python -m bench.backup $(BENCH_ARGS)

# `docflow import` of 10,000 and 20,000 documents against pypdf + one INSERT per row (figures: bench/IMPORT.md);
# BENCH_ARGS="--sizes 100000" for the full size, "--db both" adds PostgreSQL.
.PHONY: bench-import
bench-import: install
	$(BIN)/python -m bench.importing $(BENCH_ARGS)

# schemathesis against /api/v1 with many examples per operation, on both databases (`make test` runs 8 each).
API_EXAMPLES ?= 300
.PHONY: test-api-deep
test-api-deep: install
	DOCFLOW_API_EXAMPLES=$(API_EXAMPLES) DOCFLOW_TEST_DATABASE_URL=sqlite $(BIN)/pytest -p no:cacheprovider tests/api/test_schemathesis.py
	DOCFLOW_API_EXAMPLES=$(API_EXAMPLES) DOCFLOW_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -p no:cacheprovider tests/api/test_schemathesis.py
# The province load test (issue 16 §4): 100 wards × 30 Locust users against 1 then 2 app processes behind nginx on
# PostgreSQL (its own Locust venv, bench/.venv-load; figures: bench/LOAD.md). GEN_ARGS=--fresh rebuilds the data.
.PHONY: bench-load
bench-load: install
	bench/load/run.sh
