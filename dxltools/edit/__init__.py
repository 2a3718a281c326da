"""Pure edits and their bytes: changes, edits, render, splice, and verify (the re-parse check)."""
