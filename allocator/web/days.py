"""What the page does with a day, apart from HTTP: start it from an upload or an example,
save its instance, queue its solves and keep their plans, change a plan by hand (as a
draft), lock seats, and make the plan's files. The instance is parsed once per version
and its counting bounds computed once, so an edit costs one evaluation and one check.

A plan record (`plans/<n>.json`) holds the plan, the instance it was made for (the day may
change after), what made it (`kind`), whether it keeps every rule, the broken rules, the
locked seats and the undo steps of a draft.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import io
import json
import threading
import zipfile
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from allocator import (
    FieldIssue,
    InputError,
    Instance,
    Lang,
    counting_bounds,
    instance_from_bytes,
    is_spreadsheet,
    labels,
    parse_instance,
    plan_files,
    shipped_examples,
    spreadsheet_instance_from_bytes,
    verify,
)
from allocator.web import editing
from allocator.web.jobs import Job, SolveQueue
from allocator.web.store import Json, NotFound, Store, now
from allocator.web.view import violations_json

KINDS = ("solve", "reoptimise", "repair")
STRATEGY = "auto"


class NotValid(ValueError):
    """A plan that breaks a rule offered for download."""


class NotADraft(ValueError):
    """A plan that a solve made asked to be deleted: only drafts edited by hand are."""


Args = ParamSpec("Args")
Result = TypeVar("Result")


def _serialised(
    method: Callable[Concatenate[Days, Args], Result],
) -> Callable[Concatenate[Days, Args], Result]:
    """Read, change and write a day under the store's lock: two tabs changing one plan
    at once must not lose a change, and a day being deleted gets no new plan or solve."""

    @functools.wraps(method)
    def one_at_a_time(self: Days, *args: Args.args, **kwargs: Args.kwargs) -> Result:
        with self.store.lock:
            return method(self, *args, **kwargs)

    return one_at_a_time


class Days:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.queue = SolveQueue(self.finish)
        self._parsed: dict[str, tuple[Instance, tuple[float | None, Json]]] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self.queue.close()

    # -- instances ------------------------------------------------------------------------

    def parsed(self, data: Json) -> tuple[Instance, tuple[float | None, Json]]:
        """The instance of `data` and its counting bounds, computed once per version."""
        key = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
        with self._lock:
            found = self._parsed.get(key)
        if found is None:
            instance = parse_instance(data)
            found = instance, counting_bounds(instance)
            with self._lock:
                if len(self._parsed) > 32:
                    self._parsed.clear()
                self._parsed[key] = found
        return found

    def upload(
        self, filename: str, data: bytes, groups: int | None, rounds: int | None, lang: Lang
    ) -> str:
        """A new day from an uploaded file: a spreadsheet with its groups and rounds, or an
        instance JSON; `InputError` with the command line's messages when it is not one."""
        if is_spreadsheet(filename):
            if groups is None or rounds is None:
                raise input_issue("groups", "a spreadsheet of participants needs groups and rounds")
            made = spreadsheet_instance_from_bytes(
                data,
                filename,
                groups=groups,
                rounds=rounds,
                round_prefix=labels(lang)["round_prefix"],
            )
            return self.store.create(made.data, filename, list(made.notes))
        instance_from_bytes(data, filename)  # the checks and messages of a file
        return self.store.create(json.loads(data.decode("utf-8-sig")), filename)

    def from_example(self, name: str) -> str:
        examples = shipped_examples()
        if name not in examples:
            raise NotFound(name)
        return self.store.create(examples[name], name)

    @_serialised
    def delete(self, day: str) -> list[Job]:
        """Delete the day with its plans; its solves, waiting or running, are stopped and
        make no plan (whoever deletes a day wants none of it, and the queue moves on)."""
        self.store.folder(day)
        stopped = self.queue.discard(day)
        self.store.delete(day)
        return stopped

    @_serialised
    def delete_draft(self, day: str, number: int) -> None:
        """Delete a draft edited by hand; a solve's plan stays (a draft is one drag from
        it, a solve may have taken minutes)."""
        if self.store.plan(day, number)["kind"] != editing.HAND_EDITED:
            raise NotADraft(str(number))
        self.store.delete_plan(day, number)

    def save_instance(self, day: str, data: Any) -> None:
        """Keep the day's instance if it is valid; else `InputError`, and the day keeps its
        last valid instance."""
        if not isinstance(data, dict):
            raise input_issue("", "an instance is a JSON object")
        self.parsed(data)
        self.store.save_instance(day, data)

    # -- solves ---------------------------------------------------------------------------

    @_serialised
    def solve(self, day: str, kind: str, time_limit: float, base: int | None = None) -> Job:
        """Queue a solve of the day (`solve`), of a plan with its locked seats pinned
        (`reoptimise`), or the day-of repair of a plan for the day as last saved (`repair`)."""
        context: Json = {"base": base, "locks": []}
        earlier = None
        if kind == "solve":
            made_for = self.store.instance(day)
            solved = made_for
        else:
            record = self.store.plan(day, int(base or 0))
            if kind == "reoptimise":
                made_for = record["instance"]
                context["locks"] = record.get("locks", [])
                solved = pinned(made_for, record["plan"], context["locks"])
            else:
                made_for = solved = self.store.instance(day)
                earlier = record["plan"]
        context["instance"] = made_for
        request = {
            "instance": solved,
            "strategy": STRATEGY,
            "time_limit": time_limit,
            "seed": 0,
            "earlier_plan": earlier,
        }
        return self.queue.submit(day, kind, request, context)

    def finish(self, job: Job, plan: Json, stopped: bool) -> int:
        """Keep a solve's plan, checked against the instance it was made for."""
        instance, _ = self.parsed(job.context["instance"])
        record = {
            "kind": job.kind,
            "plan": plan,
            "instance": job.context["instance"],
            "locks": job.context["locks"],
            "stopped": stopped,
            "from": job.context["base"],
            "created": now(),
        }
        return self.store.add_plan(job.day, {**record, **_checked(instance, plan)})

    # -- hand edits -----------------------------------------------------------------------

    @_serialised
    def edit(self, day: str, number: int, change: Json) -> Json:
        """Apply a move or swap; a solver's plan is never changed: the first edit makes a
        draft (a new plan of the day), the next ones change that draft. The record as kept
        is returned, for the page's view (not read back from disk: a drag waits for it)."""
        record = self.store.plan(day, number)
        instance, bounds = self.parsed(record["instance"])
        plan, before = editing.edit(instance, record["plan"], change)
        violations = editing.rescore(instance, plan, bounds)
        steps = [*record.get("undo", []), before][-editing.UNDO_DEPTH :]
        changed = {**record, "plan": plan, "undo": steps, **_found(violations)}
        return self._keep_draft(day, number, record, changed)

    @_serialised
    def undo(self, day: str, number: int) -> Json:
        record = self.store.plan(day, number)
        if not record.get("undo"):
            return record
        instance, bounds = self.parsed(record["instance"])
        plan = editing.undo(record["plan"], record["undo"][-1])
        violations = editing.rescore(instance, plan, bounds)
        changed = {**record, "plan": plan, "undo": record["undo"][:-1], **_found(violations)}
        return self._keep_draft(day, number, record, changed)

    @_serialised
    def lock(self, day: str, number: int, round_id: str, person: str, locked: bool) -> Json:
        """Lock (or free) a person's seat in a round and in the rounds keeping its groups."""
        record = self.store.plan(day, number)
        instance, _ = self.parsed(record["instance"])
        seats = editing.seats_of(record["plan"], person)
        if round_id not in seats:
            raise editing.EditError(f"{person!r} has no seat in round {round_id!r}")
        rounds = {r for r in editing.kept_rounds(instance, round_id) if r in seats}
        locks = [
            s
            for s in record.get("locks", [])
            if not (s["person"] == person and s["round"] in rounds)
        ]
        if locked:
            locks += [{"round": r, "person": person} for r in sorted(rounds)]
        kept = {**record, "locks": locks}
        self.store.save_plan(day, number, kept)
        return kept

    def _keep_draft(self, day: str, number: int, record: Json, changed: Json) -> Json:
        if record["kind"] == editing.HAND_EDITED:
            self.store.save_plan(day, number, changed)
            return changed
        draft = {**changed, "kind": editing.HAND_EDITED, "from": number, "created": now()}
        return {**draft, "number": self.store.add_plan(day, draft)}

    # -- files ----------------------------------------------------------------------------

    def files(self, day: str, number: int, lang: Lang) -> dict[str, bytes]:
        """The files `allocate` writes for this plan, instance.json first; only for a plan
        that keeps every rule (checked again here)."""
        record = self.store.plan(day, number)
        instance, _ = self.parsed(record["instance"])
        if verify(instance, record["plan"]):
            raise NotValid(str(number))
        text = json.dumps(record["instance"], ensure_ascii=False, indent=2) + "\n"
        made = plan_files(instance, record["plan"], lang, generated=text)
        return {name: v.encode("utf-8") if isinstance(v, str) else v for name, v in made.items()}

    def zipped(self, day: str, number: int, lang: Lang) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in self.files(day, number, lang).items():
                archive.writestr(f"plan-{number}/{name}", data)
        return buffer.getvalue()


def pinned(instance: Json, plan: Json, locks: list[Json]) -> Json:
    """The instance with every locked seat of `plan` added to `constraints.fixed`."""
    data = copy.deepcopy(instance)
    constraints = data.setdefault("constraints", {})
    fixed = list(constraints.get("fixed") or [])
    held = {(pin["participant"], pin["round"]) for pin in fixed}
    for lock in locks:
        seat = editing.seats_of(plan, lock["person"]).get(lock["round"])
        if seat is not None and (lock["person"], lock["round"]) not in held:
            fixed.append({"participant": lock["person"], "round": lock["round"], "group": seat})
    constraints["fixed"] = fixed
    return data


def _checked(instance: Instance, plan: Json) -> Json:
    return _found(verify(instance, plan))


def _found(violations: list[Any]) -> Json:
    return {"valid": not violations, "violations": violations_json(violations)}


def input_issue(path: str, message: str) -> InputError:
    return InputError([FieldIssue(path, message)])
