"""Text from the input, made harmless on a terminal.

Names, ids and messages quoting them reach the organiser's terminal; a control or
bidirectional character there could clear the screen, set the window title, forge a
line or reverse one. Every line the command line prints goes through `neutral`.
"""

from __future__ import annotations

import re

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_SUSPECT = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029\\ud800-\\udfff{BIDI_CONTROLS}]")


_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escaped(match: re.Match[str]) -> str:
    code = ord(match[0])
    if match[0] in _SHORT:
        return _SHORT[match[0]]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def neutral(text: str) -> str:
    """The text with control (C0, DEL, C1), line-separator, bidirectional-control and lone
    surrogate characters shown as escapes (`\\n`, `\\x1b`, `\\u202e`): one line, as written."""
    return _SUSPECT.sub(_escaped, text)
