"""The first run after an install against the next ones: a fresh virtual environment with
the project installed (`pip install .`, so numba's cache has nothing and the search kernels
compile), a whole `allocate` run timed there, then the same run again (the kernels load
from the cache); and the cost of `import allocator` plus validating an instance, with the
solvers it loaded.

    python -m benchmarks.first_run [--time-limit 5] [--instances FILE ...] [--examples NAME ...]

By default the README's Partner Day, and a generated 80-person Partner Day
(`allocator.examples.partner_80`), which does not reach its bound in 5 s.

Each run's stderr is a terminal (a pseudo-terminal), as when a person runs it, so the line
announcing the compilation shows; the table gives it. Issue 14's targets: the compilation
happens before the solve's clock starts, so a warm run takes about its limit (less when the
plan reaches its bound) and a cold one that plus the compilation; importing and validating
takes under 0.6 s and loads neither OR-Tools nor numba.
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from allocator import examples

ROOT = Path(__file__).resolve().parents[1]
IMPORT_AND_VALIDATE = (
    "import sys, time; began = time.perf_counter(); import allocator;"
    " allocator.load_instance(sys.argv[1]);"
    " print(round(time.perf_counter() - began, 3),"
    " sorted({'ortools', 'numba'} & {m.split('.')[0] for m in sys.modules}))"
)


def fresh_install(folder: Path) -> Path:
    """A new virtual environment with the project installed as a user installs it; its
    bin folder."""
    subprocess.run([sys.executable, "-m", "venv", str(folder / "venv")], check=True)
    bin_folder = folder / "venv" / "bin"
    subprocess.run(
        [str(bin_folder / "pip"), "install", "-q", str(ROOT)], check=True, capture_output=True
    )
    return bin_folder


def on_a_terminal(command: list[str]) -> tuple[float, int, str]:
    """Wall seconds, exit code and stderr of a command whose stderr is a terminal."""
    reader, writer = pty.openpty()
    heard: list[bytes] = []

    def listen() -> None:
        while True:
            try:
                data = os.read(reader, 4096)
            except OSError:  # the terminal closed
                return
            if not data:
                return
            heard.append(data)

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    began = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=writer)
    seconds = time.perf_counter() - began
    os.close(writer)
    listener.join(timeout=5)
    os.close(reader)
    return seconds, done.returncode, b"".join(heard).decode(errors="replace")


def announced(stderr: str) -> str:
    """The compilation notice among the lines a run wrote on its terminal."""
    plain = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", stderr).replace("\r", "\n")
    lines = [line.strip() for line in plain.splitlines()]
    return next((line for line in lines if line.startswith("compiling")), "")


def import_and_validate(bin_folder: Path, instance: Path, runs: int) -> tuple[float, str]:
    """The fastest of `runs` fresh interpreters: seconds, and the solvers they loaded."""
    results = []
    for _ in range(runs):
        done = subprocess.run(
            [str(bin_folder / "python"), "-c", IMPORT_AND_VALIDATE, str(instance)],
            capture_output=True,
            text=True,
            check=True,
        )
        seconds, loaded = done.stdout.strip().split(" ", 1)
        results.append((float(seconds), loaded))
    return min(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--time-limit", type=float, default=5.0)
    parser.add_argument(
        "--instances",
        nargs="+",
        type=Path,
        default=[ROOT / "instances" / "partner_day.json"],
    )
    parser.add_argument("--examples", nargs="*", default=["partner_80"])
    parser.add_argument("--import-runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        made = [Path(folder) / f"{name}.json" for name in args.examples]
        for path in made:
            path.write_text(json.dumps(getattr(examples, path.stem)()), encoding="utf-8")
        print(
            "| instance | --time-limit | cold run (s) | warm run (s) | exit codes | cold run said |"
        )
        print("|---|---|---|---|---|---|")
        for instance in [*args.instances, *made]:
            measure(instance, args.time_limit, args.import_runs)


def measure(instance: Path, time_limit: float, import_runs: int) -> None:
    """A cold and a warm run in a fresh install, then the import, for one instance."""
    with tempfile.TemporaryDirectory() as folder:
        bin_folder = fresh_install(Path(folder))
        limit = ["--time-limit", f"{time_limit:g}"]
        (cold, cold_code, said), (warm, warm_code, _) = (
            on_a_terminal([str(bin_folder / "allocate"), str(instance), "--out", kind, *limit])
            for kind in (f"{folder}/cold", f"{folder}/warm")
        )
        print(
            f"| {instance.name} | {time_limit:g} | {cold:.1f} | {warm:.1f}"
            f" | {cold_code}, {warm_code} | {announced(said) or '(nothing)'} |"
        )
        seconds, loaded = import_and_validate(bin_folder, instance, import_runs)
        print(
            f"import allocator + validate {instance.name}: {seconds:.3f} s"
            f" (fastest of {import_runs}); solvers loaded: {loaded}"
        )


if __name__ == "__main__":
    main()
