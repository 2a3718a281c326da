# Two commands for a newcomer: `make demo` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit mutation clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

DEMO_FILE := fixtures/names.dxl
DEMO_RUN := $(BIN)/dxltools run coexistence-readers $(DEMO_FILE) --set servers_group=AcmeMailServers

demo: $(STAMP)
	@echo "== The Foreign Domain documents of $(DEMO_FILE) (two for BTEx, one per coexistence server):"
	@$(BIN)/dxltools run remove-document-access $(DEMO_FILE) --check -v 2>&1 | sed 's/^/   /' || true
	@echo
	@echo "== dxltools run coexistence-readers: strip DocumentAccess, one readers item per server."
	@echo "== The diff of what it changes (the fixture itself is not touched):"
	@$(DEMO_RUN) --diff -v
	@echo
	@echo "== dxltools audit, before: who can read each BTEx document, which one each server uses."
	@$(BIN)/dxltools audit $(DEMO_FILE) || true
	@echo
	@echo "== dxltools audit --after coexistence-readers: the same audit of the result (nothing written)."
	@$(BIN)/dxltools audit $(DEMO_FILE) --after coexistence-readers --set servers_group=AcmeMailServers

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit

# Mutation testing of the edit, splice, render, verify and access code ([tool.mutmut]
# in pyproject.toml): slow, so neither in `make test` nor in CI. Derandomised
# hypothesis (the short `mutation` profile of tests/conftest.py) so a mutant is killed or not on every run alike.
MUTATION_STAMP := $(VENV)/.mutation-installed
$(MUTATION_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,mutation]'
	touch $(MUTATION_STAMP)

mutation: $(MUTATION_STAMP)
	DXLTOOLS_MUTATION=1 DXLTOOLS_SHARED=$(abspath ../shared) $(BIN)/mutmut run --max-children $(or $(JOBS),1)
	$(BIN)/mutmut results

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis mutants
