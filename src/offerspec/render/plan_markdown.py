"""The plan as a pull-request comment: the summary table first, then one line a change (open),
then every change in full (collapsed when long).

Every value goes through ``render.safe``: code spans and fences hold escaped text only, so a
store URL or a nickname can neither end a code span nor open HTML (``<!--`` would hide the rest).
Diff lines start with ``+`` (create, unarchive: green), ``!`` (update, replace: orange) or
``-`` (archive, delete: red), never ``-/+``: a replacement is not a deletion.
"""

from __future__ import annotations

from offerspec.diagnostics import Diagnostic
from offerspec.diff.changes import Change, action
from offerspec.diff.changeset import ChangeSet
from offerspec.render import safe
from offerspec.render.plan_text import new_store_line, note_lines, render_change

ROWS = ("create", "update", "replace", "archive", "rename", "unarchive", "delete")

MAX_CHARS = 60_000
"""GitHub refuses comments over 65,536 characters: longer details are cut, saying so."""

OPEN_LINES = 40
"""Every change in full is shown unfolded when it takes at most this many lines."""

MARKER = {"create": "+", "unarchive": "+", "update": "!", "replace": "!", "rename": "!",
          "archive": "-", "delete": "-"}
"""The first column of a change's diff line: GitHub colours + green, ! orange, - red."""

_code = safe.md_code


def _cut_notice(rest: int) -> str:
    return (f"... {rest} more line(s) not shown: the comment would be too long; "
            "run offerspec plan for the whole plan")


DETAILS_LEFT_OUT = ("\nThe changes in full are not shown: the comment would be too long; "
                    "run offerspec plan for the whole plan.\n")


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def _cut(lines: list[str], budget: int) -> list[str]:
    """The first lines (cleaned) that fit in ``budget`` characters with a last line saying how
    many are left; all of them when they fit."""
    if _size(lines) <= budget:
        return lines
    kept: list[str] = []
    used = 0
    for line in lines:
        rest = len(lines) - len(kept)
        if used + len(line) + 1 + len(_cut_notice(rest - 1)) + 1 > budget:
            return [*kept, _cut_notice(rest)]
        kept.append(line)
        used += len(line) + 1
    return kept  # not reached: the lines did not fit


def _diff_lines(change: Change) -> list[str]:
    """The change's text lines with its marker in column 0 and the details indented under it."""
    head, *rest = render_change(change)
    name = head.strip().split(" ", 1)[1]  # drop the text symbol (+, ~, -/+, -, x)
    return [safe.clean(f"{MARKER[action(change)]} {name}"),
            *(safe.clean(line[2:] if line.startswith("  ") else line) for line in rest)]


def _heading(title: str) -> str:
    return f"### offerspec plan{title}\n\n"


def render_markdown(changeset: ChangeSet, *, max_chars: int = MAX_CHARS) -> str:
    new = f": {safe.clean(new_store_line(changeset))}" if changeset.store_is_new else ""
    head = (f"{_heading(new)}Against {safe.md_code(changeset.store_url)} at revision "
            f"{changeset.base_revision}, catalog {safe.md_code(changeset.catalog_hash[:19])}.\n")
    notes = _notes(changeset)
    if changeset.empty:
        return f"{head}\n**No changes.**\n{notes}"
    counts = changeset.counts()
    table = ["| action | objects |", "|---|---:|",
             *(f"| {a} | {counts[a]} |" for a in ROWS if counts[a] or a in ROWS[:4])]
    drift = changeset.drift_count()
    warning = (f"\n> **Drift:** {drift} object(s) were changed outside offerspec; "
               "applying restores the catalog's values.\n" if drift else "")
    top = (f"{head}\n" + "\n".join(table) + f"\n\n**{changeset.summary()}**\n{warning}"
           f"{notes}\n")
    per_change = [_diff_lines(c) for c in changeset.changes]
    overview = [lines[0] for lines in per_change]
    full = [line for lines in per_change for line in lines]
    # Each block's fence is longer than any backtick run in it (cutting only shortens runs).
    overview_fence, full_fence = safe.md_fence_for(overview), safe.md_fence_for(full)

    def empty_block(fence: str) -> int:
        return len(safe.md_fence([], "diff", fence))

    unfolded = " open" if len(full) <= OPEN_LINES else ""
    details_head = (f"\n<details{unfolded}><summary>Every change in full "
                    f"({len(changeset.changes)})</summary>\n\n")
    details_tail = "\n</details>\n"
    both = (len(top) + empty_block(overview_fence) + empty_block(full_fence) + len(details_head)
            + len(details_tail))
    if both + _size(overview) + _size(_cut(full, 0)) <= max_chars:
        full = _cut(full, max_chars - both - _size(overview))
        return (top + safe.md_fence(overview, "diff", overview_fence) + details_head
                + safe.md_fence(full, "diff", full_fence) + details_tail)
    # Not even one line a change fits with the details: the overview alone, cut, saying so.
    overview = _cut(overview, max_chars - len(top) - empty_block(overview_fence)
                    - len(DETAILS_LEFT_OUT))
    return top + safe.md_fence(overview, "diff", overview_fence) + DETAILS_LEFT_OUT


def _notes(changeset: ChangeSet) -> str:
    """The plan's notes (renames), in a block under the summary, every line escaped."""
    if not changeset.notes:
        return ""
    lines = [safe.clean(line) for line in note_lines(changeset)]
    return f"\n**Notes ({len(changeset.notes)})**\n\n{safe.md_fence(lines, 'text')}"


def render_markdown_errors(diagnostics: list[Diagnostic], *, max_chars: int = MAX_CHARS) -> str:
    """An invalid catalog as a comment a reviewer can read: no plan, and why (exit code as is)."""
    from offerspec.render.diagnostics import render_text

    errors = sum(1 for d in diagnostics if d.is_error)
    lines = render_text(diagnostics).splitlines()  # each line already escaped
    fence = safe.md_fence_for(lines)
    top = (f"{_heading(': the catalog is invalid, no plan')}"
           f"**{errors} error(s)**: fix them, then plan again.\n\n")
    lines = _cut(lines, max_chars - len(top) - len(safe.md_fence([], "text", fence)))
    return top + safe.md_fence(lines, "text", fence)


def render_markdown_error(message: str, hint: str | None) -> str:
    """A user error other than an invalid catalog (a bad store URL, an unreadable store)."""
    lines = [f"error: {message}", *([f"  hint: {hint}"] if hint else [])]
    return f"{_heading(': no plan')}{safe.md_fence(lines, 'text')}"
