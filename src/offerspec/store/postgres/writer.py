"""How the rows of an apply (store/writes.py) are written to PostgreSQL: ``COPY`` for the new
rows, one set-based statement (over ``unnest`` of arrays) for the rows replaced or deleted — a
few round trips per batch of 2,000 changes, never one per change."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from offerspec.store.writes import OLD_GENERATIONS, Rows

IN_KEYS = "(kind, id) IN (SELECT * FROM unnest(%s::text[], %s::text[]))"


def last_number(conn: Any) -> int:
    """The highest object number given out (rows of ``objects`` are never removed)."""
    row = conn.execute("SELECT coalesce(max(number), 0) FROM objects").fetchone()
    return int(row[0])


class CopyWriter(Rows):
    def __init__(self, conn: Any, revision: int, numbers: dict[tuple[str, str], int],
                 written_hashes: dict[tuple[str, str], str] | None = None) -> None:
        super().__init__(revision, numbers, last_number(conn), written_hashes)
        self.conn = conn

    def move_id(self, kind: str, old: str, new: str) -> None:
        self.conn.execute("UPDATE objects SET id = %s WHERE kind = %s AND id = %s "
                          "AND deleted IS NULL", (new, kind, old))
        self.conn.execute("UPDATE heads SET id = %s WHERE kind = %s AND id = %s", (new, kind, old))

    def old_generations(self, kind: str) -> Iterable[tuple[int, str, int, str, bool]]:
        rows: list[tuple[int, str, int, str, bool]] = self.conn.execute(
            OLD_GENERATIONS.replace("?", "%s"), (kind,)).fetchall()
        return rows

    def flush(self) -> None:
        cur = self.conn.cursor()
        if self.deleted:
            kinds = [k for _, k, _ in self.deleted]
            ids = [i for _, _, i in self.deleted]
            cur.execute(f"UPDATE objects SET deleted = %s WHERE deleted IS NULL AND {IN_KEYS}",
                        (self.revision, kinds, ids))
            cur.execute(f"DELETE FROM heads WHERE {IN_KEYS}", (kinds, ids))
        # Heads of objects that already had one are replaced (SQLite: INSERT OR REPLACE).
        replaced = [(k, i) for k, i, *_ in self.heads if (k, i) in self.numbers]
        if replaced:
            cur.execute(f"DELETE FROM heads WHERE {IN_KEYS}",
                        ([k for k, _ in replaced], [i for _, i in replaced]))
        _copy(cur, "objects (number, kind, id, generation)", self.objects)
        _copy(cur, "versions (number, revision, data, compact)", self.versions)
        _copy(cur, "heads (kind, id, number, revision, written_hash, status)", self.heads)


def _copy(cur: Any, table: str, rows: list[Any]) -> None:
    if not rows:
        return
    with cur.copy(f"COPY {table} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
