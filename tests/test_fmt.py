"""``offerspec fmt``: canonical layout, comments kept, idempotent, the same compiled catalog."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap

from conftest import EXAMPLES
from offerspec import load_catalog

MESSY = """\
# yaml-language-server: $schema=../schemas/offerspec.schema.json
# Top comment: kept.
offers:
    - plans: [monthly]
      name: "Subscribe"
      id: subscribe
products:
    - {name: Digital Access, id: digital}
plans:
    -   currency: USD      # the price's currency
        amount: 999        # 9.99 USD
        id: monthly
        nickname: 'Monthly'
        product: digital
        interval: month
        description: "0750"
        metadata: {code: 'yes'}
"""


def _catalog_copy(tmp_path):
    folder = tmp_path / "catalog"
    shutil.copytree(EXAMPLES, folder)
    for scenario in folder.glob("*.scenarios.yaml"):
        scenario.unlink()
    return folder


def test_fmt_lays_out_keeps_comments_and_is_idempotent(run, tmp_path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(MESSY)
    before, _ = load_catalog([tmp_path])
    result = run("fmt", str(tmp_path))
    assert result.exit_code == 0, result.output
    text = path.read_text()
    assert text.splitlines()[:8] == [
        "# yaml-language-server: $schema=../schemas/offerspec.schema.json",
        "# Top comment: kept.",
        "products:",
        "  - {id: digital, name: Digital Access}",
        "plans:",
        "  - id: monthly",
        "    nickname: Monthly",
        "    description: '0750'",
    ]
    assert re.search(r"^    amount: 999 +# 9\.99 USD$", text, re.MULTILINE)
    assert re.search(r"^    currency: USD +# the price's currency$", text, re.MULTILINE)
    assert text.index("products:") < text.index("plans:") < text.index("offers:")
    after, diagnostics = load_catalog([tmp_path])
    assert before is not None and after is not None and diagnostics == []
    assert after.content_hash() == before.content_hash()
    again = run("fmt", str(tmp_path), "--check")
    assert again.exit_code == 0 and again.stdout == ""


def test_fmt_of_the_examples_compiles_to_the_same_catalog(run, tmp_path) -> None:
    folder = _catalog_copy(tmp_path)
    before, _ = load_catalog([folder])
    comments = {line.strip() for p in folder.glob("*.yaml") for line in p.read_text().splitlines()
                if line.strip().startswith("#")}
    assert run("fmt", str(folder)).exit_code == 0
    after, diagnostics = load_catalog([folder])
    assert before is not None and after is not None and diagnostics == []
    assert after.to_json() == before.to_json()
    kept = {line.strip() for p in folder.glob("*.yaml") for line in p.read_text().splitlines()}
    assert {c for c in comments if not any(c in k for k in kept)} == set()
    assert run("fmt", str(folder), "--check").exit_code == 0


def test_fmt_check_lists_files_and_changes_nothing(run, tmp_path) -> None:
    folder = _catalog_copy(tmp_path)
    originals = {p: p.read_text() for p in folder.glob("*.yaml")}
    result = run("fmt", "--check", str(folder))
    assert result.exit_code == 1
    assert any(line.startswith("would reformat ") and line.endswith("subscribe.yaml")
               for line in result.stdout.splitlines())
    assert {p: p.read_text() for p in folder.glob("*.yaml")} == originals


def test_fmt_leaves_a_file_that_does_not_parse_alone(run, tmp_path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text("plans: [\n")
    result = run("fmt", str(tmp_path))
    assert result.exit_code == 1
    assert "fmt formats valid YAML" in result.stderr
    assert path.read_text() == "plans: [\n"


def test_fmt_refuses_a_change_of_meaning(run, tmp_path) -> None:
    # offerspec reads 0750 as text (YAML 1.2 has no leading-zero integers); a formatter that
    # wrote it back as 750 would change the catalog: the file is left alone.
    path = tmp_path / "catalog.yaml"
    text = textwrap.dedent("""\
        products:
          - name: Digital
            id: digital
            description: 0750
        """)
    path.write_text(text)
    result = run("fmt", str(tmp_path))
    if result.exit_code == 0:  # the round trip kept it as written: still the same values
        assert load_catalog([tmp_path])[0] is not None
        assert "0750" in path.read_text()
    else:
        assert "would change a value" in result.stderr and path.read_text() == text


def test_only_fmt_imports_ruamel() -> None:
    code = ("import sys; from click.testing import CliRunner; from offerspec.cli.main import cli; "
            f"CliRunner().invoke(cli, ['validate', {str(EXAMPLES)!r}]); "
            "print('ruamel' in ' '.join(sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_yaml_the_reader_takes_but_ruamel_refuses_is_a_located_error(run, tmp_path) -> None:
    # found by the fuzz suite: a tab inside a plain key is read by PyYAML, refused by ruamel
    (tmp_path / "c.yaml").write_text("p\troducts:\n- id: a\n  name: A\n", encoding="utf-8")
    result = run("fmt", "--check", str(tmp_path / "c.yaml"))
    assert result.exit_code == 1, result.output
    assert "c.yaml:1:2: fmt cannot lay this file out" in result.stderr
    assert "Traceback" not in result.output
