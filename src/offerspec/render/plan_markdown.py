"""The plan as a pull-request comment: a summary table, the details collapsed."""

from __future__ import annotations

import re

from offerspec.diff.changeset import ChangeSet
from offerspec.render.plan_text import change_lines

ROWS = ("create", "update", "replace", "archive", "unarchive", "delete")

MAX_CHARS = 60_000
"""GitHub refuses comments over 65,536 characters: longer details are cut, saying so."""

_BACKTICKS = re.compile("`+")


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(text)), default=0)


def _code(text: str) -> str:
    """Inline code that shows ``text`` exactly, backticks included (CommonMark code spans)."""
    ticks = "`" * (_longest_backtick_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _cut(lines: list[str], budget: int) -> list[str]:
    """The first lines that fit in ``budget`` characters, then a line saying how many are left."""
    kept: list[str] = []
    used = 0
    for line in lines:
        used += len(line) + 1
        if used > budget:
            rest = len(lines) - len(kept)
            return [*kept, f"... {rest} more line(s) not shown: the comment would be too long; "
                           "run offerspec plan for the whole plan"]
        kept.append(line)
    return kept


def render_markdown(changeset: ChangeSet, *, max_chars: int = MAX_CHARS) -> str:
    head = (f"### offerspec plan\n\nAgainst {_code(changeset.store_url)} at revision "
            f"{changeset.base_revision}, catalog `{changeset.catalog_hash[:19]}`.\n")
    if changeset.empty:
        return f"{head}\n**No changes.**\n"
    counts = changeset.counts()
    table = ["| action | objects |", "|---|---:|",
             *(f"| {a} | {counts[a]} |" for a in ROWS if counts[a] or a in ROWS[:4])]
    drift = changeset.drift_count()
    warning = (f"\n> **Drift:** {drift} object(s) were changed outside offerspec; "
               "applying restores the catalog's values.\n" if drift else "")
    top = f"{head}\n**{changeset.summary()}**\n{warning}\n" + "\n".join(table) + "\n\n"
    # Change lines start in column 0 so GitHub colours them as a diff (+ green, - red).
    lines = [line[2:] if line.startswith("  ") else line for line in change_lines(changeset)]
    lines = _cut(lines, max_chars - len(top) - 200)
    details = "\n".join(lines)
    # A fence longer than any run of backticks in the values: they are shown as they are.
    fence = "`" * max(3, _longest_backtick_run(details) + 1)
    return (top + f"<details><summary>Changes ({len(changeset.changes)})</summary>\n\n"
            f"{fence}diff\n{details}\n{fence}\n\n</details>\n")
