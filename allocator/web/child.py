"""The solve's child process: it imports the library alone (not the web stack), hears a
stop through a multiprocessing Event and reports through a queue.

One solve at a time runs here, so that its time limit is its own; the server keeps the
queue. The child ignores Ctrl-C (the server ends it) and ends itself when the server dies.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import threading
from multiprocessing import parent_process
from multiprocessing.connection import wait
from typing import Any

from allocator import (
    InfeasibleError,
    InputError,
    NoPlanError,
    Progress,
    Stop,
    parse_instance,
    solve,
)

Json = dict[str, Any]


def run(request: Json, messages: Any, stop_event: Any) -> None:
    """Solve `request` (instance, strategy, time_limit, seed, earlier plan) and put on
    `messages` each progress, an announcement, then one final message: `plan`,
    `input`, `infeasible`, `no_plan` or `error`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with_parent, daemon=True).start()
    stop = Stop()
    threading.Thread(target=_relay_stop, args=(stop_event, stop), daemon=True).start()
    messages.put(("final", *_solve(request, messages, stop)))


def _solve(request: Json, messages: Any, stop: Stop) -> tuple[Any, ...]:
    def progress(at: Progress) -> None:
        messages.put(("progress", dataclasses.asdict(at)))

    try:
        solution = solve(
            parse_instance(request["instance"]),
            request["strategy"],
            time_limit=request["time_limit"],
            seed=request["seed"],
            progress=progress,
            earlier_plan=request.get("earlier_plan"),
            stop=stop,
            announce=lambda line: messages.put(("announce", line)),
        )
    except InputError as exc:
        return "input", [dataclasses.asdict(issue) for issue in exc.issues]
    except InfeasibleError as exc:
        return "infeasible", [line for conflict in exc.conflicts for line in conflict.lines()]
    except NoPlanError as exc:
        return "no_plan", str(exc), exc.reason
    except Exception as exc:  # a bug: said in one line, as the command line says it
        return "error", f"{type(exc).__name__}: {str(exc)[:200]}"
    return "plan", solution.plan, stop.requested


def _relay_stop(stop_event: Any, stop: Stop) -> None:
    stop_event.wait()
    stop.request()


def _end_with_parent() -> None:
    parent = parent_process()
    if parent is not None:
        wait([parent.sentinel])
        os._exit(1)
