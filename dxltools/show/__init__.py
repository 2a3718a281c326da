"""Summaries of notes for `dxltools show`."""
