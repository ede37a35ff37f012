"""The history stream's one shape check (store/dump.py), which every loader runs: a stream that
breaks the contract is a located error naming the record, before anything is committed."""

from __future__ import annotations

from typing import Any

import pytest

from offerspec.store.dump import (
    DumpHeader,
    HeadRecord,
    HistoryCheck,
    ObjectRecord,
    RevisionRecord,
    VersionRecord,
    json_list_items,
)
from offerspec.store.rows import DamagedStore

PLAN = '{"amount":1}'


def stream(**changes: Any) -> list[Any]:
    """A valid stream: two objects, two revisions, two heads; ``changes`` replace records by
    their position (``r3=...``) or drop them (``r3=None``)."""
    records: list[Any] = [
        DumpHeader("sqlite:///s.db", objects=3, versions=3, revisions=2, last_number=3),
        ObjectRecord(1, "plans", "a", 1),
        ObjectRecord(2, "plans", "b", 1),
        ObjectRecord(3, "plans", "c", 1, deleted=2),
        RevisionRecord(1, "t", "u", "h", "hash", "3 to create",
                       changes='[{"action":"create","kind":"plans","id":"a","version":1},'
                               '{"version":2},{"version":3}]'),
        VersionRecord(1, 1, PLAN, compact=True),
        VersionRecord(2, 1, PLAN),
        VersionRecord(3, 1, PLAN),
        RevisionRecord(2, "t", "u", "h", "hash", "1 to delete", changes='[{"action":"delete"}]'),
        HeadRecord("plans", "a", 1, 1, "w", "active"),
        HeadRecord("plans", "b", 2, 1, "w", "active", edited="{}"),
    ]
    for key, value in changes.items():
        records[int(key[1:])] = value
    return [r for r in records if r is not None]


def check(records: list[Any]) -> HistoryCheck:
    checked = HistoryCheck("sqlite:///s.db")
    for record in records:
        checked.see(record)
    checked.finish()
    return checked


def test_a_valid_stream_passes_and_keeps_what_a_loader_needs() -> None:
    checked = check(stream())
    assert checked.counts == {"objects": 3, "versions": 3, "revisions": 2, "heads": 2}
    assert checked.kinds == {1: "plans", 2: "plans", 3: "plans"}


BROKEN = {
    "no header": ({"r0": None}, "history row 1: the stream does not start with its header"),
    "objects out of order": ({"r2": ObjectRecord(1, "plans", "b", 1)},
                             "objects row number 1: out of order"),
    "an unknown kind": ({"r1": ObjectRecord(1, "widgets", "a", 1)}, "kind 'widgets' is not"),
    "generation 0": ({"r1": ObjectRecord(1, "plans", "a", 0)}, "generation is not positive"),
    "an object after the revisions": ({"r6": ObjectRecord(9, "plans", "z", 1)},
                                      "objects row number 9: comes after the revisions"),
    "a version of another revision": ({"r6": VersionRecord(2, 2, PLAN)},
                                      "versions row (number 2, revision 2): not in the order"),
    "a version of no object": ({"r6": VersionRecord(7, 1, PLAN)}, "object number 7 is not in "
                                                                 "the objects table"),
    "a version twice": ({"r6": VersionRecord(1, 1, PLAN)}, "out of order (or written twice)"),
    "changes not JSON": ({"r4": RevisionRecord(1, "t", "u", "h", "x", "s", changes="[{")},
                         "revisions row 1: changes is not valid JSON"),
    "changes not a list": ({"r4": RevisionRecord(1, "t", "u", "h", "x", "s", changes="{}")},
                           "revisions row 1: changes is not valid JSON (not a JSON list)"),
    "a change not an object": ({"r8": RevisionRecord(2, "t", "u", "h", "x", "s", changes="[1]")},
                               "revisions row 2: change 1 is not a JSON object"),
    "a reference to no version": ({"r8": RevisionRecord(2, "t", "u", "h", "x", "s",
                                                        changes='[{},{"version":1}]')},
                                  "revisions row 2: change 2 refers to version 1, which is not"),
    "a reference not a number": ({"r8": RevisionRecord(2, "t", "u", "h", "x", "s",
                                                       changes='[{"version":"1"}]')},
                                 "change 1 refers to version '1'"),
    "revisions out of order": ({"r8": RevisionRecord(1, "t", "u", "h", "x", "s")},
                               "revisions row 1: out of order"),
    "heads out of order": ({"r10": HeadRecord("plans", "a", 2, 1, "w", "active")},
                           "heads row plans/a: out of order"),
    "a head of another kind": ({"r9": HeadRecord("offers", "a", 1, 1, "w", "active")},
                               "its object number 1 is a plans object"),
    "a head of a deleted object": ({"r10": HeadRecord("plans", "c", 3, 1, "w", "active")},
                                   "its object number 3 was deleted"),
    "a head not at its latest version": ({"r9": HeadRecord("plans", "a", 1, 2, "w", "active")},
                                         "the version this refers to is missing"),
    "a deletion in no revision": ({"r3": ObjectRecord(3, "plans", "c", 1, deleted=9)},
                                  "deleted in revision 9, which is not in the revisions table"),
    "a stream cut short": ({"r10": None, "r9": None, "r8": None},
                           "history row revisions: 2 announced, 1 read"),
    "last number below the objects": ({"r0": DumpHeader("sqlite:///s.db", 3, 3, 2, 1)},
                                      "last_number: 1 is below object number 3"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_stream_is_a_located_error(case: str) -> None:
    changes, message = BROKEN[case]
    with pytest.raises(DamagedStore, match=r"^sqlite:///s\.db: the store is damaged: ") as caught:
        check(stream(**changes))
    assert message in caught.value.message
    assert caught.value.hint


@pytest.mark.parametrize("text, items", [("[]", []), (" [ 1 , {\"a\": [2]} ] ", [1, {"a": [2]}]),
                                         ('[{"version":1}]', [{"version": 1}])])
def test_json_list_items_reads_a_list_one_item_at_a_time(text: str, items: list[Any]) -> None:
    assert list(json_list_items(text)) == items


@pytest.mark.parametrize("text", ["", "[", "[1,]", "[1 2]", "[]x", "{}", "[1]]", "[,1]"])
def test_json_list_items_refuses_what_is_not_one_list(text: str) -> None:
    with pytest.raises(ValueError):
        list(json_list_items(text))


def test_deeply_nested_changes_are_told_as_such() -> None:
    deep = "[" + "[" * 100_000 + "]" * 100_000 + "]"
    with pytest.raises(DamagedStore, match="changes holds JSON nested too deeply"):
        check(stream(r4=RevisionRecord(1, "t", "u", "h", "x", "s", changes=deep)))
