"""How the rows of an apply (store/writes.py) are written to the SQLite store: ``executemany``
per statement."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from offerspec.store.writes import WRITERS, Rows, record

__all__ = ["WRITERS", "Writer", "record"]


class Writer(Rows):
    """Collects rows per statement and writes them with executemany."""

    def __init__(self, conn: sqlite3.Connection, revision: int,
                 numbers: dict[tuple[str, str], int],
                 written_hashes: dict[tuple[str, str], str] | None = None) -> None:
        row = conn.execute("SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE "
                           "name = 'objects'), 0), coalesce((SELECT max(number) FROM objects), "
                           "0))").fetchone()
        super().__init__(revision, numbers, int(row[0]), written_hashes)
        self.conn = conn

    def flush(self) -> None:
        if self.renamed:
            self.conn.executemany("UPDATE objects SET id = ? WHERE kind = ? AND id = ? AND "
                                  "deleted IS NULL", self.renamed)
            self.conn.executemany("UPDATE heads SET id = ? WHERE kind = ? AND id = ?",
                                  self.renamed)
        if self.deleted:
            self.conn.executemany("UPDATE objects SET deleted = ? WHERE kind = ? AND id = ? "
                                  "AND deleted IS NULL", self.deleted)
            self.conn.executemany("DELETE FROM heads WHERE kind = ? AND id = ?",
                                  [(k, i) for _, k, i in self.deleted])
        self.conn.executemany("INSERT INTO objects (number, kind, id, generation) "
                              "VALUES (?, ?, ?, ?)", self.objects)
        self.conn.executemany("INSERT INTO versions VALUES (?, ?, ?, ?)", self.versions)
        self.conn.executemany("INSERT OR REPLACE INTO heads VALUES (?, ?, ?, ?, ?, ?, NULL)",
                              self.heads)
        self.clear()

    def old_generations(self, kinds: Sequence[str]) -> list[tuple[str, int, str, int, Any, Any]]:
        marks = ", ".join("?" for _ in kinds)
        return [tuple(row) for row in self.conn.execute(
            OLD_GENERATIONS.format(kinds=marks), tuple(kinds)).fetchall()]


OLD_GENERATIONS = (
    "SELECT o.kind, o.number, o.id, v.revision, v.data, v.compact FROM objects o JOIN versions v "
    "ON v.number = o.number AND v.revision = (SELECT max(revision) FROM versions WHERE number = "
    "o.number) WHERE o.kind IN ({kinds}) AND o.deleted IS NULL AND o.number NOT IN (SELECT "
    "number FROM heads) ORDER BY o.number")
"""The latest version of every generation that is no head (store.writes.Rows.old_generations);
PostgreSQL runs it too."""
