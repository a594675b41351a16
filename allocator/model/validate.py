"""Turn raw JSON into a checked `Instance`, or a list of issues that each name a field."""

from __future__ import annotations

import difflib
import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from allocator.model import limits
from allocator.model.errors import FieldIssue, InputError
from allocator.model.instance import Instance
from allocator.model.layout import round_shapes
from allocator.model.limits import excerpt, named

FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
"""C0 controls other than tab, line feed and carriage return, and lone surrogates."""
SUGGESTION_POOL = 20_000
"""Ids compared for a "did you mean" beyond which none is offered (difflib is slow)."""


def json_path(loc: Iterable[Any]) -> str:
    """`("participants", 12, "organisation")` -> `participants[12].organisation`."""
    text = ""
    for part in loc:
        if not isinstance(part, int) and len(str(part)) > limits.EXCERPT:
            part = f"{str(part)[: limits.EXCERPT - 1]}…"
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def raw_value_issues(data: Any) -> Iterator[FieldIssue]:
    """What no real day needs, anywhere in the raw JSON value: nesting deeper than 64
    levels, numbers that are not finite or beyond 10^9, texts over 10,000 characters or
    holding control characters (tab and line breaks aside) or lone surrogates."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        value, loc = stack.pop()
        if len(loc) > limits.MAX_DEPTH:
            yield FieldIssue(
                f"{json_path(loc[:3])}…",
                f"the JSON is nested deeper than {limits.MAX_DEPTH} levels here",
                "an instance needs a handful of levels: check the brackets",
            )
            continue
        if isinstance(value, dict):
            for key, item in reversed(value.items()):
                if isinstance(key, str) and (problem := text_problem(key)):
                    yield FieldIssue(json_path(loc), f"the key {excerpt(key)} {problem}")
                stack.append((item, (*loc, key)))
        elif isinstance(value, list | tuple):
            stack.extend((item, (*loc, k)) for k, item in reversed(list(enumerate(value))))
        elif isinstance(value, BaseModel):  # a part of the instance built in code
            stack.extend((item, (*loc, key)) for key, item in reversed(list(value)))
        elif isinstance(value, str):
            if problem := text_problem(value):
                yield FieldIssue(json_path(loc), f"the text {excerpt(value)} {problem}")
        elif isinstance(value, np.ndarray):
            yield from _array_issues(value, loc)
        elif (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and (problem := number_problem(value))
        ):
            yield FieldIssue(json_path(loc), problem)


def text_problem(text: str) -> str | None:
    """Why a text cannot be taken (too long, a control character, a lone surrogate), or None."""
    if len(text) > limits.MAX_TEXT:
        return f"is {len(text):,} characters long (at most {limits.MAX_TEXT:,})"
    found = FORBIDDEN_CHARACTERS.search(text)
    if found is None:
        return None
    code = ord(found[0])
    kind = "a lone surrogate" if 0xD800 <= code <= 0xDFFF else "the control character"
    name = unicodedata.name(found[0], "") if kind != "a lone surrogate" else ""
    return (
        f"holds {kind} U+{code:04X}{f' ({name})' if name else ''} at position {found.start()}:"
        " only tab and line breaks are allowed among control characters"
    )


def number_problem(number: float) -> str | None:
    """Why a number cannot be taken (not finite, beyond ±10^9), or None."""
    if isinstance(number, float) and not math.isfinite(number):
        return f"{number} is not a finite number: write a number"
    if abs(number) > limits.MAX_NUMBER:
        return f"{excerpt(number)} is beyond ±10^9, more than any day needs"
    return None


def _array_issues(array: np.ndarray, loc: tuple[Any, ...]) -> Iterator[FieldIssue]:
    """The same checks on a numpy table (an MDGPLIB distance matrix), vectorised."""
    if array.dtype.kind not in "iuf":
        return
    bad = np.argwhere(~np.isfinite(array) | (np.abs(array) > limits.MAX_NUMBER))
    if len(bad):
        where = tuple(int(k) for k in bad[0])
        yield FieldIssue(json_path((*loc, *where)), number_problem(float(array[where])) or "")


def weight_problem(number: float) -> str | None:
    """Why a weight (or a pair's number) cannot be held exactly by the solvers' integer
    scaling of the objective: beyond 10^6, or more than 6 decimals as written."""
    if abs(number) > limits.MAX_WEIGHT:
        return f"{excerpt(number)} is beyond ±10^6, more than the objective can weigh exactly"
    if _decimals(number) > limits.WEIGHT_DECIMALS:
        return (
            f"{excerpt(number)} has more than {limits.WEIGHT_DECIMALS} decimals,"
            " more than the objective can weigh exactly"
        )
    return None


def _decimals(number: float) -> int:
    """Decimals of the shortest text that reads back as this number (`0.1` has one)."""
    exponent = Decimal(repr(number)).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _matrix_weight_issue(matrix: np.ndarray, path: str) -> FieldIssue | None:
    """The first entry that `weight_problem` refuses; the decimals are tested exactly only
    where the vectorised rounding test fails (it can only err that way)."""
    suspects = np.argwhere(
        (np.abs(matrix) > limits.MAX_WEIGHT) | (np.round(matrix, limits.WEIGHT_DECIMALS) != matrix)
    )
    for a, b in suspects.tolist():
        problem = weight_problem(float(matrix[a, b]))
        if problem is not None:
            return FieldIssue(f"{path}[{a}][{b}]", problem, "round it to 6 decimals")
    return None


def _model_for(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that owns the object at `loc`, to suggest the key that was meant."""
    model: Any = Instance
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if isinstance(model, type) else None
        if field is None:
            return None
        model = _inner_model(field.annotation)
        if model is None:
            return None
    return model


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    metadata_origin = getattr(annotation, "__origin__", None)
    return _inner_model(metadata_origin) if metadata_origin not in (None, list, dict) else None


_UNION_TAGS = {"str", "int", "float", "bool", "list", "dict", "tuple"}


def _clean_loc(loc: Iterable[Any]) -> tuple[Any, ...]:
    """Drop the names pydantic gives union members (`constrained-int`, `list[GroupSpec]`)."""
    return tuple(
        part
        for part in loc
        if not (isinstance(part, str) and ("[" in part or "-" in part or part in _UNION_TAGS))
    )


def _most_specific(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For a union field, keep the errors of the member the input was meant for: an error
    whose path leads to a deeper one, or a type error where another member's check failed
    on a value of the right type, is the other members' noise."""
    locs = [_clean_loc(e["loc"]) for e in errors]
    leading = {loc[:k] for loc in locs for k in range(len(loc))}
    checked = {loc for error, loc in zip(errors, locs, strict=True) if not _is_type(error)}
    kept: list[dict[str, Any]] = []
    seen: set[tuple[str, tuple[Any, ...]]] = set()
    for error, loc in zip(errors, locs, strict=True):
        if loc in leading or (_is_type(error) and loc in checked):
            continue  # another member of the union had the right type
        if (error["type"], loc) not in seen:
            seen.add((error["type"], loc))
            kept.append(error)
    return kept


def _is_type(error: dict[str, Any]) -> bool:
    return str(error["type"]).endswith("_type")


def _issue_from_pydantic(error: dict[str, Any]) -> FieldIssue:
    loc = _clean_loc(error["loc"])
    path = json_path(loc)
    if error["type"] == "extra_forbidden":
        key = loc[-1]
        owner = _model_for(loc[:-1])
        known = sorted(owner.model_fields) if owner else []
        close = _close_match(str(key), known)
        hint = f"did you mean `{close}`?" if close else f"known keys here: {', '.join(known)}"
        return FieldIssue(path, f"unknown key {named(str(key))}", hint)
    if error["type"] == "missing":
        return FieldIssue(
            path, "this key is required", "see FORMAT.md for the fields of this object"
        )
    message = error["msg"].removeprefix("Value error, ")
    got = error.get("input")
    if error["type"] not in ("value_error",) and not isinstance(got, dict | list):
        message += f" (got {excerpt(got)})"
    return FieldIssue(path, message, _type_hint(error["type"]))


def _type_hint(kind: str) -> str:
    hints = {
        "string_type": "write it as a JSON string in quotes",
        "int_type": "write a whole number without quotes",
        "float_type": "write a number without quotes",
        "list_type": "write a JSON list [ ... ]",
        "model_type": "write a JSON object { ... }",
        "dict_type": "write a JSON object { ... }",
        "literal_error": "use one of the values listed",
        "greater_than_equal": "use a larger number",
        "too_short": "this list or string cannot be empty",
    }
    for prefix, hint in hints.items():
        if kind.startswith(prefix):
            return hint
    return ""


def parse_instance(data: Any) -> Instance:
    """Validate the raw JSON value of an instance; raise `InputError` naming every bad field
    (the first `MAX_ISSUES` of them). Nothing is built from a value before it passed."""
    return Instance.model_validate(data)


def checked_instance(data: Any, build: Callable[[Any], Instance]) -> Instance:
    """The checks of every `Instance` around pydantic's own (`build`): limits first, on the
    raw value (and on any model inside it, built in code), then types and shapes, then the
    whole day's counts and cross-references."""
    if isinstance(data, Instance):
        return data  # checked when it was built
    _refuse(itertools.chain(raw_size_issues(data), raw_value_issues(data)))
    try:
        instance = build(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False)
        _refuse(_issue_from_pydantic(e) for e in _most_specific(errors))
    _refuse(group_count_issues(instance))
    _refuse(cross_reference_issues(instance))
    return instance


def _refuse(issues: Iterable[FieldIssue]) -> None:
    """Raise the first `MAX_ISSUES` issues, if any, noting that more were left out."""
    first = list(itertools.islice(issues, limits.MAX_ISSUES + 1))
    if len(first) > limits.MAX_ISSUES:
        first[-1] = FieldIssue("", "more problems were found", "fix these first")
    if first:
        raise InputError(first)


def raw_size_issues(data: Any) -> Iterator[FieldIssue]:
    """A day larger than the engine's arrays may hold, seen before a model is built:
    rounds, and participants × rounds."""
    if not isinstance(data, dict):
        return
    people, rounds = data.get("participants"), data.get("rounds")
    if isinstance(rounds, list) and len(rounds) > limits.MAX_ROUNDS:
        yield FieldIssue(
            "rounds", f"{len(rounds):,} rounds (at most {limits.MAX_ROUNDS:,})", "use fewer rounds"
        )
    if isinstance(people, list) and isinstance(rounds, list):
        cells = len(people) * len(rounds)
        if cells > limits.MAX_CELLS:
            yield FieldIssue(
                "participants",
                f"{len(people):,} participants over {len(rounds):,} rounds make {cells:,} seats"
                f" (at most {limits.MAX_CELLS:,})",
                "split the day into smaller events",
            )


def group_count_issues(inst: Instance) -> Iterator[FieldIssue]:
    """Groups over the whole day, a `same_groups_as` round counting those it copies,
    counted before any group is built."""
    first: dict[str, int] = {}
    total = 0
    for rnd in inst.rounds:
        if rnd.same_groups_as is not None:
            count = first.get(rnd.same_groups_as, 0)
        else:
            count = rnd.groups if isinstance(rnd.groups, int) else len(rnd.groups or [])
        first.setdefault(rnd.id, count)
        total += count
    if total > limits.MAX_GROUPS:
        yield FieldIssue(
            "rounds",
            f"the day has {total:,} groups over its rounds (at most {limits.MAX_GROUPS:,})",
            "use fewer groups or rounds",
        )


def _duplicates(ids: list[str], path: str, what: str) -> Iterable[FieldIssue]:
    seen: set[str] = set()
    for k, value in enumerate(ids):
        if value in seen:
            yield FieldIssue(
                f"{path}[{k}]",
                f"{what} {named(value)} appears twice",
                f"give every {what} its own id",
            )
        seen.add(value)


def _unknown(value: str, known: Iterable[str], path: str, what: str) -> FieldIssue:
    close = _close_match(value, known)
    hint = (
        f"did you mean `{close}`?" if close else f"use the id of a {what} defined in the instance"
    )
    return FieldIssue(path, f"no {what} has the id {named(value)}", hint)


def _close_match(value: str, known: Iterable[str]) -> str | None:
    """The known text closest to `value`, among a pool small enough to compare quickly."""
    pool = list(itertools.islice(known, SUGGESTION_POOL + 1))
    if len(pool) > SUGGESTION_POOL or len(value) > limits.EXCERPT:
        return None
    close = difflib.get_close_matches(value, pool, n=1)
    return close[0] if close else None


def _listing(values: list[str], most: int = 20) -> str:
    """Known values for a hint, the first few of a long list."""
    shown = ", ".join(named(v).strip("`") for v in values[:most])
    return shown if len(values) <= most else f"{shown}, … ({len(values):,} in all)"


def cross_reference_issues(inst: Instance) -> Iterable[FieldIssue]:
    """Every reference between fields, checked after the types are right."""
    person_ids = [p.id for p in inst.participants]
    round_ids = [r.id for r in inst.rounds]
    visitor_ids = [v.id for v in inst.visitors]
    yield from _duplicates(person_ids, "participants", "participant")
    yield from _duplicates(round_ids, "rounds", "round")
    yield from _duplicates(visitor_ids, "visitors", "visitor")
    yield from _duplicates([d.name for d in inst.duties], "duties", "duty")
    reference_issues = [
        *_participant_issues(inst, set(round_ids)),
        *_round_issues(inst, set(visitor_ids)),
    ]
    yield from reference_issues
    if reference_issues:
        return  # the checks below resolve rounds and attendance
    yield from _size_issues(inst)
    yield from _duty_issues(inst)
    yield from _constraint_issues(inst)
    yield from _objective_issues(inst)


def _participant_issues(inst: Instance, rounds: set[str]) -> Iterable[FieldIssue]:
    for i, person in enumerate(inst.participants):
        for k, rid in enumerate(person.rounds or []):
            if rid not in rounds:
                yield _unknown(rid, rounds, f"participants[{i}].rounds[{k}]", "round")
        if person.rounds and len(set(person.rounds)) != len(person.rounds):
            yield FieldIssue(
                f"participants[{i}].rounds", "a round is listed twice", "list each round once"
            )


def _round_issues(inst: Instance, visitors: set[str]) -> Iterable[FieldIssue]:
    earlier: set[str] = set()
    for k, rnd in enumerate(inst.rounds):
        for key in ("same_groups_as", "merge_of"):
            ref = getattr(rnd, key)
            if ref is not None and ref not in earlier:
                hint = "it must name a round listed before this one"
                if ref == rnd.id:
                    hint = "a round cannot refer to itself"
                yield FieldIssue(
                    f"rounds[{k}].{key}", f"{named(ref)} is not an earlier round", hint
                )
        if isinstance(rnd.groups, list):
            yield from _duplicates([g.id for g in rnd.groups], f"rounds[{k}].groups", "group")
        for j, vid in enumerate(rnd.visitors):
            if vid not in visitors:
                yield _unknown(vid, visitors, f"rounds[{k}].visitors[{j}]", "visitor")
        if len(set(rnd.visitors)) != len(rnd.visitors):
            yield FieldIssue(
                f"rounds[{k}].visitors", "a visitor is listed twice", "list each visitor once"
            )
        earlier.add(rnd.id)


def _size_issues(inst: Instance) -> Iterable[FieldIssue]:
    for k, shape in enumerate(round_shapes(inst)):
        for j, g in enumerate(shape.groups):
            if g.min_size > g.max_size:
                yield FieldIssue(
                    f"rounds[{k}].groups[{j}]",
                    f"group `{g.id}` has min_size {g.min_size} above max_size {g.max_size}",
                    "lower min_size or raise max_size",
                )
        n = len(shape.present)
        low = sum(g.min_size for g in shape.groups)
        high = sum(g.max_size for g in shape.groups)
        if high < n:
            yield FieldIssue(
                f"rounds[{k}]",
                f"round `{shape.id}` seats at most {high} people but {n} are present",
                "add groups or raise max_size",
            )
        if low > n:
            yield FieldIssue(
                f"rounds[{k}]",
                f"round `{shape.id}` needs at least {low} people to fill its groups but {n} are present",
                "remove groups or lower min_size",
            )


def _duty_issues(inst: Instance) -> Iterable[FieldIssue]:
    rounds = {r.id for r in inst.rounds}
    roles = {p.role for p in inst.participants if p.role is not None}
    for d, duty in enumerate(inst.duties):
        for k, rid in enumerate(duty.rounds or []):
            if rid not in rounds:
                yield _unknown(rid, rounds, f"duties[{d}].rounds[{k}]", "round")
        for k, role in enumerate(duty.eligible_roles or []):
            if role not in roles:
                yield _unknown_role(role, roles, f"duties[{d}].eligible_roles[{k}]")


def _unknown_role(role: str, roles: set[str], path: str) -> FieldIssue:
    close = _close_match(role, sorted(roles))
    hint = (
        f"did you mean `{close}`?"
        if close
        else f"roles in this instance: {_listing(sorted(roles)) or 'none'}"
    )
    return FieldIssue(path, f"no participant has the role {named(role)}", hint)


def _attribute_names(inst: Instance) -> set[str]:
    names = {"role", "organisation"}
    for person in inst.participants:
        names.update(person.attributes)
    return names


def _constraint_issues(inst: Instance) -> Iterable[FieldIssue]:
    c = inst.constraints
    people = {p.id for p in inst.participants}
    roles = {p.role for p in inst.participants if p.role is not None}
    for k, ratio in enumerate(c.role_ratio):
        for key in ("role", "per"):
            if getattr(ratio, key) not in roles:
                yield _unknown_role(
                    getattr(ratio, key), roles, f"constraints.role_ratio[{k}].{key}"
                )
    attributes = _attribute_names(inst)
    for k, name in enumerate(c.balance):
        if name not in attributes:
            yield _unknown_attribute(name, attributes, f"constraints.balance[{k}]")
    for key in ("apart", "together"):
        for k, ids in enumerate(getattr(c, key)):
            for j, pid in enumerate(ids):
                if pid not in people:
                    yield _unknown(pid, people, f"constraints.{key}[{k}][{j}]", "participant")
            if len(set(ids)) != len(ids):
                yield FieldIssue(
                    f"constraints.{key}[{k}]",
                    "a participant is listed twice",
                    "list each person once",
                )
    yield from _pin_issues(inst)


def _unknown_attribute(name: str, known: set[str], path: str) -> FieldIssue:
    close = _close_match(name, sorted(known))
    hint = f"did you mean `{close}`?" if close else f"known attributes: {_listing(sorted(known))}"
    return FieldIssue(path, f"no participant has the attribute {named(name)}", hint)


def _pin_issues(inst: Instance) -> Iterable[FieldIssue]:
    shapes = {s.id: s for s in round_shapes(inst)}
    person_index = {p.id: i for i, p in enumerate(inst.participants)}
    for k, pin in enumerate(inst.constraints.fixed):
        path = f"constraints.fixed[{k}]"
        if pin.participant not in person_index:
            yield _unknown(pin.participant, person_index, f"{path}.participant", "participant")
            continue
        if pin.round not in shapes:
            yield _unknown(pin.round, shapes, f"{path}.round", "round")
            continue
        shape = shapes[pin.round]
        groups = [g.id for g in shape.groups]
        if pin.group not in groups:
            yield _unknown(pin.group, groups, f"{path}.group", f"group of round `{pin.round}`")
        if person_index[pin.participant] not in shape.present:
            yield FieldIssue(
                f"{path}.round",
                f"`{pin.participant}` does not attend round `{pin.round}`",
                "add the round to the participant's `rounds` or remove the pin",
            )


def _objective_issues(inst: Instance) -> Iterable[FieldIssue]:
    if inst.objective is None:
        return
    people = {p.id for p in inst.participants}
    attributes = _attribute_names(inst)
    for key, count in Counter(t.key for t in inst.objective).items():
        if count > 1:
            yield FieldIssue(
                "objective",
                f"the term {named(key)} appears {count} times",
                "merge them into one term",
            )
    for k, term in enumerate(inst.objective):
        if problem := weight_problem(term.weight):
            yield FieldIssue(f"objective[{k}].weight", problem, "use a smaller or rounder weight")
        if term.attribute is not None and term.attribute not in attributes:
            yield _unknown_attribute(term.attribute, attributes, f"objective[{k}].attribute")
        for j, (a, b, number) in enumerate(term.pairs or []):
            if problem := weight_problem(number):
                yield FieldIssue(f"objective[{k}].pairs[{j}][2]", problem, "round it to 6 decimals")
            for pid in (a, b):
                if pid not in people:
                    yield _unknown(pid, people, f"objective[{k}].pairs[{j}]", "participant")
            if a == b:
                yield FieldIssue(
                    f"objective[{k}].pairs[{j}]",
                    f"`{a}` is paired with itself",
                    "pair two different people",
                )
        if term.matrix is not None:
            yield from _matrix_issues(term.matrix, len(inst.participants), f"objective[{k}].matrix")


def _matrix_issues(matrix: np.ndarray, n: int, path: str) -> Iterable[FieldIssue]:
    if matrix.shape != (n, n):
        yield FieldIssue(
            path,
            f"the matrix is {matrix.shape[0]} × {matrix.shape[1]} but must be {n} × {n}",
            "one row and one column per participant, in the order of `participants`",
        )
        return
    if (issue := _matrix_weight_issue(matrix, path)) is not None:
        yield issue
        return
    i, j = np.nonzero(matrix != matrix.T)
    if len(i):
        a, b = int(i[0]), int(j[0])
        yield FieldIssue(
            f"{path}[{a}][{b}]",
            f"the matrix is not symmetric: [{a}][{b}] = {matrix[a, b]} but [{b}][{a}] = {matrix[b, a]}",
            "a pair has one number: make both entries equal",
        )
