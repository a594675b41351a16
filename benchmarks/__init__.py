"""Benchmarks: strategies side by side on named suites of instances (`python -m benchmarks`)."""
