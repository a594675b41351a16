"""Reading JSON input with located errors, and writing files all-or-nothing."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from allocator.model.errors import FieldIssue, InputError
from allocator.model.instance import Instance
from allocator.model.validate import parse_instance


def read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([FieldIssue("", f"file not found: {path}", "check the path")]) from None
    except UnicodeDecodeError:
        raise InputError(
            [FieldIssue("", f"{path} is not UTF-8 text", "save the file as UTF-8")]
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            [
                FieldIssue(
                    "",
                    f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
                    "check for a missing comma, quote or bracket there",
                )
            ]
        ) from None


def load_instance(path: str | Path) -> Instance:
    """Read and validate an instance file; raise `InputError` naming the bad fields."""
    return parse_instance(read_json(Path(path)))


def write_files_atomically(directory: Path, contents: Mapping[str, str | bytes]) -> list[Path]:
    """Write every file to a temporary name, then rename each into place: a failure while
    writing leaves no partial file behind. Text is written as UTF-8, bytes as they are."""
    directory.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, text in contents.items():
            handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
            with os.fdopen(handle, "wb") as stream:
                stream.write(text.encode("utf-8") if isinstance(text, str) else text)
            staged.append((temporary, directory / name))
    except BaseException:
        for temporary, _ in staged:
            Path(temporary).unlink(missing_ok=True)
        raise
    for temporary, final in staged:
        os.replace(temporary, final)
    return [final for _, final in staged]
