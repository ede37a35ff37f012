"""The YAML loader: one test per hazard, each pinning the exact location and code."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from offerspec import load_catalog
from offerspec.load import load_document, load_documents
from offerspec.load.files import Document

Problems = list[tuple[int, int, str]]
Load = Callable[..., tuple[Any, Problems]]


@pytest.fixture
def load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Load:
    """load(text_or_bytes, **limits) -> (data or None, [(line, col, code), ...])."""
    monkeypatch.chdir(tmp_path)

    def go(content: str | bytes, **limits: int) -> tuple[Any, Problems]:
        path = Path("f.yaml")
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        doc, diagnostics = load_document(path, **limits)
        assert all(d.file == "f.yaml" for d in diagnostics)
        assert (doc is None) == bool(diagnostics), "a document is returned exactly when it is clean"
        return (doc.data if doc else None), [(d.line, d.col, d.code) for d in diagnostics]

    return go


def load_doc(tmp_path: Path, text: str) -> Document:
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    doc, diagnostics = load_document(path)
    assert doc is not None, diagnostics
    return doc


# -- duplicate keys -------------------------------------------------------------------------


def test_duplicate_key_reports_both_locations(load: Load, tmp_path: Path) -> None:
    data, problems = load("plans:\n  - id: a\n    amount: 1\n    amount: 2\n")
    assert data is None
    assert sorted(problems) == [(3, 5, "duplicate-key"), (4, 5, "duplicate-key")]
    _, diagnostics = load_document(Path("f.yaml"))
    messages = sorted((d.line, d.message, d.related) for d in diagnostics)
    assert messages == [
        (3, "duplicate key 'amount' (defined again at line 4)", (("f.yaml", 4, 5),)),
        (4, "duplicate key 'amount' (first defined at line 3)", (("f.yaml", 3, 5),)),
    ]


def test_duplicate_key_is_not_last_wins_at_top_level(load: Load) -> None:
    assert load("plans: []\noffers: []\nplans: []\n") == (
        None, [(3, 1, "duplicate-key"), (1, 1, "duplicate-key")])


def test_keys_equal_after_resolution_are_duplicates(load: Load) -> None:
    # `1` and "1" name the same field.
    assert load('a:\n  1: x\n  "1": y\n')[1] == [(3, 3, "duplicate-key"), (2, 3, "duplicate-key")]


def test_same_key_in_sibling_mappings_is_fine(load: Load) -> None:
    assert load("plans:\n  - id: a\n  - id: b\n") == ({"plans": [{"id": "a"}, {"id": "b"}]}, [])


# -- YAML 1.1 surprises: YAML 1.2 core scalars only -----------------------------------------


def test_norway_stays_a_country_code(load: Load) -> None:
    data, problems = load("countries: [SE, NO, DK]\n")
    assert problems == []
    assert data == {"countries": ["SE", "NO", "DK"]}


@pytest.mark.parametrize("text", ["NO", "no", "No", "yes", "Yes", "YES", "y", "n", "on", "On", "off",
                                  "OFF"])
def test_yaml11_booleans_stay_strings(load: Load, text: str) -> None:
    assert load(f"value: {text}\n") == ({"value": text}, [])


@pytest.mark.parametrize("text", ["1:30", "0750", "0o17", "0x1F", "0b101", "00", "1_000", "190:20:30",
                                  "2027-12-31", "12e", "."])
def test_yaml11_numbers_stay_strings(load: Load, text: str) -> None:
    assert load(f"value: {text}\n") == ({"value": text}, [])


@pytest.mark.parametrize(("text", "value"), [
    ("0", 0), ("999", 999), ("-3", -3), ("+7", 7),
    ("9.99", 9.99), ("0.5", 0.5), ("-1.5", -1.5), ("1e3", 1000.0), (".5", 0.5),
    ("null", None), ("~", None), ("", None), ("Null", None),
    ("true", True), ("false", False), ("True", True), ("FALSE", False),
])
def test_core_scalars_resolve(load: Load, text: str, value: Any) -> None:
    data, problems = load(f"value: {text}\n")
    assert problems == []
    assert data["value"] == value
    assert type(data["value"]) is type(value)


@pytest.mark.parametrize("text", ['"999"', "'999'", '"true"', "'null'", '"9.99"', "'NO'"])
def test_quoted_scalars_stay_strings(load: Load, text: str) -> None:
    assert load(f"value: {text}\n") == ({"value": text[1:-1]}, [])


def test_block_scalars_stay_strings(load: Load) -> None:
    assert load("value: |\n  123\n") == ({"value": "123\n"}, [])


def test_mapping_keys_are_text(load: Load) -> None:
    assert load("1: a\nno: b\ntrue: c\n") == ({"1": "a", "no": "b", "true": "c"}, [])


# -- tags ---------------------------------------------------------------------------------------


def test_explicit_str_tag(load: Load) -> None:
    assert load("value: !!str 12\n") == ({"value": "12"}, [])


def test_explicit_core_tags(load: Load) -> None:
    assert load("a: !!int 12\nb: !!float 1\nc: !!bool true\nd: !!null null\n") == (
        {"a": 12, "b": 1.0, "c": True, "d": None}, [])


def test_explicit_tag_that_does_not_fit_the_value(load: Load) -> None:
    assert load("a: 1\nb: !!int abc\n") == (None, [(2, 4, "yaml-bad-scalar")])


@pytest.mark.parametrize("tag", ["!!python/object:os.system", "!!python/object/apply:os.system",
                                 "!!python/name:os.system", "!!python/tuple"])
def test_python_tags_are_refused(load: Load, tag: str) -> None:
    assert load(f"a: 1\nb: {tag} [ls]\n") == (None, [(2, 4, "yaml-unsafe-tag")])


@pytest.mark.parametrize("text", ["!foo x", "!!set {x}", "!!binary aGk=", "!!timestamp 2020-01-01",
                                  "!<tag:example.com,2000:x> y"])
def test_unknown_tags_are_refused(load: Load, text: str) -> None:
    assert load(f"a: 1\nb: {text}\n") == (None, [(2, 4, "yaml-unknown-tag")])


def test_unknown_tag_on_a_mapping_is_refused(load: Load) -> None:
    assert load("a:\n  - !!omap\n    x: 1\n") == (None, [(2, 5, "yaml-unknown-tag")])


# -- anchors, aliases, merge keys ---------------------------------------------------------------


def test_anchor_is_refused(load: Load) -> None:
    assert load("a: 1\nb: &x [1]\nc: *x\n") == (None, [(2, 4, "yaml-anchor")])


def test_alias_is_refused(load: Load) -> None:
    # Without its anchor (refused first), an alias is still refused where it stands.
    assert load("a: 1\nc: *x\n") == (None, [(2, 4, "yaml-alias")])


def test_billion_laughs_fails_fast_with_bounded_memory(load: Load) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        name, prev = chr(ord("a") + i), chr(ord("a") + i - 1)
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    tracemalloc.start()
    started = time.perf_counter()
    try:
        data, problems = load("\n".join(lines) + "\n")
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (data, problems) == (None, [(1, 4, "yaml-anchor")])
    assert elapsed < 1.0
    assert peak < 10 * 1024 * 1024


def test_merge_key_is_refused(load: Load) -> None:
    assert load("plans:\n  - id: a\n    <<: {amount: 1}\n") == (None, [(3, 5, "yaml-merge-key")])


def test_quoted_merge_key_is_an_ordinary_key(load: Load) -> None:
    assert load('"<<": 1\n') == ({"<<": 1}, [])


def test_complex_key_is_refused(load: Load) -> None:
    assert load("a: 1\n? [x]\n: 1\n") == (None, [(2, 3, "yaml-complex-key")])


# -- input limits -------------------------------------------------------------------------------


def test_size_cap_is_checked_before_parsing(load: Load) -> None:
    text = "a: " + "x" * 100 + "\n"  # 104 bytes
    assert load(text, max_bytes=103) == (None, [(1, 1, "file-too-large")])
    assert load(text, max_bytes=104) == ({"a": "x" * 100}, [])


def test_size_cap_message(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: 1234567\n")
    _, (diagnostic,) = load_document(path, max_bytes=5)
    assert diagnostic.message == "file is 11 bytes, over the 5-byte limit"


def test_size_cap_does_not_even_parse(load: Load) -> None:
    # Broken YAML over the cap: the only problem is the size.
    assert load("a: [\n" * 50, max_bytes=10) == (None, [(1, 1, "file-too-large")])


@pytest.mark.parametrize(("opening", "closing"), [("[", "]"), ("{a: ", "}")])
def test_deep_nesting_is_an_error_not_a_crash(load: Load, opening: str, closing: str) -> None:
    levels = 100_000
    started = time.perf_counter()
    data, problems = load("a: " + opening * levels + "1" + closing * levels + "\n")
    assert time.perf_counter() - started < 2.0
    assert data is None
    # The first container over the limit: the top-level mapping is level 1.
    assert problems == [(1, 4 + 31 * len(opening), "yaml-too-deep")]


def test_unterminated_deep_nesting(load: Load) -> None:
    assert load("[" * 100_000) == (None, [(1, 33, "yaml-too-deep")])


def test_nesting_depth_limit_is_exact(load: Load) -> None:
    # Top-level mapping + 31 lists = 32 levels: allowed; one more is not.
    assert load("a: " + "[" * 31 + "]" * 31 + "\n")[1] == []
    assert load("a: " + "[" * 32 + "]" * 32 + "\n")[1] == [(1, 35, "yaml-too-deep")]
    assert load("a: [[[]]]\n", max_depth=3)[1] == [(1, 6, "yaml-too-deep")]


def test_block_nesting_is_counted_too(load: Load) -> None:
    text = "".join("  " * i + f"k{i}:\n" for i in range(40))
    # k0's mapping is level 1; the mapping under k31 (line 33) is level 33.
    assert load(text) == (None, [(33, 65, "yaml-too-deep")])


# -- encoding, BOM, line endings ----------------------------------------------------------------


def test_invalid_utf8_byte_is_located(load: Load) -> None:
    raw = "a: ok\nb: café x".encode() + b"\xff\n"
    assert load(raw) == (None, [(2, 10, "encoding")])


def test_invalid_utf8_message(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"a: \xc3(\n")
    _, (diagnostic,) = load_document(path)
    assert (diagnostic.line, diagnostic.col, diagnostic.message) == (1, 4, "invalid UTF-8 byte 0xc3")


def test_latin1_file_is_refused(load: Load) -> None:
    assert load("name: Zürich\n".encode("latin-1")) == (None, [(1, 8, "encoding")])


def test_utf8_bom_is_accepted(load: Load, tmp_path: Path) -> None:
    assert load(b"\xef\xbb\xbfa: 1\nb: 2\n") == ({"a": 1, "b": 2}, [])
    doc = load_document(Path("f.yaml"))[0]
    assert doc is not None
    assert doc.source_map.value(("a",)) == (1, 4)


def test_utf16_is_refused(load: Load) -> None:
    assert load("a: 1\n".encode("utf-16"))[1] == [(1, 1, "encoding")]


def test_control_character_is_located(load: Load) -> None:
    assert load("a: é\nb: é\x00\n") == (None, [(2, 5, "yaml-syntax")])


def test_crlf_line_endings_keep_lines(load: Load, tmp_path: Path) -> None:
    assert load(b"a: 1\r\nb:\r\n  - x\r\n  - y\r\nc: 'z'\r\n") == ({"a": 1, "b": ["x", "y"], "c": "z"}, [])
    doc = load_document(Path("f.yaml"))[0]
    assert doc is not None
    assert doc.source_map.value(("b", 1)) == (4, 5)
    assert doc.source_map.key(("c",)) == (5, 1)


def test_crlf_problem_is_located(load: Load) -> None:
    assert load(b"a: 1\r\nb: 2\r\na: 3\r\n")[1] == [(3, 1, "duplicate-key"), (1, 1, "duplicate-key")]


# -- documents ----------------------------------------------------------------------------------


def test_multiple_documents_are_refused(load: Load) -> None:
    assert load("a: 1\n---\nb: 2\n") == (None, [(2, 1, "multiple-documents")])


def test_one_explicit_document_is_fine(load: Load) -> None:
    assert load("---\na: 1\n...\n") == ({"a": 1}, [])


@pytest.mark.parametrize("content", [b"", b"\n\n", b"# only a comment\n# and another\n", b"\xef\xbb\xbf",
                                     b"   \n"])
def test_empty_file_is_an_error(load: Load, content: bytes) -> None:
    assert load(content) == (None, [(1, 1, "empty-file")])


def test_empty_file_is_never_an_empty_catalog(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("products: []\n")
    (tmp_path / "b.yaml").write_text("# nothing yet\n")
    documents, diagnostics = load_documents([tmp_path])
    assert [Path(d.path).name for d in documents] == ["a.yaml"]
    assert [(Path(d.file).name, d.code) for d in diagnostics] == [("b.yaml", "empty-file")]


@pytest.mark.parametrize("content", ["null\n", "---\n", "--- ~\n"])
def test_an_empty_document_is_an_empty_file(load: Load, content: str) -> None:
    assert load(content) == (None, [(1, 1, "empty-file")])


@pytest.mark.parametrize(("content", "position"), [
    ("{}\n", (1, 1)),
    ("# all commented out\nplans:\n# - id: monthly\n", (2, 1)),
    ("products:\nplans: ~\noffers: null\n", (1, 1)),
])
def test_a_file_declaring_nothing_is_an_empty_file(tmp_path: Path, content: str,
                                                   position: tuple[int, int]) -> None:
    (tmp_path / "f.yaml").write_text(content)
    catalog, diagnostics = load_catalog([tmp_path / "f.yaml"])
    assert catalog is None
    assert [(d.line, d.col, d.code) for d in diagnostics] == [(*position, "empty-file")]


@pytest.mark.parametrize("content", ["products: []\n", "plans:\nfoo:\n"])
def test_explicit_empty_lists_or_other_keys_are_not_an_empty_file(tmp_path: Path, content: str) -> None:
    (tmp_path / "f.yaml").write_text(content)
    _, diagnostics = load_catalog([tmp_path / "f.yaml"])
    assert "empty-file" not in [d.code for d in diagnostics]


@pytest.mark.parametrize(("content", "found"), [
    ("hello\n", "str"), ("42\n", "int"), ("- a\n- b\n", "a list"), ("[]\n", "a list"),
])
def test_top_level_must_be_a_mapping(tmp_path: Path, load: Load, content: str, found: str) -> None:
    assert load(content) == (None, [(1, 1, "top-level-not-mapping")])
    _, (diagnostic,) = load_document(Path("f.yaml"))
    assert diagnostic.message == f"the top level must be a mapping, found {found}"


@pytest.mark.parametrize(("content", "position"), [
    ("a: [1, 2\nb: 3\n", (2, 2)),
    ("a: b: c\n", (1, 5)),
    ("a: 1\n  b: 2\n", (2, 4)),
    ("a:\n\t- b\n", (2, 1)),
    ('a: "open\n', (2, 1)),
])
def test_syntax_error_is_located(load: Load, content: str, position: tuple[int, int]) -> None:
    assert load(content) == (None, [(*position, "yaml-syntax")])


def test_syntax_error_message(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("a: b: c\n")
    _, (diagnostic,) = load_document(path)
    assert diagnostic.message == "YAML syntax error: mapping values are not allowed in this context"
    assert diagnostic.hint


# -- source map ---------------------------------------------------------------------------------


def test_source_map_locates_values_and_keys(tmp_path: Path) -> None:
    doc = load_doc(tmp_path, "plans:\n  - id: a\n    countries: [US, NO]\n    amount: 999\n")
    smap = doc.source_map
    assert smap.value(("plans", 0, "id")) == (2, 9)
    assert smap.key(("plans", 0, "countries")) == (3, 5)
    assert smap.value(("plans", 0, "countries", 1)) == (3, 21)
    assert smap.value(("plans", 0, "amount")) == (4, 13)
    # A path that is not there falls back to the nearest written ancestor.
    assert smap.value(("plans", 0, "currency")) == (2, 5)
    assert smap.key(("plans", 0, "currency")) == (2, 5)


def test_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    doc = load_doc(tmp_path, "a: [é, éé, x]\n")
    assert [doc.source_map.value(("a", i)) for i in range(3)] == [(1, 5), (1, 8), (1, 12)]


# -- discovery ----------------------------------------------------------------------------------


def test_discovery_is_recursive_sorted_and_skips_hidden(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yml", "sub/c.yaml", ".hidden/d.yaml", "notes.txt", "x.scenarios.yaml"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("products: []\n")
    documents, diagnostics = load_documents([tmp_path])
    assert diagnostics == []
    assert [Path(d.path).relative_to(tmp_path).as_posix() for d in documents] == [
        "a.yml", "b.yaml", "sub/c.yaml"]


def test_overlong_integer_is_located_not_a_crash(load: Load) -> None:
    # Python refuses to convert more than 4300 digits: a ValueError, once an internal error.
    assert load("a: 1\nb: " + "9" * 5000 + "\n") == (None, [(2, 4, "yaml-bad-scalar")])
    assert load("a: " + "9" * 4000 + "\n")[1] == []


# -- spellings, BOM positions, repeated paths, unreadable files (each found by a mutation) -----


@pytest.mark.parametrize(("text", "value"), [
    ("NULL", None), ("TRUE", True), ("+.inf", float("inf")), (".Inf", float("inf")),
    ("-.INF", float("-inf")),
])
def test_every_core_spelling_resolves(load: Load, text: str, value: Any) -> None:
    assert load(f"value: {text}\n") == ({"value": value}, [])


def test_a_bom_does_not_shift_the_columns_of_line_one(load: Load) -> None:
    assert load(b"\xef\xbb\xbfa: \xff\n") == (None, [(1, 4, "encoding")])


def test_a_file_named_twice_is_read_once(tmp_path: Path) -> None:
    # `offerspec validate catalog catalog/plans.yaml`: not every id defined twice.
    (tmp_path / "plans.yaml").write_text("products: []\n")
    documents, _ = load_documents([tmp_path, tmp_path / "plans.yaml", tmp_path / "." / "plans.yaml"])
    assert [Path(d.path).name for d in documents] == ["plans.yaml"]


def test_an_unreadable_file_is_a_located_problem(unprivileged: tuple[Path, Any],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    base, as_user = unprivileged
    monkeypatch.chdir(base)
    (base / "a.yaml").write_text("products: []\n")
    (base / "secret.yaml").write_text("products: []\n")
    (base / "secret.yaml").chmod(0o000)
    with as_user():
        documents, diagnostics = load_documents(["."])
    assert [d.path for d in documents] == ["a.yaml"]
    assert [(d.file, d.line, d.col, d.code, d.message) for d in diagnostics] == [
        ("secret.yaml", 1, 1, "unreadable", "cannot read file: Permission denied")]
