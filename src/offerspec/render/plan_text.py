"""The plan for a terminal: one function per change type (dispatch on the type).

Every line is built from data and passes through ``render.safe`` (one value a line, escaped);
colour is added afterwards, to the change's first line only, and only when asked for.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from offerspec.diff.changes import (
    Archive,
    Change,
    Create,
    Delete,
    FieldChange,
    Rename,
    Replace,
    Unarchive,
    Update,
    action,
    label,
)
from offerspec.diff.changeset import ChangeSet
from offerspec.diff.describe import describe, value
from offerspec.money import exponent, format_amount
from offerspec.render import safe

DRIFT = "[drift: changed outside offerspec]"

COLOUR_BY_ACTION = {"create": "green", "unarchive": "green", "update": "yellow",
                    "rename": "yellow", "replace": "red", "archive": "red", "delete": "red"}


def new_store_line(changeset: ChangeSet) -> str:
    """The first line of a plan made before the store's first apply, in every format."""
    return f"the store {changeset.store_url} does not exist yet: every object is new"


def _is_money(amount: Any, currency: Any) -> bool:
    return type(amount) is int and isinstance(currency, str)


def _shows_minor_units(*currencies: str) -> bool:
    """``(499)`` beside ``4.99 USD`` says what is stored; for JPY (no minor unit) it would repeat."""
    return any(exponent(c) != 0 for c in currencies)


def _currencies(change: Any) -> tuple[Any, Any]:
    """(old, new) currency of a plan change: the catalog's, and the live one where it changes."""
    data = getattr(change, "data", None) or {}
    new = data.get("currency")
    for f in getattr(change, "fields", ()):
        if f.field == "currency":
            return f.old, f.new
    return new, new


def _amount_line(f: FieldChange, currencies: tuple[Any, Any], drifted: bool) -> str | None:
    """``amount: 4.99 USD → 5.99 USD (499 → 599)``: money as money, beside what is stored."""
    if not (_is_money(f.old, currencies[0]) and _is_money(f.new, currencies[1])):
        return None
    old, new = format_amount(f.old, currencies[0]), format_amount(f.new, currencies[1])
    arrow = f"{old} (live) → {new} (catalog restores)" if drifted else f"{old} → {new}"
    units = f" ({f.old} → {f.new})" if _shows_minor_units(*currencies) else ""
    return f"amount: {arrow}{units}"


def field_lines(fields: tuple[FieldChange, ...], drifted: bool, indent: str = "      ",
                currencies: tuple[Any, Any] = (None, None)) -> list[str]:
    lines: list[str] = []
    for f in fields:
        money = _amount_line(f, currencies, drifted) if f.field == "amount" else None
        if money is not None:
            lines.append(money)
        elif drifted:
            lines.append(f"{f.field}: {value(f.old)} (live) → {value(f.new)} (catalog restores)")
        else:
            lines.extend(describe(f))
    return [f"{indent}{line}" for line in lines]


def _changed_fields(change: Any, fields: tuple[FieldChange, ...]) -> list[str]:
    return field_lines(fields, change.drifted, currencies=_currencies(change))


def created_fields(data: dict[str, Any], indent: str = "      ") -> list[str]:
    """Every field of a new object (as Terraform shows every attribute on create), except its id
    (on the line above) and fields left unset (null)."""
    lines = []
    currency = data.get("currency")
    for name, v in data.items():
        if name == "id" or v is None:
            continue
        if name == "amount" and isinstance(currency, str) and _is_money(v, currency):
            units = f" ({v})" if _shows_minor_units(currency) else ""
            lines.append(f"{indent}amount: {format_amount(v, currency)}{units}")
        else:
            lines.append(f"{indent}{name}: {value(v)}")
    return lines


def _head(symbol: str, change: Any, note: str = "") -> str:
    drift = f"  {DRIFT}" if getattr(change, "drifted", False) else ""
    return f"  {symbol} {label(change)}{note}{drift}"


@singledispatch
def render_change(change: Any) -> list[str]:
    """The change's lines, unescaped: its first line names it, the others are indented."""
    raise TypeError(f"no text renderer for {type(change).__name__}")


@render_change.register
def _(change: Create) -> list[str]:
    return [_head("+", change), *created_fields(change.data)]


@render_change.register
def _(change: Update) -> list[str]:
    if not change.fields:
        return [_head("~", change, "  (live already matches the catalog: recorded as offerspec's)")]
    return [_head("~", change), *_changed_fields(change, change.fields)]


def replace_note(change: Replace) -> str:
    forcing = ", ".join(change.forcing)
    verb = "forces" if len(change.forcing) == 1 else "force"
    return f"  (replace: {forcing} {verb} a new version)"


@render_change.register
def _(change: Replace) -> list[str]:
    return [_head("-/+", change, replace_note(change)),
            *_changed_fields(change, change.fields), *replace_steps(change)]


def replace_steps(change: Replace | Rename, before: tuple[str, ...] = ()) -> list[str]:
    """The numbered steps of a replace (``before``: steps that come first)."""
    old, new = change.generation, change.new_generation
    steps = [*before, f"create {change.id} v{new}"]
    if change.offers:
        steps.append(f"point offer(s) {', '.join(change.offers)} at v{new}")
    if change.group_plans:
        steps.append(f"point the group_owner_plan of plan(s) {', '.join(change.group_plans)} "
                     f"at v{new}")
    steps.append(f"archive {change.id} v{old} (its subscribers keep it)")
    return [f"      {n}. {step}" for n, step in enumerate(steps, start=1)]


@render_change.register
def _(change: Rename) -> list[str]:
    """``~> plan new (renamed from old)``: one object, its number and subscribers kept; with a
    replace-forcing field, the rename then the replace's steps."""
    note = f"  (renamed from {change.old_id})"
    if not change.forcing:
        return [_head("~>", change, note), *_changed_fields(change, change.fields)]
    forcing = ", ".join(change.forcing)
    verb = "forces" if len(change.forcing) == 1 else "force"
    head = _head("-/+>", change, f"{note[:-1]}; replace: {forcing} {verb} a new version)")
    rename = f"rename {change.old_id} to {change.id} (every version, the same object numbers)"
    return [head, *_changed_fields(change, change.fields), *replace_steps(change, (rename,))]


ARCHIVE_NOTE = "  (archive: kept for existing subscribers, no longer available)"
DELETE_NOTE = "  (DELETE: permanently, with every version)"


@render_change.register
def _(change: Archive) -> list[str]:
    edits = tuple(f for f in change.fields if f.field != "status")
    return [_head("-", change, ARCHIVE_NOTE), *_changed_fields(change, edits)]


@render_change.register
def _(change: Unarchive) -> list[str]:
    return [_head("+", change, "  (unarchive)"), *_changed_fields(change, change.fields)]


@render_change.register
def _(change: Delete) -> list[str]:
    return [_head("x", change, DELETE_NOTE)]


def change_lines(changeset: ChangeSet) -> list[str]:
    lines: list[str] = []
    for change in changeset.changes:
        lines.extend(render_change(change))
    return lines


def styled_change(change: Change, colour: bool) -> list[str]:
    """One change's lines, escaped, its first line coloured by action when ``colour``."""
    first, *rest = (safe.clean(line) for line in render_change(change))
    name = "replace" if isinstance(change, Rename) and change.forcing else action(change)
    return [safe.style(first, COLOUR_BY_ACTION[name] if colour else None), *rest]


def render_text(changeset: ChangeSet, *, colour: bool = False) -> str:
    lines = [new_store_line(changeset)] if changeset.store_is_new else []
    lines.append(f"Store: {changeset.store_url} (revision {changeset.base_revision})")
    if changeset.empty:
        return safe.text([*lines, "", "No changes.", *note_lines(changeset)])
    body = [line for change in changeset.changes for line in styled_change(change, colour)]
    # The body is already escaped (and may hold colour codes): it is not cleaned again.
    return (safe.text([*lines, ""]) + "\n".join(body) + "\n\n"
            + safe.text([changeset.summary(), *note_lines(changeset)]))


def note_lines(changeset: ChangeSet) -> list[str]:
    """``note[code]: FILE:LINE:COL: message`` and its hint, under the plan."""
    lines = []
    for note in changeset.notes:
        where = f"{note.where[0]}:{note.where[1]}:{note.where[2]}: " if note.where else ""
        lines.append(f"note[{note.code}]: {where}{note.message}")
        if note.hint:
            lines.append(f"  hint: {note.hint}")
    return lines
