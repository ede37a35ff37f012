"""The plan for a terminal: one function per change type (dispatch on the type)."""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from offerspec.diff.changes import (
    Archive,
    Create,
    Delete,
    FieldChange,
    Replace,
    Unarchive,
    Update,
    label,
)
from offerspec.diff.changeset import ChangeSet
from offerspec.diff.describe import describe, value

DRIFT = "[drift: changed outside offerspec]"


def field_lines(fields: tuple[FieldChange, ...], drifted: bool, indent: str = "      ") -> list[str]:
    if drifted:
        return [f"{indent}{f.field}: {value(f.old)} (live) → {value(f.new)} (catalog restores)"
                for f in fields]
    return [f"{indent}{line}" for f in fields for line in describe(f)]


def _head(symbol: str, change: Any, note: str = "") -> str:
    drift = f"  {DRIFT}" if getattr(change, "drifted", False) else ""
    return f"  {symbol} {label(change)}{note}{drift}"


@singledispatch
def render_change(change: Any) -> list[str]:
    raise TypeError(f"no text renderer for {type(change).__name__}")


@render_change.register
def _(change: Create) -> list[str]:
    return [_head("+", change)]


@render_change.register
def _(change: Update) -> list[str]:
    if not change.fields:
        return [_head("~", change, "  (live already matches the catalog: recorded as offerspec's)")]
    return [_head("~", change), *field_lines(change.fields, change.drifted)]


@render_change.register
def _(change: Replace) -> list[str]:
    forcing = ", ".join(change.forcing)
    verb = "forces" if len(change.forcing) == 1 else "force"
    old, new = change.generation, change.new_generation
    steps = [f"      1. create {change.id} v{new}"]
    if change.offers:
        steps.append(f"      {len(steps) + 1}. point offer(s) {', '.join(change.offers)} at v{new}")
    if change.group_plans:
        steps.append(f"      {len(steps) + 1}. point the group_owner_plan of plan(s) "
                     f"{', '.join(change.group_plans)} at v{new}")
    steps.append(f"      {len(steps) + 1}. archive {change.id} v{old} (its subscribers keep it)")
    return [_head("-/+", change, f"  (replace: {forcing} {verb} a new version)"),
            *field_lines(change.fields, change.drifted), *steps]


@render_change.register
def _(change: Archive) -> list[str]:
    edits = tuple(f for f in change.fields if f.field != "status")
    return [_head("-", change, "  (archive: kept for existing subscribers, no longer available)"),
            *field_lines(edits, change.drifted)]


@render_change.register
def _(change: Unarchive) -> list[str]:
    return [_head("+", change, "  (unarchive)"), *field_lines(change.fields, change.drifted)]


@render_change.register
def _(change: Delete) -> list[str]:
    return [_head("x", change, "  (DELETE: permanently, with every version)")]


def change_lines(changeset: ChangeSet) -> list[str]:
    lines: list[str] = []
    for change in changeset.changes:
        lines.extend(render_change(change))
    return lines


def render_text(changeset: ChangeSet) -> str:
    header = f"Store: {changeset.store_url} (revision {changeset.base_revision})"
    if changeset.empty:
        return f"{header}\n\nNo changes.\n"
    body = "\n".join(change_lines(changeset))
    return f"{header}\n\n{body}\n\n{changeset.summary()}\n"

