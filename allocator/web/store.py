"""The days an organiser keeps, each a folder under the data folder: its instance, and its
plans (solved, re-optimised, repaired or edited by hand), every file written whole or not
at all, so a reload, a closed tab or a crash loses nothing.

Folder and file names are made here (a random day id, a plan's number), never taken from
the browser: an id from a URL only selects a folder that matches `DAY_ID` and exists.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

Json = dict[str, Any]
DAY_ID = re.compile(r"[0-9a-f]{16}")
PLAN_FILE = re.compile(r"([1-9][0-9]{0,8})\.json")
DELETED = ".deleted-"
"""A deleted day's folder is renamed to this prefix (no day id matches it), then removed."""


class NotFound(LookupError):
    """No such day or plan (a stale link, or an id no day has)."""


def default_data_dir() -> Path:
    """The user's data folder: $XDG_DATA_HOME/allocator, else ~/.local/share/allocator."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "allocator"


def write_json(path: Path, value: Any) -> None:
    """The JSON text in a temporary file beside `path`, flushed to disk, then renamed over
    it: a reader sees the old file or the new one, never a part. Compact, as only this
    store reads it: json's C encoder writes no indented text, and the Python one took
    about a quarter of the server's time per drag on a 300-person draft (the files one
    downloads are indented by the library)."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NotFound(path.name) from exc


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Store:
    """Days under `root/days/<id>/`: `day.json` (title, source, dates), `instance.json`
    (the day as last saved) and `plans/<n>.json` (a plan with the instance it was made
    for). One lock orders the writes of the whole server."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.days_dir = root / "days"
        self.days_dir.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        for leftover in self.days_dir.glob(f"{DELETED}*"):  # a removal a crash cut short
            shutil.rmtree(leftover, ignore_errors=True)

    def folder(self, day_id: str) -> Path:
        if not DAY_ID.fullmatch(day_id):
            raise NotFound(day_id)
        folder = self.days_dir / day_id
        if not (folder / "day.json").is_file():
            raise NotFound(day_id)
        return folder

    def create(self, instance: Json, source: str, notes: list[str] | None = None) -> str:
        """A new day holding `instance` (already validated); `source` says where it came
        from (an upload's file name, an example), for the list of days only; `notes`, what
        reading a spreadsheet changed or could not tell (shown on the day's page)."""
        with self.lock:
            day_id = secrets.token_hex(8)
            folder = self.days_dir / day_id
            (folder / "plans").mkdir(parents=True)
            write_json(folder / "instance.json", instance)
            stamp = now()
            info = {
                "title": instance.get("name", ""),
                "source": source,
                "notes": notes or [],
                "created": stamp,
            }
            write_json(folder / "day.json", {**info, "changed": stamp})  # last: the day exists
            return day_id

    def days(self) -> list[Json]:
        """Every readable day, the latest changed first, each with its id."""
        found = []
        for folder in self.days_dir.iterdir():
            if DAY_ID.fullmatch(folder.name):
                try:
                    found.append({**_read(folder / "day.json"), "id": folder.name})
                except NotFound:
                    continue
        return sorted(found, key=lambda day: day.get("changed", ""), reverse=True)

    def info(self, day_id: str) -> Json:
        return {**_read(self.folder(day_id) / "day.json"), "id": day_id}

    def instance(self, day_id: str) -> Json:
        return _read(self.folder(day_id) / "instance.json")

    def save_instance(self, day_id: str, instance: Json) -> None:
        with self.lock:
            folder = self.folder(day_id)
            write_json(folder / "instance.json", instance)
            self._touch(folder, title=instance.get("name", ""))

    def _touch(self, folder: Path, **changes: Any) -> None:
        info = _read(folder / "day.json")
        write_json(folder / "day.json", {**info, **changes, "changed": now()})

    def plan_numbers(self, day_id: str) -> list[int]:
        plans = self.folder(day_id) / "plans"
        numbers = (PLAN_FILE.fullmatch(path.name) for path in plans.iterdir())
        return sorted(int(match[1]) for match in numbers if match)

    def plan(self, day_id: str, number: int) -> Json:
        return _read(self.folder(day_id) / "plans" / f"{int(number)}.json")

    def add_plan(self, day_id: str, record: Json) -> int:
        """Store a plan record under the next number, and return that number. A deleted
        plan's number is never given again (`last_plan`): a tab still showing it must not
        change another plan."""
        with self.lock:
            folder = self.folder(day_id)
            last = _read(folder / "day.json").get("last_plan", 0)
            number = max([last, *self.plan_numbers(day_id)]) + 1
            write_json(folder / "plans" / f"{number}.json", {**record, "number": number})
            self._touch(folder, last_plan=number)
            return number

    def save_plan(self, day_id: str, number: int, record: Json) -> None:
        with self.lock:
            folder = self.folder(day_id)
            path = folder / "plans" / f"{int(number)}.json"
            if not path.is_file():
                raise NotFound(str(number))
            write_json(path, {**record, "number": int(number)})
            self._touch(folder)

    def delete_plan(self, day_id: str, number: int) -> None:
        with self.lock:
            folder = self.folder(day_id)
            path = folder / "plans" / f"{int(number)}.json"
            if not path.is_file():
                raise NotFound(str(number))
            path.unlink()
            self._touch(folder)

    def delete(self, day_id: str) -> None:
        """Remove the day and its plans: its folder is first renamed out of sight, so no
        page lists or opens half a day; what a crash leaves is removed at the next start."""
        with self.lock:
            hidden = self.days_dir / f"{DELETED}{day_id}-{secrets.token_hex(4)}"
            self.folder(day_id).rename(hidden)
            shutil.rmtree(hidden, ignore_errors=True)

    def duplicate(self, day_id: str, title: str) -> str:
        """A new day with this day's instance and plans, titled `title`."""
        with self.lock:
            instance = self.instance(day_id)
            copy = self.create({**instance, "name": title}, self.info(day_id).get("source", ""))
            for number in self.plan_numbers(day_id):
                target = self.folder(copy) / "plans" / f"{number}.json"
                write_json(target, self.plan(day_id, number))
            return copy
