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
DEMO_PAGES := $(CURDIR)/build/demo
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
	@mkdir -p $(DEMO_PAGES)
	@$(BIN)/dxltools audit $(DEMO_FILE) --html $(DEMO_PAGES)/audit-before.html || true
	@echo
	@echo "== dxltools audit --after coexistence-readers: the same audit of the result (nothing written)."
	@$(BIN)/dxltools audit $(DEMO_FILE) --after coexistence-readers --set servers_group=AcmeMailServers --html $(DEMO_PAGES)/audit-after.html
	@echo
	@echo "== The same two audits as pages (--html): open them in a browser, no network needed."
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

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
