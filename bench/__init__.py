"""Benchmarks: each script prints a table and one JSON line of figures beside same-run baselines."""
