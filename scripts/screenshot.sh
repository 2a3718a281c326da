#!/usr/bin/env bash
# Make the README's screenshot of `dxltools audit --html` (docs/audit-page.png) the way
# tests/test_audit_html_browser.py renders the page: headless Chromium, offline (every
# host name resolves to nothing, and the page must request nothing), 1280 px wide.
# Usage: scripts/screenshot.sh [OUT.png]   (run `make demo` or `make test` once first)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
out=${1:-docs/audit-page.png}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The demo's export before the fix: exit 1 (problems found) is expected.
"$BIN/dxltools" audit fixtures/names.dxl --html "$scratch/audit.html" >/dev/null || [ $? -eq 1 ]
"$BIN/python" -m tests.browser "$scratch/audit.html" "$out" --width 1280 --height 1240
