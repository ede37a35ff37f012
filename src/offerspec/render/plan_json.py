"""The plan as JSON (``plan --format json`` / ``--out``), read back by ``apply --plan``.

Versioned by ``format_version``; documented in docs/plan-and-apply.md ("Plan JSON").
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from offerspec import __version__
from offerspec.diagnostics import OfferspecError
from offerspec.diff.changes import Change, Rename, from_dict, label, to_dict
from offerspec.diff.changeset import ChangeSet
from offerspec.diff.safety import PlanOptions
from offerspec.render.plan_text import new_store_line
from offerspec.render.safe import json_text

FORMAT_VERSION = 2
"""2: the ``rename`` action and ``notes``. A plan with neither is written as 1, byte for byte as
before (older offerspec versions read it); both are read."""
READS = (1, 2)
KIND = "offerspec-plan"


def format_version(changeset: ChangeSet) -> int:
    uses_2 = changeset.notes or any(isinstance(c, Rename) for c in changeset.changes)
    return FORMAT_VERSION if uses_2 else 1


def to_document(changeset: ChangeSet) -> dict[str, Any]:
    counts = changeset.counts()
    options = changeset.options
    notice = {"notice": new_store_line(changeset)} if changeset.store_is_new else {}
    version = format_version(changeset)
    actions = ("create", "update", "replace", "archive", "unarchive", "delete",
               *(("rename",) if version >= 2 else ()))
    notes = {"notes": [n.to_dict() for n in changeset.notes]} if version >= 2 else {}
    return notice | {
        "format": KIND,
        "format_version": version,
        "offerspec_version": __version__,
        "store": {"url": changeset.store_url, "identity": changeset.store_identity,
                  "revision": changeset.base_revision},
        "catalog_hash": changeset.catalog_hash,
        "options": {"delete_removed": options.delete_removed,
                    "allow_destroy": options.allow_destroy,
                    "max_archive_share": options.max_archive_share},
        "summary": {a: counts[a] for a in actions}
        | {"drift": changeset.drift_count(), "text": changeset.summary()},
        "changes": [to_dict(c) for c in changeset.changes],
    } | notes


def render_json(changeset: ChangeSet) -> str:
    text = json_text(to_document(changeset))
    if changeset.store_is_new:  # the notice on the first line, as in the other formats
        text = "{" + text.removeprefix("{\n  ")
    return text + "\n"


def _bad(path: Path, why: str) -> OfferspecError:
    return OfferspecError(f"{path}: not a usable offerspec plan file: {why}",
                          hint="create it with: offerspec plan --out FILE")


def _validate_data(path: Path, changes: tuple[Change, ...]) -> None:
    """A plan file is input like any other: what it would write must be a valid object."""
    from pydantic import ValidationError

    from offerspec.catalog import dump_object
    from offerspec.model import MODEL_BY_KIND

    for change in changes:
        data = getattr(change, "data", None)
        if data is None:
            continue
        try:
            obj = MODEL_BY_KIND[change.kind].model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise _bad(path, f"{label(change)}: {where}: {first['msg']}") from exc
        if obj.id != change.id:
            raise _bad(path, f"{label(change)}: its data has id {obj.id!r}")
        if dump_object(obj) != data:  # e.g. a field left out: the store only holds canonical data
            raise _bad(path, f"{label(change)}: its data is not in canonical form "
                             "(edited by hand?)")


def _read(path: Path) -> str:
    """The file's text, while it is a regular file under the size limit (a FIFO, a device or
    /dev/zero is refused, never read without end)."""
    import stat

    from offerspec.render.plan_schema import MAX_PLAN_BYTES

    try:
        # Without blocking on a FIFO that has no writer (it is refused right after).
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise _bad(path, "it is not a regular file")
            raw: bytes = handle.read(MAX_PLAN_BYTES + 1)
    except FileNotFoundError as exc:
        raise OfferspecError(f"{path}: no such plan file",
                             hint="create it with: offerspec plan --out FILE") from exc
    except IsADirectoryError as exc:
        raise _bad(path, "it is a directory") from exc
    except OSError as exc:
        raise _bad(path, f"cannot read it: {exc.strerror or exc}") from exc
    if len(raw) > MAX_PLAN_BYTES:
        raise _bad(path, f"it is over the {MAX_PLAN_BYTES:,}-byte limit of a plan file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _bad(path, f"invalid UTF-8 at byte {exc.start}") from exc


def _constant(name: str) -> float:
    return float(name)  # NaN, Infinity: refused with their place by plan_schema.walk


def load_plan(path: Path) -> ChangeSet:
    """A saved plan, checked against the plan file schema (``plan_schema``) and the models;
    anything else is a located user error."""
    from pydantic import ValidationError

    from offerspec.render.plan_schema import PlanDocument, first_error, walk

    try:
        raw = json.loads(_read(path), parse_constant=_constant)
    except RecursionError:
        raise _bad(path, "its JSON is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise _bad(path, str(exc)) from exc
    if not isinstance(raw, dict) or raw.get("format") != KIND:
        raise _bad(path, "it is not an offerspec plan")
    version = raw.get("format_version")
    if type(version) is not int or version not in READS:  # bool: True == 1
        raise _bad(path, f"format_version {version!r} is not "
                         f"{' or '.join(map(str, READS))}, the versions this offerspec reads")
    problem = walk(raw)
    if problem is not None:
        raise _bad(path, problem)
    try:
        document = PlanDocument.model_validate(raw)
    except ValidationError as exc:
        raise _bad(path, first_error(exc)) from None
    options = PlanOptions(document.options.delete_removed, document.options.allow_destroy,
                          document.options.max_archive_share)
    changes = tuple(from_dict(c) for c in raw["changes"])
    if version < 2 and any(isinstance(c, Rename) for c in changes):
        raise _bad(path, "a rename in a format_version 1 plan (renames came with 2)")
    _validate_data(path, changes)
    changeset = ChangeSet(changes, document.store.identity, document.store.url,
                          document.store.revision, document.catalog_hash, options)
    _check_summary(path, raw["summary"], changeset)
    return changeset


def _check_summary(path: Path, summary: dict[str, Any], changeset: ChangeSet) -> None:
    """The summary is what a reviewer read: it must say what the changes do."""
    counts = changeset.counts()
    actions = [a for a in ("create", "update", "replace", "archive", "unarchive", "delete",
                           "rename") if a in summary]
    expected = {a: counts[a] for a in actions} | {"drift": changeset.drift_count(),
                                                     "text": changeset.summary()}
    wrong = [key for key, value in expected.items() if summary[key] != value]
    if wrong:
        key = wrong[0]
        raise _bad(path, f"summary.{key}: it says {summary[key]!r}, the changes make "
                         f"{expected[key]!r} (edited by hand?)")
