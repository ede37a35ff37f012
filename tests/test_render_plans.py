"""The three plan renderers pinned exactly, one change of every shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from offerspec import __version__
from offerspec.diagnostics import OfferspecError
from offerspec.diff.changes import (
    Archive,
    Create,
    Delete,
    FieldChange,
    Replace,
    Unarchive,
    Update,
)
from offerspec.diff.changeset import ChangeSet
from offerspec.diff.safety import PlanOptions
from offerspec.render.plan_json import load_plan, render_json, to_document
from offerspec.render.plan_markdown import _code, _cut, render_markdown
from offerspec.render.plan_text import render_text

NICK = FieldChange("nickname", "Old", "New")
STATUS_OFF = FieldChange("status", "active", "archived")
STATUS_ON = FieldChange("status", "archived", "active")
PRICE = FieldChange("amount", 999, 1099)
CURRENCY = FieldChange("currency", "USD", "EUR")

CHANGES = (
    Create("products", "fresh", {"id": "fresh", "name": "Fresh", "description": None,
                                  "metadata": {"tier": "gold"}}),
    Update("plans", "adopted", (), {"id": "adopted"}, "h", 1, drifted=True),
    Update("plans", "edited", (NICK,), {"id": "edited"}, "h", 1, drifted=True),
    Update("plans", "renamed", (NICK,), {"id": "renamed"}, "h", 1),
    Replace("plans", "owner", (PRICE, CURRENCY), ("amount", "currency"),
            {"id": "owner", "currency": "EUR"}, "h", 2, offers=("a", "b"), group_plans=("g1", "g2")),
    Replace("plans", "solo", (PRICE,), ("amount",), {"id": "solo", "currency": "JPY"}, "h", 1,
            group_plans=("g",), drifted=True),
    Unarchive("plans", "back", (NICK, STATUS_ON), {"id": "back"}, "h", 1),
    Unarchive("plans", "back-drift", (STATUS_ON,), {"id": "back-drift"}, "h", 1, drifted=True),
    Archive("offers", "shelved", {"id": "shelved"}, "h", 1, (NICK,), drifted=True),
    Archive("plans", "gone", {"id": "gone"}, "h", 1, (STATUS_OFF,)),
    Delete("products", "dead", "h", 3),
)
CHANGESET = ChangeSet(CHANGES, "sqlite:abc", "sqlite:///s.db", 4, "sha256:" + "0123456789" * 7,
                      PlanOptions(delete_removed=True, allow_destroy=True, max_archive_share=0.25))

TEXT_LINES = """\
  + product fresh
      name: "Fresh"
      metadata: {{"tier": "gold"}}
  ~ plan adopted  (live already matches the catalog: recorded as offerspec's){drift}
  ~ plan edited{drift}
      nickname: "Old" (live) → "New" (catalog restores)
  ~ plan renamed
      nickname: "Old" → "New"
  -/+ plan owner  (replace: amount, currency force a new version)
      amount: 9.99 USD → 10.99 EUR (999 → 1099)
      currency: "USD" → "EUR"
      1. create owner v3
      2. point offer(s) a, b at v3
      3. point the group_owner_plan of plan(s) g1, g2 at v3
      4. archive owner v2 (its subscribers keep it)
  -/+ plan solo  (replace: amount forces a new version){drift}
      amount: 999 JPY (live) → 1099 JPY (catalog restores)
      1. create solo v2
      2. point the group_owner_plan of plan(s) g at v2
      3. archive solo v1 (its subscribers keep it)
  + plan back  (unarchive)
      nickname: "Old" → "New"
      status: "archived" → "active"
  + plan back-drift  (unarchive){drift}
      status: "archived" (live) → "active" (catalog restores)
  - offer shelved  (archive: kept for existing subscribers, no longer available){drift}
      nickname: "Old" (live) → "New" (catalog restores)
  - plan gone  (archive: kept for existing subscribers, no longer available)
  x product dead  (DELETE: permanently, with every version)""".format(
    drift="  [drift: changed outside offerspec]")

SUMMARY = ("1 to create, 3 to update, 2 to replace, 2 to archive, 2 to unarchive, 1 to delete, "
           "5 drifted")

MARKDOWN_HEADS = """\
+ product fresh
! plan adopted  (live already matches the catalog: recorded as offerspec's){drift}
! plan edited{drift}
! plan renamed
! plan owner  (replace: amount, currency force a new version)
! plan solo  (replace: amount forces a new version){drift}
+ plan back  (unarchive)
+ plan back-drift  (unarchive){drift}
- offer shelved  (archive: kept for existing subscribers, no longer available){drift}
- plan gone  (archive: kept for existing subscribers, no longer available)
- product dead  (DELETE: permanently, with every version)""".format(
    drift="  [drift: changed outside offerspec]")


def _markdown_details(text_lines: str) -> str:
    """The text plan's lines as Markdown diff lines: a marker per action, details indented."""
    heads = iter(MARKDOWN_HEADS.splitlines())
    return "\n".join(next(heads) if not line.startswith("    ") else line[2:]
                     for line in text_lines.splitlines())


def test_text_plan_pinned() -> None:
    assert render_text(CHANGESET) == (
        f"Store: sqlite:///s.db (revision 4)\n\n{TEXT_LINES}\n\n{SUMMARY}\n")


def test_text_plan_without_changes() -> None:
    empty = ChangeSet((), "i", "sqlite:///s.db", 0, "sha256:x")
    assert render_text(empty) == "Store: sqlite:///s.db (revision 0)\n\nNo changes.\n"


def test_markdown_plan_pinned() -> None:
    details = _markdown_details(TEXT_LINES)
    assert render_markdown(CHANGESET) == f"""\
### offerspec plan

Against `sqlite:///s.db` at revision 4, catalog `sha256:012345678901`.

| action | objects |
|---|---:|
| create | 1 |
| update | 3 |
| replace | 2 |
| archive | 2 |
| unarchive | 2 |
| delete | 1 |

**{SUMMARY}**

> **Drift:** 5 object(s) were changed outside offerspec; applying restores the catalog's values.

```diff
{MARKDOWN_HEADS}
```

<details open><summary>Every change in full (11)</summary>

```diff
{details}
```

</details>
"""
    assert details.startswith('+ product fresh\n    name: "Fresh"\n    metadata: ')


def test_markdown_never_starts_a_replace_line_with_a_minus() -> None:
    """GitHub colours a diff line starting with - red: a replacement is not a deletion."""
    md = render_markdown(CHANGESET)
    minus = [line for line in md.splitlines() if line.startswith("-")]
    assert minus and all("(archive:" in line or "(DELETE:" in line for line in minus)
    assert not any(line.startswith("-/+") for line in md.splitlines())


def test_markdown_folds_the_details_of_a_long_plan_but_shows_one_line_a_change() -> None:
    many = tuple(Create("products", f"p{i:02}", {"id": f"p{i:02}", "name": "N"})
                 for i in range(30))
    md = render_markdown(ChangeSet(many, "i", "u", 0, "sha256:abc"))
    overview, details = md.split("<details>", 1)
    assert "\n".join(f"+ product p{i:02}" for i in range(30)) in overview
    assert details.startswith("<summary>Every change in full (30)</summary>")
    assert '+ product p29\n    name: "N"\n```' in details


def test_markdown_shows_the_four_main_rows_always_and_no_drift_note_without_drift() -> None:
    one = ChangeSet((Create("plans", "x", {}),), "i", "u`", 0, "sha256:abc")
    assert render_markdown(one) == """\
### offerspec plan

Against `` u` `` at revision 0, catalog `sha256:abc`.

| action | objects |
|---|---:|
| create | 1 |
| update | 0 |
| replace | 0 |
| archive | 0 |

**1 to create, 0 to update, 0 to replace, 0 to archive**

```diff
+ plan x
```

<details open><summary>Every change in full (1)</summary>

```diff
+ plan x
```

</details>
"""
    empty = ChangeSet((), "i", "u", 0, "sha256:abc")
    assert render_markdown(empty) == (
        "### offerspec plan\n\nAgainst `u` at revision 0, catalog `sha256:abc`.\n\n**No changes.**\n")


def test_markdown_fence_is_longer_than_any_backtick_run_in_the_values() -> None:
    change = Update("plans", "x", (FieldChange("nickname", "a", "````b"),), {}, "h", 1)
    md = render_markdown(ChangeSet((change,), "i", "u", 0, "sha256:abc"))
    assert '`````diff\n! plan x\n    nickname: "a" → "````b"\n`````\n' in md


def test_code_spans_show_backticks_exactly() -> None:
    assert _code("plain") == "`plain`"
    assert _code("a`b") == "``a`b``"
    assert _code("`a") == "`` `a ``"
    assert _code("a``") == "``` a`` ```"


def test_cut_keeps_what_fits_and_counts_the_rest_within_the_budget() -> None:
    lines = ["a" * 59, "b" * 59, "c" * 59]  # 60 characters each with the newline
    assert _cut(lines, 180) == lines
    notice = ("... {} more line(s) not shown: the comment would be too long; run offerspec plan "
              "for the whole plan")
    budget = 60 + len(notice.format(2)) + 1
    assert _cut(lines, budget) == ["a" * 59, notice.format(2)]
    assert _cut(lines, budget - 1) == [notice.format(3)]


@pytest.mark.parametrize("max_chars", [1000, 1500, 2500, 5000])
@pytest.mark.parametrize("nickname", ["x" * 40, "`" * 300, "\x1b" * 200], ids=["plain", "backticks", "esc"])
def test_markdown_too_long_for_a_comment_is_cut_counting_its_fences(max_chars: int,
                                                                    nickname: str) -> None:
    """The limit holds whatever the fences (longer than any backtick run) and escapes cost."""
    many = tuple(Create("plans", f"p{i:03}", {"id": f"p{i:03}", "nickname": nickname})
                 for i in range(100))
    md = render_markdown(ChangeSet(many, "i", "u", 0, "sha256:abc"), max_chars=max_chars)
    assert len(md) <= max_chars
    assert "more line(s) not shown" in md or "The changes in full are not shown" in md
    assert md.count("```diff") in (1, 2)


def test_json_document_pinned_and_read_back_whole(tmp_path: Path) -> None:
    doc = to_document(CHANGESET)
    assert {k: v for k, v in doc.items() if k != "changes"} == {
        "format": "offerspec-plan", "format_version": 1, "offerspec_version": __version__,
        "store": {"url": "sqlite:///s.db", "identity": "sqlite:abc", "revision": 4},
        "catalog_hash": CHANGESET.catalog_hash,
        "options": {"delete_removed": True, "allow_destroy": True, "max_archive_share": 0.25},
        "summary": {"create": 1, "update": 3, "replace": 2, "archive": 2, "unarchive": 2,
                    "delete": 1, "drift": 5, "text": SUMMARY},
    }
    assert [(c["action"], c["id"]) for c in doc["changes"]] == [(type(c).__name__.lower(), c.id)
                                                               for c in CHANGES]
    text = render_json(CHANGESET)
    assert text.endswith("}\n") and json.loads(text) == doc
    unicode = ChangeSet((Create("products", "x", {"name": "Zürich"}),), "i", "u", 0, "h")
    assert '"name": "Zürich"' in render_json(unicode)


def _valid_changeset() -> ChangeSet:
    from offerspec.catalog import Catalog

    objs = Catalog.from_objects({"products": [{"id": "p", "name": "P"}]}).objects()
    return ChangeSet((Create("products", "p", objs["products"]["p"]),), "sqlite:abc",
                     "sqlite:///s.db", 9, "sha256:" + "ab" * 32,
                     PlanOptions(delete_removed=True, allow_destroy=True, max_archive_share=0.3))


def test_a_saved_plan_loads_as_it_was_made(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(render_json(_valid_changeset()))
    assert load_plan(path) == _valid_changeset()


def test_a_saved_change_whose_data_names_another_id_is_refused(tmp_path: Path) -> None:
    doc = to_document(_valid_changeset())
    doc["changes"][0]["id"] = "q"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(OfferspecError, match="product q: its data has id 'p'"):
        load_plan(path)
