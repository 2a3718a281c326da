# Two commands for a newcomer: `make demo` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit mutation clean

# The editable install maps the package dxltools.bundled_agents to the top-level agents/
# folder (package-dir in pyproject.toml), so setuptools serves the clone through an import
# hook instead of a plain .pth, and then always emits an "InformationOnly" note ("Please be
# careful with folders in your working directory with the same name as your package"),
# which pip 25+ prints even with --quiet. Here the only folder of that name is the package
# itself: the filter hides exactly that note (its title), no other warning.
EDITABLE_NOTE := ignore:Editable installation.:UserWarning

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	PYTHONWARNINGS='$(EDITABLE_NOTE)' $(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

DEMO_FILE := fixtures/names.dxl
# The servers group the audit suggests (its --json `fix`), read when the demo runs.
DEMO_GROUP = $(shell $(BIN)/dxltools audit $(DEMO_FILE) --json | $(BIN)/python -c \
	'import json, sys; print(json.load(sys.stdin)["fix"]["parameters"]["servers_group"])')
DEMO_RUN = $(BIN)/dxltools run coexistence-readers $(DEMO_FILE) --set servers_group=$(DEMO_GROUP)
DEMO_PAGES := $(CURDIR)/build/demo

demo: $(STAMP)
	@echo "== The Foreign Domain documents of $(DEMO_FILE) (two for BTEx, one per coexistence server):"
	@$(BIN)/dxltools run remove-document-access $(DEMO_FILE) --check -v 2>&1 | sed 's/^/   /' || true
	@echo
	@echo "== dxltools audit, before: who can read each BTEx document, which one each server uses;"
	@echo "== it ends with the command that fixes what it found, the servers group filled in."
	@mkdir -p $(DEMO_PAGES)
	@$(BIN)/dxltools audit $(DEMO_FILE) --html $(DEMO_PAGES)/audit-before.html || true
	@echo
	@echo "== Without servers_group, dxltools run names the groups of the input that qualify:"
	@$(BIN)/dxltools run coexistence-readers $(DEMO_FILE) 2>&1 | sed 's/^/   /' || true
	@echo
	@echo "== dxltools run coexistence-readers with the suggested group ($(DEMO_GROUP)): strip"
	@echo "== DocumentAccess, one readers item per server. The diff (the fixture itself is not touched):"
	@$(DEMO_RUN) --diff -v
	@echo
	@echo "== dxltools audit --after coexistence-readers: the same audit of the result (nothing written)."
	@$(BIN)/dxltools audit $(DEMO_FILE) --after coexistence-readers --set servers_group=$(DEMO_GROUP) --html $(DEMO_PAGES)/audit-after.html
	@echo
	@echo "== Failover, before the fix: DominoCoex2 (the newest document's server) down."
	@$(BIN)/dxltools audit $(DEMO_FILE) --down DominoCoex2/Acme | sed -n '/^  with /,/^  failover: /p' || true
	@echo "== and the verdict for the loss of each coexistence server in turn:"
	@$(BIN)/dxltools audit $(DEMO_FILE) | grep '^  failover: ' || true
	@echo
	@echo "== Failover after coexistence-readers: DominoCoex2 down, then the verdict."
	@$(BIN)/dxltools audit $(DEMO_FILE) --down DominoCoex2/Acme --after coexistence-readers --set servers_group=$(DEMO_GROUP) | sed -n '/^  with /,/^  failover: /p'
	@$(BIN)/dxltools audit $(DEMO_FILE) --after coexistence-readers --set servers_group=$(DEMO_GROUP) | grep '^  failover: '
	@echo
	@echo "== The before and after audits as pages (--html): open them in a browser, no network needed."
	@echo "   before the fix: $(DEMO_PAGES)/audit-before.html"
	@echo "   after the fix:  $(DEMO_PAGES)/audit-after.html"

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
