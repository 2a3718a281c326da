"""Benchmarks of dxltools against generic XML tools (see issue: performance)."""
