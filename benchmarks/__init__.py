"""Benchmarks: strategies side by side on the shipped instances."""
