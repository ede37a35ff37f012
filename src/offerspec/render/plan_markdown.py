"""The plan as a pull-request comment: a summary table, the details collapsed."""

from __future__ import annotations

from offerspec.diff.changeset import ChangeSet
from offerspec.render.plan_text import change_lines

ROWS = ("create", "update", "replace", "archive", "unarchive", "delete")


def render_markdown(changeset: ChangeSet) -> str:
    head = (f"### offerspec plan\n\nAgainst `{changeset.store_url}` at revision "
            f"{changeset.base_revision}, catalog `{changeset.catalog_hash[:19]}`.\n")
    if changeset.empty:
        return f"{head}\n**No changes.**\n"
    counts = changeset.counts()
    table = ["| action | objects |", "|---|---:|",
             *(f"| {a} | {counts[a]} |" for a in ROWS if counts[a] or a in ROWS[:4])]
    drift = changeset.drift_count()
    warning = (f"\n> **Drift:** {drift} object(s) were changed outside offerspec; "
               "applying restores the catalog's values.\n" if drift else "")
    # Change lines start in column 0 so GitHub colours them as a diff (+ green, - red).
    lines = [line[2:] if line.startswith("  ") else line for line in change_lines(changeset)]
    details = "\n".join(lines).replace("```", "'''")
    return (f"{head}\n**{changeset.summary()}**\n{warning}\n" + "\n".join(table) + "\n\n"
            f"<details><summary>Changes ({len(changeset.changes)})</summary>\n\n"
            f"```diff\n{details}\n```\n\n</details>\n")
