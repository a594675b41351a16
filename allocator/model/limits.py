"""What no real day needs, refused before anything is built (README: input limits).

A careless or hostile file must not crash the engine, exhaust the machine or slip a
meaning past it; each limit here is far above the largest day the users describe.
"""

from __future__ import annotations

import os

MAX_INPUT_MB_VARIABLE = "ALLOCATOR_MAX_INPUT_MB"
DEFAULT_MAX_INPUT_MB = 100
"""The one cap an embedding (the web page) may set for itself, through the variable above."""

MAX_DEPTH = 64
"""JSON nesting: an instance needs six levels."""
MAX_TEXT = 10_000
"""Characters in any text (an id, a name, a key)."""
MAX_NUMBER = 10**9
"""Magnitude of any number (sizes, caps, attributes, ratios)."""
MAX_WEIGHT = 10**6
WEIGHT_DECIMALS = 6
"""A weight or a pair's number: at most this large and this many decimals, so that every
weighted sum is held exactly by the solvers' integer scaling."""
MAX_ROUNDS = 100_000
MAX_GROUPS = 100_000
"""Groups over the whole day, a `same_groups_as` round counting those it copies."""
MAX_CELLS = 10_000_000
"""Participants × rounds: every per-seat array of the engine has this many entries."""
MAX_SEED = 2**31 - 1
MIN_SECONDS, MAX_SECONDS = 0.1, 1e6
MAX_ISSUES = 50
"""Problems reported at once; a 50 MB file of mistakes gets the first ones and a count."""
EXCERPT = 60
"""Characters of a bad value echoed in a message."""


def max_input_megabytes() -> float:
    """The input file cap: 100 MB unless ALLOCATOR_MAX_INPUT_MB says otherwise."""
    text = os.environ.get(MAX_INPUT_MB_VARIABLE, "")
    try:
        megabytes = float(text) if text else DEFAULT_MAX_INPUT_MB
    except ValueError:
        return DEFAULT_MAX_INPUT_MB
    return megabytes if 0 < megabytes < 1e6 else DEFAULT_MAX_INPUT_MB


def excerpt(value: object, width: int = EXCERPT) -> str:
    """A short `repr` of a value for a message: a 50 MB name is not echoed whole."""
    text = repr(value)
    if len(text) <= width:
        return text
    size = len(value) if isinstance(value, str) else len(text)
    return f"{text[: width - 1]}… ({size:,} characters)"


def named(text: object) -> str:
    """An id or key in backquotes, as messages name them, or an excerpt when it is long or
    not a text."""
    return f"`{text}`" if isinstance(text, str) and len(text) <= EXCERPT else excerpt(text)
