"""How the rows of an apply (store/writes.py) are written to the SQLite store: ``executemany``
per statement."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from offerspec.store.writes import OLD_GENERATIONS, WRITERS, Rows, record

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

    def move_id(self, kind: str, old: str, new: str) -> None:
        self.conn.execute("UPDATE objects SET id = ? WHERE kind = ? AND id = ? AND deleted IS NULL",
                          (new, kind, old))
        self.conn.execute("UPDATE heads SET id = ? WHERE kind = ? AND id = ?", (new, kind, old))

    def old_generations(self, kind: str) -> Iterable[tuple[int, str, int, str, bool]]:
        return self.conn.execute(OLD_GENERATIONS, (kind,)).fetchall()

    def flush(self) -> None:
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
