"""Shared test helpers.

`unchecked_instance(data)`: an `Instance` whose parts are each typed by their own model
but whose whole-day checks (limits, cross-references) were skipped, as
`Instance.model_construct` skips them. Every other way of building an `Instance` runs
those checks; the writers and the evaluator must still stay safe and right on what they
would refuse (control characters in names, an asymmetric matrix, an attribute nobody has).
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from allocator.model.instance import Instance


def unchecked_instance(data: dict[str, Any]) -> Instance:
    parts = {
        key: TypeAdapter(Instance.model_fields[key].annotation).validate_python(value)
        for key, value in data.items()
    }
    return Instance.model_construct(**parts)
