"""The HTTP store's connection rules (URL, token, TLS), unmanaged objects and import."""

from __future__ import annotations

from pathlib import Path

import pytest

from httpkit import platform
from offerspec.diagnostics import OfferspecError
from offerspec.store.http.config import Secret, load_config, parse_url, read_token
from offerspec.store.http.snapshot import read_snapshot
from offerspec.store.http.steps import step_lines
from servekit import WRITE, WRITE_TOKEN


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/v1", "http://localhost:1", "http://[::1]:8/x",
                                 "https://api.example.com/v1/"])
def test_https_anywhere_plain_http_only_to_loopback(url: str) -> None:
    assert parse_url(url).rstrip("/") == url.rstrip("/")


@pytest.mark.parametrize(("url", "says"), [
    ("http://api.example.com/v1", "would send the token unencrypted"),
    ("https://user:secret@api.example.com", "carries credentials"),
    ("https://api.example.com/v1?x=1", "query or fragment"),
    ("https:///v1", "malformed"),
])
def test_refused_urls(url: str, says: str) -> None:
    with pytest.raises(OfferspecError) as refused:
        parse_url(url)
    assert says in refused.value.message
    assert "secret" not in refused.value.message


def test_insecure_http_allows_plain_http_off_loopback() -> None:
    assert parse_url("http://api.example.com/v1", insecure_http=True) == "http://api.example.com/v1"


def test_token_from_the_environment_or_a_file_never_shown(tmp_path: Path) -> None:
    token = read_token({"OFFERSPEC_TOKEN": " abc123 "})
    assert isinstance(token, Secret) and token.reveal() == "abc123"
    assert "abc123" not in repr(token) and "abc123" not in str(token)
    path = tmp_path / "token"
    path.write_text("fromfile\n")
    from_file = read_token({"OFFERSPEC_TOKEN_FILE": str(path)})
    assert from_file is not None and from_file.reveal() == "fromfile"
    assert read_token({}) is None
    with pytest.raises(OfferspecError, match="cannot read"):
        read_token({"OFFERSPEC_TOKEN_FILE": str(tmp_path / "missing")})
    with pytest.raises(OfferspecError, match="characters a header cannot carry"):
        read_token({"OFFERSPEC_TOKEN": "a b"})
    assert "abc123" not in repr(load_config("https://h.example"))


def test_a_missing_ca_bundle_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(OfferspecError, match="CA bundle"):
        load_config("https://h.example", ca_bundle=str(tmp_path / "none.pem"))


def test_the_token_is_not_in_offerspec_toml_nor_any_output(run, cat: Path, tmp_path: Path,
                                                          monkeypatch) -> None:
    with platform(tmp_path / "platform") as api:
        monkeypatch.delenv("OFFERSPEC_TOKEN")
        refused = run("apply", str(cat), "--store", api.url, "--auto-approve")
        assert refused.exit_code == 1 and "401" in refused.output
        token_file = tmp_path / "token"
        token_file.write_text(WRITE_TOKEN + "\n")
        monkeypatch.setenv("OFFERSPEC_TOKEN_FILE", str(token_file))
        saved = tmp_path / "plan.json"
        planned = run("plan", str(cat), "--store", api.url, "--out", str(saved))
        applied = run("apply", "--plan", str(saved), "--store", api.url)
        assert applied.exit_code == 0, applied.output
        for text in (planned.output, applied.output, saved.read_text()):
            assert WRITE_TOKEN not in text


def _lists() -> dict[str, list[dict]]:
    product = {"id": 1, "name": "P", "description": None, "active": "active", "status": "active",
               "metadata": {"offerspec_id": "p", "offerspec_hash": "x"}}
    stranger = {**product, "id": 2, "name": "Made on the platform", "metadata": {}}
    return {"products": [product, stranger], "plans": [], "offers": []}


def test_objects_without_offerspec_id_are_unmanaged_listed_never_planned() -> None:
    snapshot = read_snapshot("https://h", "platform:https://h", _lists())
    assert set(snapshot.objects["products"]) == {"p"}
    assert [u.number for u in snapshot.unmanaged] == [2]
    lines = step_lines([], snapshot)
    assert "Unmanaged on the platform" in lines[0] and "offerspec import" in lines[0]
    assert "product 2 ('Made on the platform', active)" in lines[1]
    assert snapshot.objects["products"]["p"].drifted  # its content does not hash to "x"


def test_import_adopts_an_object_then_it_is_managed(run, tmp_path: Path) -> None:
    with platform(tmp_path / "platform") as api, api.http() as client:
        created = client.post("/products", json={"name": "Made on the platform"}, headers=WRITE)
        assert created.status_code == 201
        number = created.json()["id"]
        assigned = created.json()["metadata"]["offerspec_id"]
        other = run("import", "product/another-id", str(number), "--store", api.url)
        assert other.exit_code == 1 and f"already catalog product {assigned!r}" in other.output
        adopted = run("import", f"product/{assigned}", str(number), "--store", api.url)
        assert adopted.exit_code == 0, adopted.output
        again = run("import", f"product/{assigned}", str(number), "--store", api.url)
        assert "nothing to do" in again.output
        store = api.store()
        try:
            assert not store.snapshot().objects["products"][assigned].drifted
        finally:
            store.close()
        bad = run("import", "product/Not_An_Id", str(number), "--store", api.url)
        assert bad.exit_code == 1 and "not a valid catalog id" in bad.output
        sqlite = run("import", "product/x", "1", "--store", api.sqlite_url)
        assert sqlite.exit_code == 1 and "not an HTTP store" in sqlite.output
