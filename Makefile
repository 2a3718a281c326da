# Two commands for a newcomer: `make demo` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

DEMO_FILE := fixtures/names.dxl
# The servers group the audit suggests (its --json `fix`), read when the demo runs.
DEMO_GROUP = $(shell $(BIN)/dxltools audit $(DEMO_FILE) --json | $(BIN)/python -c \
	'import json, sys; print(json.load(sys.stdin)["fix"]["parameters"]["servers_group"])')
DEMO_RUN = $(BIN)/dxltools run coexistence-readers $(DEMO_FILE) --set servers_group=$(DEMO_GROUP)

demo: $(STAMP)
	@echo "== The Foreign Domain documents of $(DEMO_FILE) (two for BTEx, one per coexistence server):"
	@$(BIN)/dxltools run remove-document-access $(DEMO_FILE) --check -v 2>&1 | sed 's/^/   /' || true
	@echo
	@echo "== dxltools audit, before: who can read each BTEx document, which one each server uses;"
	@echo "== it ends with the command that fixes what it found, the servers group filled in."
	@$(BIN)/dxltools audit $(DEMO_FILE) || true
	@echo
	@echo "== Without servers_group, dxltools run names the groups of the input that qualify:"
	@$(BIN)/dxltools run coexistence-readers $(DEMO_FILE) 2>&1 | sed 's/^/   /' || true
	@echo
	@echo "== dxltools run coexistence-readers with the suggested group ($(DEMO_GROUP)): strip"
	@echo "== DocumentAccess, one readers item per server. The diff (the fixture itself is not touched):"
	@$(DEMO_RUN) --diff -v
	@echo
	@echo "== dxltools audit --after coexistence-readers: the same audit of the result (nothing written)."
	@$(BIN)/dxltools audit $(DEMO_FILE) --after coexistence-readers --set servers_group=$(DEMO_GROUP)

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
