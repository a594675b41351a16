"""Reasoning by counting, before and beside any search: infeasibility proofs and lower bounds."""
