"""Turn raw JSON into a checked `Instance`, or a list of issues that each name a field."""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from allocator.model.errors import FieldIssue, InputError
from allocator.model.instance import Instance
from allocator.model.layout import round_shapes


def json_path(loc: Iterable[Any]) -> str:
    """`("participants", 12, "organisation")` -> `participants[12].organisation`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


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
    whose path leads to a deeper one is the other members' noise."""
    locs = [_clean_loc(e["loc"]) for e in errors]
    kept: list[dict[str, Any]] = []
    seen: set[tuple[str, tuple[Any, ...]]] = set()
    for error, loc in zip(errors, locs, strict=True):
        shadowed = any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs)
        if not shadowed and (error["type"], loc) not in seen:
            seen.add((error["type"], loc))
            kept.append(error)
    return kept


def _issue_from_pydantic(error: dict[str, Any]) -> FieldIssue:
    loc = _clean_loc(error["loc"])
    path = json_path(loc)
    if error["type"] == "extra_forbidden":
        key = loc[-1]
        owner = _model_for(loc[:-1])
        known = sorted(owner.model_fields) if owner else []
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f"did you mean `{close[0]}`?" if close else f"known keys here: {', '.join(known)}"
        return FieldIssue(path, f"unknown key `{key}`", hint)
    if error["type"] == "missing":
        return FieldIssue(
            path, "this key is required", "see FORMAT.md for the fields of this object"
        )
    message = error["msg"].removeprefix("Value error, ")
    got = error.get("input")
    if error["type"] not in ("value_error",) and not isinstance(got, dict | list):
        message += f" (got {got!r})"
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
    """Validate the raw JSON value of an instance; raise `InputError` naming every bad field."""
    try:
        instance = Instance.model_validate(data)
    except ValidationError as exc:
        raise InputError([_issue_from_pydantic(e) for e in _most_specific(exc.errors())]) from None
    issues = list(cross_reference_issues(instance))
    if issues:
        raise InputError(issues)
    return instance


def _duplicates(ids: list[str], path: str, what: str) -> Iterable[FieldIssue]:
    seen: set[str] = set()
    for k, value in enumerate(ids):
        if value in seen:
            yield FieldIssue(
                f"{path}[{k}]", f"{what} `{value}` appears twice", f"give every {what} its own id"
            )
        seen.add(value)


def _unknown(value: str, known: Iterable[str], path: str, what: str) -> FieldIssue:
    close = difflib.get_close_matches(value, list(known), n=1)
    hint = (
        f"did you mean `{close[0]}`?"
        if close
        else f"use the id of a {what} defined in the instance"
    )
    return FieldIssue(path, f"no {what} has the id `{value}`", hint)


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
                yield FieldIssue(f"rounds[{k}].{key}", f"`{ref}` is not an earlier round", hint)
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
    close = difflib.get_close_matches(role, sorted(roles), n=1)
    hint = (
        f"did you mean `{close[0]}`?"
        if close
        else f"roles in this instance: {', '.join(sorted(roles)) or 'none'}"
    )
    return FieldIssue(path, f"no participant has the role `{role}`", hint)


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
    close = difflib.get_close_matches(name, sorted(known), n=1)
    hint = (
        f"did you mean `{close[0]}`?" if close else f"known attributes: {', '.join(sorted(known))}"
    )
    return FieldIssue(path, f"no participant has the attribute `{name}`", hint)


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
                "objective", f"the term `{key}` appears {count} times", "merge them into one term"
            )
    for k, term in enumerate(inst.objective):
        if term.attribute is not None and term.attribute not in attributes:
            yield _unknown_attribute(term.attribute, attributes, f"objective[{k}].attribute")
        for j, (a, b, _) in enumerate(term.pairs or []):
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
    i, j = np.nonzero(matrix != matrix.T)
    if len(i):
        a, b = int(i[0]), int(j[0])
        yield FieldIssue(
            f"{path}[{a}][{b}]",
            f"the matrix is not symmetric: [{a}][{b}] = {matrix[a, b]} but [{b}][{a}] = {matrix[b, a]}",
            "a pair has one number: make both entries equal",
        )
