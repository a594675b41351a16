"""The instance contract (FORMAT.md v1) as pydantic models.

These models check types and the shape of every field, and refuse unknown
keys. An `Instance` is checked whole however it is built (`parse_instance`, its
constructor, `model_validate`, `model_validate_json`): the limits, cross-references
between fields (round ids, participant ids, earlier rounds...) and every pydantic
error are raised as one `InputError` by `validate.py`, which names the exact field.

Dumped (`model_dump`, `model_dump_json`), a model writes what FORMAT.md means: fields
that are None are left out, which reads back the same, except a round's explicit
`"max_per_organisation": null` (no cap in that round), which is not the same as none
given (the day's cap); matrices are lists of rows.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    SerializerFunctionWrapHandler,
    Strict,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    model_serializer,
    model_validator,
)

from allocator.model.limits import MAX_GROUPS

Id = Annotated[str, Field(min_length=1)]
AttributeValue = str | int | float
TermName = Literal["same_organisation", "repeat_pairs", "imbalance", "pairs", "duty_repeats"]


def _matrix(value: Any) -> np.ndarray:
    """A square table of numbers, held as a read-only numpy array: a 480 × 480 distance
    matrix must not become 230,000 Python floats."""
    if isinstance(value, np.ndarray):
        array = np.array(value, dtype=np.float64)
    else:
        rows = value if isinstance(value, list) else None
        if rows is None or not all(isinstance(row, list) for row in rows):
            raise ValueError("a matrix is a list of rows, each a list of numbers")
        if any(isinstance(x, bool) or not isinstance(x, int | float) for row in rows for x in row):
            raise ValueError("every entry of the matrix must be a number")
        if len({len(row) for row in rows}) > 1:
            raise ValueError("the rows of the matrix have different lengths")
        array = np.array(rows, dtype=np.float64)
    if array.ndim != 2 or not np.isfinite(array).all():
        raise ValueError("a matrix is a list of rows of finite numbers")
    array.flags.writeable = False
    return array


Matrix = Annotated[
    Any,
    PlainValidator(_matrix),
    PlainSerializer(lambda array: array.tolist()),
    WithJsonSchema({"type": "array", "items": {"type": "array", "items": {"type": "number"}}}),
]


class _Strict(BaseModel):
    """Unknown keys are an error; types are not coerced; models are immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    _null_means: ClassVar[frozenset[str]] = frozenset()
    """Fields whose null, when given, means something other than the field left out."""

    @model_serializer(mode="wrap")
    def _as_written(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {
            key: value
            for key, value in data.items()
            if value is not None or (key in self._null_means and key in self.model_fields_set)
        }


class Participant(_Strict):
    id: Id
    name: str | None = None
    organisation: str | None = None
    role: str | None = None
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    rounds: list[Id] | None = None

    @property
    def display_name(self) -> str:
        return self.name if self.name is not None else self.id


class GroupSpec(_Strict):
    id: Id
    min_size: Annotated[int, Field(ge=0)] | None = None
    max_size: Annotated[int, Field(ge=0)] | None = None


class Round(_Strict):
    id: Id
    groups: (
        Annotated[int, Field(ge=1, le=MAX_GROUPS)]
        | Annotated[list[GroupSpec], Field(min_length=1, max_length=MAX_GROUPS)]
        | None
    ) = None
    min_size: Annotated[int, Field(ge=0)] | None = None
    max_size: Annotated[int, Field(ge=0)] | None = None
    same_groups_as: Id | None = None
    merge_of: Id | None = None
    visitors: list[Id] = Field(default_factory=list)
    max_per_organisation: Annotated[int, Field(ge=1)] | None = None
    _null_means: ClassVar[frozenset[str]] = frozenset({"max_per_organisation"})

    @model_validator(mode="after")
    def _groups_or_same(self) -> Round:
        if self.same_groups_as is not None and self.groups is not None:
            raise ValueError(
                "a round with `same_groups_as` takes its groups from that round: remove `groups`"
            )
        if self.same_groups_as is None and self.groups is None:
            raise ValueError(
                "`groups` is required (an integer or a list of groups) unless `same_groups_as` is set"
            )
        if self.same_groups_as is not None and self.merge_of is not None:
            raise ValueError("a round cannot be both `same_groups_as` and `merge_of` another")
        return self

    @property
    def overrides_organisation_cap(self) -> bool:
        """True when the round sets `max_per_organisation`, even to null (no cap)."""
        return "max_per_organisation" in self.model_fields_set


class Visitor(_Strict):
    id: Id
    name: str | None = None

    @property
    def display_name(self) -> str:
        return self.name if self.name is not None else self.id


class Duty(_Strict):
    name: Id
    per_group: Annotated[int, Field(ge=1)] = 1
    rounds: list[Id] | None = None
    eligible_roles: list[str] | None = None


class RoleRatio(_Strict):
    role: Id
    per: Id
    min: Annotated[float, Field(ge=0)] | None = None
    max: Annotated[float, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _has_a_bound(self) -> RoleRatio:
        if self.min is None and self.max is None:
            raise ValueError("give `min`, `max` or both")
        if self.role == self.per:
            raise ValueError("`role` and `per` must be different roles")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"`min` ({self.min}) is larger than `max` ({self.max})")
        return self


class Pin(_Strict):
    participant: Id
    round: Id
    group: Id


class Constraints(_Strict):
    max_per_organisation: Annotated[int, Field(ge=1)] | None = None
    role_ratio: list[RoleRatio] = Field(default_factory=list)
    balance: list[Id] = Field(default_factory=list)
    apart: list[Annotated[list[Id], Field(min_length=2)]] = Field(default_factory=list)
    together: list[Annotated[list[Id], Field(min_length=2)]] = Field(default_factory=list)
    fixed: list[Pin] = Field(default_factory=list)
    max_meetings: Annotated[int, Field(ge=1)] | None = None
    visitor_meetings: Literal["exactly_once", "at_most_once"] = "exactly_once"


class Term(_Strict):
    term: TermName
    weight: float
    attribute: Id | None = None
    pairs: list[Annotated[tuple[Id, Id, float], Strict(False)]] | None = None
    """JSON has no tuples: a `[id, id, number]` list is accepted as one."""
    matrix: Matrix | None = None

    @model_validator(mode="after")
    def _extra_keys_match_term(self) -> Term:
        if self.term == "imbalance" and self.attribute is None:
            raise ValueError('the `imbalance` term needs `attribute` (e.g. "role")')
        if self.term != "imbalance" and self.attribute is not None:
            raise ValueError(f"`attribute` belongs to the `imbalance` term, not `{self.term}`")
        if self.term == "pairs" and (self.pairs is None) == (self.matrix is None):
            raise ValueError("the `pairs` term needs exactly one of `pairs` or `matrix`")
        if self.term != "pairs" and (self.pairs is not None or self.matrix is not None):
            raise ValueError(f"`pairs` and `matrix` belong to the `pairs` term, not `{self.term}`")
        return self

    @property
    def key(self) -> str:
        """The metric key of this term: `term` or `term:attribute`."""
        return self.term if self.attribute is None else f"{self.term}:{self.attribute}"


class Instance(_Strict):
    name: str
    participants: Annotated[list[Participant], Field(min_length=1)]
    rounds: Annotated[list[Round], Field(min_length=1)]
    visitors: list[Visitor] = Field(default_factory=list)
    duties: list[Duty] = Field(default_factory=list)
    constraints: Constraints = Field(default_factory=Constraints)
    objective: list[Term] | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _checked_whole(cls, data: Any, build: ValidatorFunctionWrapHandler) -> Instance:
        """However the instance is built, one `InputError` naming every bad field."""
        from allocator.model.validate import checked_instance  # it needs this module

        return checked_instance(data, build)

    def effective_objective(self) -> list[Term]:
        """The objective as written, or FORMAT.md's default."""
        if self.objective is not None:
            return list(self.objective)
        terms = [
            Term(term="same_organisation", weight=1000),
            Term(term="repeat_pairs", weight=100),
        ]
        if any(p.role is not None for p in self.participants):
            terms.append(Term(term="imbalance", attribute="role", weight=10))
        if self.duties:
            terms.append(Term(term="duty_repeats", weight=1))
        return terms
