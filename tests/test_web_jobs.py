"""The queue of solves: one child process at a time, in the order asked, a waiting solve
taken out, and every solve ended with the server."""

from __future__ import annotations

import time

from allocator import shipped_examples
from allocator.web.jobs import SolveQueue

SMALL = {
    "name": "small",
    "participants": [{"id": f"p{i}", "organisation": f"o{i % 3}"} for i in range(9)],
    "rounds": [{"id": "a", "groups": 3}],
}


def request(instance, time_limit=2.0):
    return {"instance": instance, "strategy": "auto", "time_limit": time_limit, "seed": 0}


def wait(job, seconds=60):
    deadline = time.monotonic() + seconds
    while not job.finished and time.monotonic() < deadline:
        time.sleep(0.05)
    return job


def test_solves_run_one_at_a_time_in_order_and_a_waiting_one_can_leave():
    made = []
    queue = SolveQueue(lambda job, plan, stopped: made.append((job.id, plan)) or len(made))
    try:
        first = queue.submit("d", "solve", request(SMALL), {})
        second = queue.submit("d", "solve", request(SMALL), {})
        third = queue.submit("d", "solve", request(SMALL), {})
        assert queue.position(third) in (2, 3)
        assert queue.stop(third.id).state == "cancelled"
        wait(second)
        assert first.state == second.state == "done" and third.state == "cancelled"
        assert first.ended_at <= second.started_at
        assert [job_id for job_id, _ in made] == [first.id, second.id]
        assert made[0][1]["rounds"][0]["id"] == "a"
    finally:
        queue.close()


def test_closing_the_server_ends_the_running_solve():
    queue = SolveQueue(lambda job, plan, stopped: 1)
    job = queue.submit("d", "solve", request(shipped_examples()["partner_day.json"], 600), {})
    deadline = time.monotonic() + 60
    while job.progress is None and time.monotonic() < deadline:
        time.sleep(0.05)
    began = time.monotonic()
    queue.close()
    assert wait(job, 10).finished and time.monotonic() - began < 8
