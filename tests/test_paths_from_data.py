"""Nothing written lands outside its place (issue 12): every file name built from data (pull's
``plans-<product>.yaml``) is one safe component (``offerspec.paths.file_name``), joined by the
one ``safe_join``, whatever the data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from offerspec.diagnostics import OfferspecError
from offerspec.paths import MAX_NAME_BYTES, file_name, safe_join
from offerspec.pull import pull_files
from offerspec.store.base import LiveObject, Snapshot, text_hash

HOSTILE = ["x/../../../ESCAPED", "..", ".", "", "/etc/passwd", "a\\..\\b", "nul\0byte",
           ".hidden", "%2F", "x" * 400, "é" * 200, "\u202e", "CON", "a b", "-"]


def _safe(directory: Path, name: str) -> None:
    joined = safe_join(directory, name)
    assert joined.parent == directory and joined.name == name
    assert len(name.encode()) <= MAX_NAME_BYTES and not name.startswith(".")


@pytest.mark.parametrize("stem", HOSTILE)
def test_a_name_from_data_is_one_component(tmp_path: Path, stem: str) -> None:
    _safe(tmp_path, file_name(f"plans-{stem}", ".yaml"))
    _safe(tmp_path, file_name(stem))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=300), min_size=2, max_size=2, unique=True))
def test_distinct_stems_make_distinct_safe_names(stems: list[str]) -> None:
    names = [file_name(s, ".yaml") for s in stems]
    assert names[0] != names[1]
    for name in names:
        _safe(Path("/out"), name)


def test_a_slug_keeps_its_readable_name() -> None:
    assert file_name("plans-digital-access", ".yaml") == "plans-digital-access.yaml"


@pytest.mark.parametrize("name", ["../x", "..", "a/b", "", "x" * 256, "a\0b"])
def test_safe_join_refuses_what_would_leave_the_directory(tmp_path: Path, name: str) -> None:
    with pytest.raises(OfferspecError, match="not a plain file name"):
        safe_join(tmp_path, name)


def _snapshot(product: str) -> Snapshot:
    data = {"id": "p1", "nickname": "P", "product": product, "amount": 1, "currency": "USD",
            "status": "active"}
    text = json.dumps(data)
    plan = LiveObject("plans", "p1", 1, text, text_hash(text))
    return Snapshot("i", "sqlite:///s.db", 1, {"products": {}, "plans": {"p1": plan},
                                               "offers": {}})


@pytest.mark.parametrize("product", HOSTILE)
def test_pull_names_its_files_inside_out_whatever_the_ids(tmp_path: Path, product: str) -> None:
    # The library, below the CLI's own check of every live object.
    for name in pull_files(_snapshot(product)):
        _safe(tmp_path / "out", name)


def test_pull_of_a_store_with_an_escaping_id_writes_nothing_outside(run, cat, url, tmp_path) -> None:
    from storekit import edit_live, heads

    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    live = json.loads(heads(tmp_path / "store.db")[("plans", "monthly-digital")])
    live["product"] = "x/../../../ESCAPED"
    edit_live(tmp_path / "store.db", "monthly-digital", json.dumps(live))
    out = tmp_path / "a" / "b" / "out"
    result = run("pull", "--out", str(out), "--store", url)
    assert result.exit_code == 1 and "hint:" in result.stderr
    assert not list(tmp_path.rglob("*ESCAPED*"))
