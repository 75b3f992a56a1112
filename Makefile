# casework: `make run` starts the service with demo data; `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
export CASEWORK_DATABASE ?= var/casework.sqlite

.PHONY: run test test-deep lint typecheck contracts unit browser-deps bench clean demo-token

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "casework needs Python 3.11+")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -qq --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	@mkdir -p var
	@echo "casework on http://127.0.0.1:8000  (API docs: /docs, pages: /)"
	@echo "Sign in on the page as a demo user, or get an API token with e.g.:"
	@echo "  $(BIN)/casework token --user pc.jones --role officer --agency herts-police"
	@echo "then: curl -H \"Authorization: Bearer \$$TOKEN\" http://127.0.0.1:8000/api/cases"
	CASEWORK_DEMO_DATA=$${CASEWORK_DEMO_DATA-small} $(BIN)/casework serve

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy domain application projections adapters bench

contracts: $(STAMP)
	$(BIN)/lint-imports

browser-deps:
	bash scripts/ensure-chromium

test: $(STAMP) lint typecheck contracts browser-deps
	$(BIN)/pytest -q -n 2 --dist loadgroup

test-deep: $(STAMP)
	HYPOTHESIS_PROFILE=deep $(BIN)/pytest -q -n 2 --dist loadgroup

bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
