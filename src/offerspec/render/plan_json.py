"""The plan as JSON (``plan --format json`` / ``--out``), read back by ``apply --plan``.

Versioned by ``format_version``; documented in docs/plan-and-apply.md ("Plan JSON").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from offerspec import __version__
from offerspec.diagnostics import OfferspecError
from offerspec.diff.changes import Change, from_dict, label, to_dict
from offerspec.diff.changeset import ChangeSet
from offerspec.diff.safety import PlanOptions
from offerspec.render.plan_text import new_store_line
from offerspec.render.safe import json_text

FORMAT_VERSION = 1
KIND = "offerspec-plan"


def to_document(changeset: ChangeSet) -> dict[str, Any]:
    counts = changeset.counts()
    options = changeset.options
    notice = {"notice": new_store_line(changeset)} if changeset.store_is_new else {}
    return notice | {
        "format": KIND,
        "format_version": FORMAT_VERSION,
        "offerspec_version": __version__,
        "store": {"url": changeset.store_url, "identity": changeset.store_identity,
                  "revision": changeset.base_revision},
        "catalog_hash": changeset.catalog_hash,
        "options": {"delete_removed": options.delete_removed,
                    "allow_destroy": options.allow_destroy,
                    "max_archive_share": options.max_archive_share},
        "summary": {a: counts[a] for a in
                    ("create", "update", "replace", "archive", "unarchive", "delete")}
        | {"drift": changeset.drift_count(), "text": changeset.summary()},
        "changes": [to_dict(c) for c in changeset.changes],
    } | ({"etags": dict(sorted(changeset.etags.items()))} if changeset.etags else {})


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


def load_plan(path: Path) -> ChangeSet:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise OfferspecError(f"{path}: no such plan file",
                             hint="create it with: offerspec plan --out FILE") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _bad(path, str(exc)) from exc
    if not isinstance(raw, dict) or raw.get("format") != KIND:
        raise _bad(path, "it is not an offerspec plan")
    version = raw.get("format_version")
    if type(version) is not int or version != FORMAT_VERSION:  # bool: True == 1
        raise _bad(path, f"format_version {version!r} is not "
                         f"{FORMAT_VERSION}, the version this offerspec reads")
    try:
        store, opts = raw["store"], raw["options"]
        options = PlanOptions(bool(opts["delete_removed"]), bool(opts["allow_destroy"]),
                              float(opts["max_archive_share"]))
        changes = tuple(from_dict(c) for c in raw["changes"])
        _validate_data(path, changes)
        etags = raw.get("etags", {})
        if not isinstance(etags, dict) or not all(isinstance(v, str) for v in etags.values()):
            raise ValueError("etags")
        return ChangeSet(changes, str(store["identity"]), str(store["url"]),
                         int(store["revision"]), str(raw["catalog_hash"]), options,
                         {str(k): v for k, v in etags.items()})
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad(path, f"missing or invalid {exc}") from exc
