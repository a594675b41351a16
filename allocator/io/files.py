"""Reading JSON input with located errors, and writing files all-or-nothing."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from allocator.io import interrupts
from allocator.model.errors import FieldIssue, InputError
from allocator.model.instance import Instance
from allocator.model.limits import MAX_DEPTH, MAX_ISSUES, excerpt, max_input_megabytes
from allocator.model.validate import json_path, parse_instance


def input_limit() -> int:
    """The input cap in bytes: 100 MB unless ALLOCATOR_MAX_INPUT_MB says otherwise."""
    return int(max_input_megabytes() * 2**20)


def input_too_large(source: str) -> InputError:
    """The error for an input past the cap, naming the file (a path, or an upload's name)."""
    return _file_issue(
        f"{source} is larger than {max_input_megabytes():g} MB, the input limit",
        "a day's instance is far smaller: check the file (the limit is set by the"
        " ALLOCATOR_MAX_INPUT_MB variable)",
    )


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refused past the input cap (100 MB unless configured) without
    reading further: `/dev/zero` or a runaway export must not fill the memory."""
    limit = input_limit()
    try:
        with path.open("rb") as stream:
            data = stream.read(limit + 1)
    except FileNotFoundError:
        raise _file_issue(f"file not found: {path}", "check the path") from None
    except IsADirectoryError:
        raise _file_issue(f"{path} is a folder, not a file", "give the file's path") from None
    except OSError as exc:
        raise _file_issue(f"cannot read {path}: {exc.strerror}", "check the path") from None
    if len(data) > limit:
        raise input_too_large(str(path))
    return data


def _file_issue(message: str, hint: str) -> InputError:
    return InputError([FieldIssue("", message, hint)])


class _Keys(dict):
    """A JSON object that gave some keys twice (JSON keeps the last one silently: a second,
    empty `"constraints": {}` would drop every rule written before it)."""

    repeated: tuple[str, ...] = ()


def _object(marked: list[_Keys], pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) == len(pairs):
        return found
    seen: set[str] = set()
    repeated = _Keys(pairs)
    repeated.repeated = tuple(k for k, _ in pairs if k in seen or seen.add(k))
    marked.append(repeated)
    return repeated


def read_json(path: Path) -> Any:
    """The JSON value of a file: UTF-8 (a BOM is allowed), objects without repeated keys;
    `InputError` says where it is not."""
    return json_value(read_bytes(path), str(path))


def json_value(data: bytes, source: str) -> Any:
    """The JSON value of bytes read from `source` (named in the errors, as `read_json` names
    its file): UTF-8 (a BOM is allowed), objects without repeated keys."""
    if len(data) > input_limit():
        raise input_too_large(source)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_issue(
            f"{source} is not UTF-8 text (byte {exc.start})", "save the file as UTF-8"
        ) from None
    marked: list[_Keys] = []
    try:
        value = json.loads(text, object_pairs_hook=functools.partial(_object, marked))
    except json.JSONDecodeError as exc:
        raise _file_issue(
            f"{source} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            "check for a missing comma, quote or bracket there",
        ) from None
    except RecursionError:
        raise _file_issue(
            f"{source} is nested deeper than {MAX_DEPTH} levels", "check the brackets"
        ) from None
    if marked:
        raise InputError(_repeated_keys(value)[:MAX_ISSUES])
    return value


def _repeated_keys(value: Any) -> list[FieldIssue]:
    """Every object that gave a key twice, by path, in the order of the text."""
    issues = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
    while stack:
        item, loc = stack.pop()
        if isinstance(item, dict):
            issues.extend(
                FieldIssue(
                    json_path(loc),
                    f"the key `{excerpt(key)[1:-1]}` is given twice in this object",
                    "JSON keeps only the last one: merge the two",
                )
                for key in getattr(item, "repeated", ())
            )
            stack.extend((v, (*loc, k)) for k, v in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((v, (*loc, k)) for k, v in reversed(list(enumerate(item))))
    return issues


def load_instance(path: str | Path) -> Instance:
    """Read and validate an instance file; raise `InputError` naming the bad fields."""
    return parse_instance(read_json(Path(path)))


def instance_from_bytes(data: bytes, source: str = "instance.json") -> Instance:
    """An instance JSON held in memory (an upload), checked as `load_instance` checks a file,
    its errors naming `source`."""
    return parse_instance(json_value(data, source))


MANIFEST = ".allocate-manifest.json"
"""The files a run wrote into its output folder, with their SHA-256: the next run may
replace or remove those (unchanged since), and touches nothing else there."""


def write_files_atomically(
    directory: str | Path, contents: Mapping[str, str | bytes]
) -> list[Path]:
    """Write every file to a temporary name, then rename each into place: a failure or an
    interrupt while writing leaves no file behind, temporary or not. Text is written as
    UTF-8, bytes as they are; files take the user's umask."""
    directory = Path(directory)
    encoded = {name: _encoded(text) for name, text in contents.items()}
    _make_folder(directory)
    staged: list[Path] = []
    try:
        for name, data in encoded.items():
            staged.append(_stage(directory, name, data))
    except BaseException:
        interrupts.discard(staged)
        raise
    with interrupts.committing():
        for temporary, name in zip(staged, encoded, strict=True):
            os.replace(temporary, directory / name)
    return [directory / name for name in encoded]


def _encoded(text: str | bytes) -> bytes:
    return text.encode("utf-8") if isinstance(text, str) else text


def _make_folder(directory: Path) -> None:
    """Create the folder and its missing parents, each registered for removal on failure."""
    missing = [p for p in [directory, *directory.parents] if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir()
        interrupts.add_folder(folder)


def _stage(directory: Path, name: str, data: bytes) -> Path:
    """The data in a temporary file beside its final name, registered before it exists."""
    handle, path = interrupts.temporary_file(directory, name)
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
        os.fchmod(stream.fileno(), 0o666 & ~_umask())
    return path


def _umask() -> int:
    """The process's umask (mkstemp creates files readable by their owner only)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class OutputFolder:
    """The folder a solve writes to, checked before the solve: it can be written, and the
    files to write replace only files an earlier run recorded in the folder's manifest
    (unchanged since). Writing then replaces those, removes the earlier run's other files
    (unchanged, and not an input of this run) and records the new manifest. Errors name
    the folder as `option` (the command line's `--out`, a library call's argument)."""

    def __init__(
        self, path: Path, names: list[str], inputs: list[Path], option: str = "--out"
    ) -> None:
        self.path = path
        self.inputs = [p.resolve() for p in inputs]
        self.earlier = _read_manifest(path / MANIFEST)
        _check_writable(path, option)
        clashes = [
            name
            for name in [*names, MANIFEST]
            if (path / name).exists() and not self._earlier_own(name)
        ]
        if clashes:
            shown = ", ".join(clashes[:5])
            raise InputError(
                [
                    FieldIssue(
                        option,
                        f"{path} holds {shown}, not written by an earlier run of allocate"
                        " (or changed since): they would be replaced",
                        f"move them away, or choose another {option} folder",
                    )
                ]
            )

    def _earlier_own(self, name: str) -> bool:
        """Written here by an earlier run and unchanged since (a manifest is always ours)."""
        target = self.path / name
        if name == MANIFEST:
            return not target.is_symlink() and target.is_file()
        recorded = self.earlier.get(name)
        return (
            recorded is not None
            and not target.is_symlink()
            and target.is_file()
            and _digest(target.read_bytes()) == recorded
        )

    def write(self, contents: Mapping[str, str | bytes]) -> list[Path]:
        """Every file at once, the manifest among them, then the earlier run's leftovers go."""
        encoded = {name: _encoded(text) for name, text in contents.items()}
        manifest = {name: _digest(data) for name, data in encoded.items()}
        record = json.dumps({"written_by": "allocate", "files": manifest}, indent=2) + "\n"
        written = write_files_atomically(self.path, {**encoded, MANIFEST: record})
        for name in self.earlier.keys() - encoded.keys():
            target = self.path / name
            if self._earlier_own(name) and target.resolve() not in self.inputs:
                target.unlink()
        return written[:-1]


def _read_manifest(path: Path) -> dict[str, str]:
    """Plain file names and digests of a manifest; anything else in it is ignored."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
    except (OSError, ValueError, TypeError, KeyError, RecursionError):
        return {}
    if not isinstance(files, dict):
        return {}
    return {
        name: digest
        for name, digest in files.items()
        if isinstance(digest, str)
        and name not in ("", ".", "..", MANIFEST)
        and Path(name).name == name
        and "\\" not in name
    }


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_writable(path: Path, option: str) -> None:
    """Refuse before the solve a folder that cannot be written: a file in the way, a
    read-only file system, a parent without write access."""
    try:
        existing = next(p for p in [path, *path.parents] if p.exists())
        if not existing.is_dir():
            raise NotADirectoryError(f"{existing} is a file, not a folder")
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        problem = f"cannot write into {path}: {exc.strerror or exc}"
        raise InputError(
            [FieldIssue(option, problem, "choose a folder you can write to")]
        ) from None
