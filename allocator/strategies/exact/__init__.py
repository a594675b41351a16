"""Exact engines: the CP-SAT model of the whole day, and CP-SAT moves on a few groups."""
