"""Designs: combinatorial constructions of schedules where nobody meets twice, and how one
is fitted to a day."""
