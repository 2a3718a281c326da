"""The page's one inline style sheet."""

# -- style ---------------------------------------------------------------------------------------

# Colours are backed by text, glyphs and patterns, so the page reads in greyscale and
# on paper; system fonts only, nothing is fetched.
STYLE = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  margin: 1.5rem; color: #111; background: #fff; max-width: 100%; }
h1 { font-size: 1.6rem; margin: 0 0 1rem; }
h2 { font-size: 1.3rem; margin: 1.5rem 0 0.5rem; border-bottom: 2px solid #333; }
h3 { font-size: 1.1rem; margin: 1.2rem 0 0.4rem; }
code, .unid { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: 0.9em; overflow-wrap: anywhere; }
code.unid { overflow-wrap: normal; white-space: nowrap; }
table { border-collapse: collapse; margin: 0.4rem 0 1rem; }
caption { text-align: left; font-style: italic; padding: 0.2rem 0; }
th, td { border: 1px solid #888; padding: 0.3rem 0.5rem; vertical-align: top; text-align: left; }
thead th { background: #e8e8e8; }
.scroll { overflow-x: auto; }
.summary { display: flex; flex-wrap: wrap; gap: 0 2.5rem; }
.summary h2 { font-size: 1.1rem; }
dl.totals { display: grid; grid-template-columns: auto auto; gap: 0.1rem 1rem; margin: 0; }
dl.totals dt { font-weight: 600; } dl.totals dd { margin: 0; }
ul.names, ul.items { margin: 0; padding-left: 1.1rem; }
.muted { color: #555; font-style: italic; }
.good { color: #0b5d1e; } .bad { color: #8a1010; font-weight: 600; }
.verdict { font-weight: 600; }
.everyone { color: #8a1010; font-weight: 600; }
.badge { display: inline-block; margin-left: 0.4rem; padding: 0 0.3rem; border: 1px solid #333;
  border-radius: 3px; font-size: 0.8em; font-weight: 600; background: #fff; color: #111; }
.flags { display: block; font-size: 0.85em; font-weight: normal; }
a.flag { color: #8a1010; margin-right: 0.4rem; }
.mark { white-space: nowrap; padding: 0 0.25rem; }
td.cell { text-align: center; min-width: 7rem; }
.cell-primary { background: #1d5c2c; color: #fff; font-weight: 700; }
.cell-sees { background: #bfe0c6; color: #111; }
.cell-hidden { color: #444; font-style: italic;
  background: repeating-linear-gradient(135deg, #fff 0 6px, #e2e2e2 6px 8px); }
td.own { outline: 3px double #111; outline-offset: -4px; }
.own-mark { display: inline-block; margin-left: 0.3rem; padding: 0 0.25rem; font-size: 0.8em;
  border: 1px solid currentColor; border-radius: 3px; font-style: normal; font-weight: 600; }
tr.coexistence > th { background: #f1f1f1; }
td.down { background: repeating-linear-gradient(45deg, #fff 0 5px, #d0d0d0 5px 7px);
  font-weight: 700; text-align: center; }
td.route { min-width: 16rem; }
.what { color: #444; }
ol.problems li { margin: 0.25rem 0; }
.problem .code { font-weight: 700; }
pre { background: #f4f4f4; border: 1px solid #bbb; padding: 0.5rem; overflow-x: auto; }
:target { outline: 3px solid #d08b00; outline-offset: 1px; }
footer { margin-top: 2rem; color: #555; font-size: 0.85em; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
@media print {
  body { margin: 0; font-size: 9pt; }
  .scroll { overflow: visible; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; } tr, li { break-inside: avoid; }
  section.domain { break-before: page; }
  :target { outline: none; }
}
"""
