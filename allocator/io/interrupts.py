"""Ctrl-C and SIGTERM end a run within a second or two, leaving no file behind.

CP-SAT and the numba searches run compiled code during which Python runs no signal
handler. So the handlers do nothing themselves: the signal's number reaches a pipe
(`signal.set_wakeup_fd`, written by the C-level handler whatever the main thread is
doing), a watchdog thread reading it removes the temporary files and folders the writers
registered, and ends the process at once with 130 (SIGINT) or 143 (SIGTERM). Before the
files are written nothing is on disk; once they are all in place, the run is done and
an interrupt changes nothing.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _Pending:
    """Temporary files and new folders of the writes under way, under one lock that a
    commit (the renames) holds from its first rename to its last."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.files: set[Path] = set()
        self.folders: list[Path] = []
        self.committed = False
        self.guarded = False
        """Whether `guard_process` installed the handlers in this process (the CLI does)."""


PENDING = _Pending()


def temporary_file(directory: Path, name: str) -> tuple[int, Path]:
    """A new hidden file beside `directory / name`, registered as it is created."""
    with PENDING.lock:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
        PENDING.files.add(Path(temporary))
    return handle, Path(temporary)


def add_folder(path: Path) -> None:
    with PENDING.lock:
        PENDING.folders.append(path)


def discard(paths: list[Path]) -> None:
    """Remove these temporary files now (a failed write) and forget them."""
    with PENDING.lock:
        _remove(paths)


def _remove(files: list[Path]) -> None:
    for path in files:
        path.unlink(missing_ok=True)
        PENDING.files.discard(path)
    for folder in reversed(PENDING.folders):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    PENDING.folders.clear()


@contextmanager
def committing() -> Iterator[None]:
    """The renames that put the files in place: an interrupt waits for them to end, and
    once they are done a guarded process ignores interrupts, which would otherwise kill it
    during the interpreter's exit (Python restores the default handlers there) with a
    signal's status although every file is in place."""
    with PENDING.lock:
        yield
        PENDING.files.clear()
        PENDING.folders.clear()
        PENDING.committed = True
    if PENDING.guarded and threading.current_thread() is threading.main_thread():
        for number in SIGNALS:
            signal.signal(number, signal.SIG_IGN)


def abandon() -> bool:
    """Remove everything pending; False when the files were already committed."""
    with PENDING.lock:
        if PENDING.committed:
            return False
        _remove(list(PENDING.files))
        return True


def guard_process() -> None:
    """Install the handlers and the watchdog (from the main thread, once per process)."""
    PENDING.guarded = True
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    for number in SIGNALS:
        signal.signal(number, _wake_only)
    threading.Thread(target=_watch, args=(read_end,), daemon=True, name="interrupts").start()


def _wake_only(number: int, frame: object) -> None:
    """The watchdog does the work; the main thread only carries on until it does."""


def _watch(read_end: int) -> None:
    while data := os.read(read_end, 1):
        number = data[0]
        if number in SIGNALS and abandon():
            name = signal.Signals(number).name
            os.write(2, f"\ninterrupted ({name}): nothing was written\n".encode())
            os._exit(128 + number)
