"""Bytes to notes: the splitter (scan), the note model and safe parser (model), selection."""
