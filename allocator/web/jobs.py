"""One solve at a time for the whole server, each in a child process (spawned: a fresh
interpreter, no thread or lock of the server inherited), the others waiting in a queue
that every page shows. Two solves on two cores would spoil each other's time limits.

A job's state is read by the progress stream at least once a second; the plan it makes
goes to the day through `finish`, which the server gives."""

from __future__ import annotations

import collections
import itertools
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from allocator.web import child

Json = dict[str, Any]
STOP_GRACE = 5.0
"""Seconds a stopped child has to hand back its best plan before it is ended."""
DAY_DELETED = "the day was deleted"


@dataclass
class Job:
    """A solve asked for a day: `kind` is `solve`, `reoptimise` or `repair`."""

    id: str
    day: str
    kind: str
    request: Json
    """What the child solves: instance, strategy, time_limit, seed, earlier_plan."""
    context: Json = field(default_factory=dict)
    """What `finish` needs besides the plan (the plan it started from, the locks)."""
    state: str = "queued"
    """queued, running, done, stopped, failed, infeasible or cancelled."""
    queued_at: float = field(default_factory=time.monotonic)
    started_at: float | None = None
    ended_at: float | None = None
    progress: Json | None = None
    announce: str | None = None
    stop_requested: bool = False
    discarded: bool = False
    """Its day was deleted: the solve is stopped and whatever it makes is thrown away."""
    message: str | None = None
    details: list[Any] = field(default_factory=list)
    plan_number: int | None = None

    @property
    def finished(self) -> bool:
        return self.state not in ("queued", "running")

    def elapsed(self) -> float:
        if self.started_at is None:
            return 0.0
        return (self.ended_at or time.monotonic()) - self.started_at


Finish = Callable[[Job, Json, bool], int]
"""Store a job's plan (and whether a stop ended it) for its day; returns the plan number."""


class SolveQueue:
    def __init__(self, finish: Finish) -> None:
        self.finish = finish
        self.context = multiprocessing.get_context("spawn")
        self.jobs: dict[str, Job] = {}
        self.waiting: collections.deque[Job] = collections.deque()
        self.current: Job | None = None
        self.condition = threading.Condition()
        self.closing = False
        self.numbers = itertools.count(1)
        self.stop_events: dict[str, Any] = {}
        self.worker = threading.Thread(target=self._work, name="solves", daemon=True)
        self.worker.start()

    def submit(self, day: str, kind: str, request: Json, context: Json) -> Job:
        with self.condition:
            job = Job(f"j{next(self.numbers)}", day, kind, request, context)
            self.jobs[job.id] = job
            self.waiting.append(job)
            self.condition.notify_all()
            return job

    def position(self, job: Job) -> int:
        """0 while running or done; n when n - 1 solves run or wait before it."""
        with self.condition:
            if job.state != "queued":
                return 0
            ahead = list(self.waiting).index(job) if job in self.waiting else 0
            return ahead + 1 + (self.current is not None)

    def line(self) -> list[Job]:
        """The running solve, then the waiting ones, in order."""
        with self.condition:
            return ([self.current] if self.current else []) + list(self.waiting)

    def stop(self, job_id: str) -> Job | None:
        """A waiting job leaves the queue; a running one stops with its best plan."""
        with self.condition:
            job = self.jobs.get(job_id)
            if job is None or job.finished:
                return job
            if job in self.waiting:
                self.waiting.remove(job)
                job.state, job.ended_at = "cancelled", time.monotonic()
                job.message = (
                    DAY_DELETED if job.discarded else "taken out of the queue before it started"
                )
                return job
            job.stop_requested = True
            event = self.stop_events.get(job.id)
        if event is not None:
            event.set()
        return job

    def discard(self, day: str) -> list[Job]:
        """The solves of a day being deleted: the waiting ones leave the queue, the running
        one stops, and none keeps a plan (the day will not be there to hold it)."""
        with self.condition:
            jobs = [job for job in self.jobs.values() if job.day == day and not job.finished]
            for job in jobs:
                job.discarded = True
        for job in jobs:
            self.stop(job.id)
        return jobs

    def close(self) -> None:
        """Stop everything: the server is ending, and its solves with it."""
        with self.condition:
            self.closing = True
            for job in self.waiting:
                job.state, job.message = "cancelled", "the server stopped"
            self.waiting.clear()
            events = list(self.stop_events.values())
            self.condition.notify_all()
        for event in events:
            event.set()
        self.worker.join(timeout=STOP_GRACE + 2)

    def _work(self) -> None:
        while True:
            with self.condition:
                while not self.waiting and not self.closing:
                    self.condition.wait()
                if self.closing:
                    return
                job = self.waiting.popleft()
                self.current = job
                job.state, job.started_at = "running", time.monotonic()
            try:
                self._run(job)
            finally:
                with self.condition:
                    self.current = None
                    job.ended_at = time.monotonic()
                    self.stop_events.pop(job.id, None)

    def _run(self, job: Job) -> None:
        messages = self.context.Queue()
        event = self.context.Event()
        with self.condition:
            self.stop_events[job.id] = event
            if job.stop_requested or self.closing:
                event.set()
        process = self.context.Process(
            target=child.run, args=(job.request, messages, event), daemon=True
        )
        process.start()
        final = self._listen(job, process, messages, event)
        process.join(timeout=STOP_GRACE)
        if process.is_alive():
            process.kill()
            process.join()
        self._conclude(job, final, process.exitcode)

    def _listen(self, job: Job, process: Any, messages: Any, event: Any) -> tuple[Any, ...] | None:
        """Progress until the final message; None when the child ended without one (or
        did not hand back its plan in time after a stop)."""
        deadline = None
        while True:
            if event.is_set() and deadline is None:
                deadline = time.monotonic() + STOP_GRACE
            try:
                kind, *body = messages.get(timeout=0.2)
            except queue.Empty:
                if not process.is_alive() or (deadline and time.monotonic() > deadline):
                    return None
                continue
            if kind == "progress":
                job.progress = body[0]
            elif kind == "announce":
                job.announce = body[0]
            else:
                return tuple(body)

    def _conclude(self, job: Job, final: tuple[Any, ...] | None, exitcode: int | None) -> None:
        if job.discarded:
            job.state, job.message = "cancelled", DAY_DELETED
            return
        if final is None:
            job.state = "stopped" if job.stop_requested else "failed"
            job.message = (
                "the solve was stopped before it handed back a plan"
                if job.stop_requested
                else f"the solve's process ended unexpectedly (exit code {exitcode})"
            )
            return
        outcome, *body = final
        if outcome == "plan":
            plan, stopped = body
            try:
                job.plan_number = self.finish(job, plan, stopped)
            except Exception as exc:  # the day was deleted meanwhile, or a bug
                job.state, job.message = (
                    ("cancelled", DAY_DELETED)
                    if job.discarded
                    else ("failed", f"{type(exc).__name__}: {exc}")
                )
                return
            job.state = "done"
            return
        if outcome == "no_plan":
            message, reason = body
            job.state = "stopped" if reason == "stopped" else "failed"
            job.message = message
        elif outcome == "infeasible":
            job.state, job.details = "infeasible", body[0]
            job.message = "No plan can satisfy the rules of this day"
        elif outcome == "input":
            job.state, job.message, job.details = "failed", "the day is not valid", body[0]
        else:
            job.state, job.message = "failed", body[0]
