"""The saved plan's schema (``format_version`` 1; 2 adds renames and notes): untrusted input.

Strict pydantic models of every key ``plan_json.to_document`` writes, and nothing else: no
coercion (``"false"`` is not a boolean, ``1.0`` is not a revision), numbers in range and
finite, ids and hashes in their own format, unknown keys refused. Before the models run, the
parsed JSON is walked once (without recursion) for its depth and for non-finite numbers, and
the file is read only while it is a regular file of a bounded size. Every refusal is located:
``options.allow_destroy: input should be a valid boolean (got 'false')``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from offerspec.model import SLUG_PATTERN

MAX_PLAN_BYTES = 512 * 1024 * 1024
"""A plan file's size limit: a plan of 60,000 changed plans is about 60 MB."""
MAX_PLAN_DEPTH = 32
"""Nesting limit of a plan file's JSON (a plan as offerspec writes it nests 7 deep)."""
MAX_REVISION = 2**63 - 1
MAX_GENERATION = 2**31 - 1


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


Id = Annotated[str, Field(pattern=SLUG_PATTERN, min_length=1, max_length=64)]
Kind = Literal["products", "plans", "offers"]
Hash = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Generation = Annotated[int, Field(ge=1, le=MAX_GENERATION)]
Count = Annotated[int, Field(ge=0)]
ShortText = Annotated[str, Field(max_length=10_000)]


class StoreRef(_Strict):
    url: ShortText
    identity: ShortText
    revision: Annotated[int, Field(ge=0, le=MAX_REVISION)]


class Options(_Strict):
    delete_removed: bool
    allow_destroy: bool
    max_archive_share: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


class Summary(_Strict):
    create: Count
    update: Count
    replace: Count
    archive: Count
    unarchive: Count
    delete: Count
    rename: Count | None = None
    """format_version 2 only."""
    drift: Count
    text: ShortText


class FieldEntry(_Strict):
    field: Annotated[str, Field(min_length=1, max_length=64)]
    old: Any
    new: Any


class CreateEntry(_Strict):
    action: Literal["create"]
    kind: Kind
    id: Id
    live_hash: None
    data: dict[str, Any]


class _Existing(_Strict):
    kind: Kind
    id: Id
    live_hash: Hash
    generation: Generation


class _Writing(_Existing):
    fields: list[FieldEntry]
    drifted: bool
    data: dict[str, Any]


class UpdateEntry(_Writing):
    action: Literal["update"]


class ArchiveEntry(_Writing):
    action: Literal["archive"]


class UnarchiveEntry(_Writing):
    action: Literal["unarchive"]


class _Replacing(_Writing):
    """The fields of a change that may make a new generation (replace, rename)."""

    forcing: list[Annotated[str, Field(min_length=1, max_length=64)]]
    new_generation: Generation
    offers: list[Id]
    group_plans: list[Id]


class ReplaceEntry(_Replacing):
    action: Literal["replace"]

    @model_validator(mode="after")
    def _next_generation(self) -> ReplaceEntry:
        if self.new_generation != self.generation + 1:
            raise ValueError(f"new_generation {self.new_generation} is not generation "
                             f"{self.generation} + 1")
        return self


class RenameEntry(_Replacing):
    action: Literal["rename"]
    old_id: Id

    @model_validator(mode="after")
    def _generation(self) -> RenameEntry:
        expected = self.generation + 1 if self.forcing else self.generation
        if self.new_generation != expected:
            raise ValueError(f"new_generation {self.new_generation} is not {expected} "
                             f"(generation {self.generation}, "
                             f"{'a' if self.forcing else 'no'} replace)")
        if self.old_id == self.id:
            raise ValueError(f"old_id is the new id {self.id!r}")
        return self


class NoteEntry(_Strict):
    code: Annotated[str, Field(min_length=1, max_length=64)]
    message: ShortText
    hint: ShortText | None
    file: ShortText
    line: Count
    col: Count


class DeleteEntry(_Existing):
    action: Literal["delete"]


ChangeEntry = Annotated[CreateEntry | UpdateEntry | ReplaceEntry | ArchiveEntry
                        | UnarchiveEntry | DeleteEntry | RenameEntry, Field(discriminator="action")]
ACTIONS = ("create", "update", "replace", "archive", "unarchive", "delete", "rename")


class PlanDocument(_Strict):
    notice: ShortText | None = None
    format: Literal["offerspec-plan"]
    format_version: Literal[1, 2]
    offerspec_version: Annotated[str, Field(max_length=100)]
    store: StoreRef
    catalog_hash: Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]
    options: Options
    summary: Summary
    changes: list[ChangeEntry]
    notes: list[NoteEntry] | None = None
    """format_version 2 only."""
    etags: dict[Annotated[str, Field(pattern=r"^(products|plans|offers)/[a-z0-9][a-z0-9-]*$",
                                     max_length=80)],
                Annotated[str, Field(min_length=1, max_length=200)]] | None = None
    """HTTP store: ``kind/id`` -> the ETag of each object the plan writes, as the plan saw it."""

    @model_validator(mode="after")
    def _version_2_keys(self) -> PlanDocument:
        if self.format_version == 1:
            if any(isinstance(c, RenameEntry) for c in self.changes):
                raise ValueError("a rename in a format_version 1 plan (renames came with 2)")
            if self.notes is not None or self.summary.rename is not None:
                raise ValueError("notes and summary.rename came with format_version 2")
        elif self.notes is None or self.summary.rename is None:
            raise ValueError("a format_version 2 plan has notes and summary.rename")
        return self


def where(loc: tuple[str | int, ...]) -> str:
    """``("changes", 3, "update", "generation")`` -> ``changes[3].generation`` (the union's tag
    pydantic puts in the path is left out)."""
    out = ""
    previous: str | int | None = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not (previous is not None and isinstance(previous, int) and part in ACTIONS):
            out += f".{part}" if out else part
        previous = part
    return out or "(the document)"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def first_error(exc: ValidationError) -> str:
    """The first problem, located, with the value found."""
    error = exc.errors()[0]
    message = str(error["msg"])
    message = message[:1].lower() + message[1:]
    found = "" if error["type"] in ("missing", "extra_forbidden", "value_error") else \
        f" (got {_shown(error['input'])})"
    if error["type"] == "value_error":  # a model's own check: its message says it all
        message = message.removeprefix("value error, ")
    if error["type"] == "extra_forbidden":
        message = "not a key of a plan file (format_version 1 or 2)"
    more = exc.error_count() - 1
    return f"{where(tuple(error['loc']))}: {message}{found}" + (
        f" (and {more} more)" if more else "")


def walk(document: Any) -> str | None:
    """Why the parsed JSON cannot be a plan (too deep, a non-finite number), located, or None."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_PLAN_DEPTH:
            return f"{where(path[:MAX_PLAN_DEPTH])}: nested deeper than {MAX_PLAN_DEPTH} levels"
        if isinstance(value, float) and not math.isfinite(value):
            return f"{where(path)}: {value} is not a finite number"
        if isinstance(value, dict):
            stack.extend((v, (*path, k)) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(value))
    return None
