# The two README commands: `make run` and `make test`. Everything else is a step of theirs.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test test-sqlite test-postgres install translations messages bench bench-signing bench-workflow bench-audit clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

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

run: install
	$(BIN)/docflow init
	$(BIN)/docflow demo
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

clean:
	rm -rf $(VENV) var
