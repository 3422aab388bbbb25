"""Benchmarks: engine, load, replay and fuzzing; each prints its figures (see RESULTS.md)."""
