"""The tokens file of ``offerspec serve``: untrusted input, located errors, never the token."""

from __future__ import annotations

from pathlib import Path

import pytest

from offerspec.diagnostics import OfferspecError
from offerspec.serve.auth import load_tokens, parse_tokens

GOOD = "0123456789abcdef0123"


def test_names_roles_comments_and_blank_lines() -> None:
    tokens = parse_tokens(f"# header\n\n  site {GOOD} read  # trailing comment\n"
                          f"ci-deploy {GOOD[::-1]} write\n", "t.txt")
    site = tokens.find(GOOD)
    deploy = tokens.find(GOOD[::-1])
    assert site is not None and (site.name, site.can_write) == ("site", False)
    assert deploy is not None and (deploy.name, deploy.can_write) == ("ci-deploy", True)
    assert tokens.find(GOOD[:-1]) is None and tokens.find(GOOD + "x") is None
    assert tokens.find("") is None
    assert GOOD not in repr(site)


@pytest.mark.parametrize(("text", "where", "said"), [
    (f"site {GOOD}\n", "t.txt:1:", "expected 3 fields"),
    (f"# c\nsite {GOOD} admin\n", "t.txt:2:", "invalid role"),
    ("site short read\n", "t.txt:1:", "not usable"),
    (f"bad/name {GOOD} read\n", "t.txt:1:", "invalid token name"),
    (f"a {GOOD} read\na {GOOD[::-1]} read\n", "t.txt:2:", "also on line 1"),
    (f"a {GOOD} read\nb {GOOD} write\n", "t.txt:2:", "the same as on line 1"),
    ("# only comments\n", "t.txt:", "no tokens"),
    (f"site {GOOD}\u00e9 read\n", "t.txt:1:", "not usable"),
])
def test_problems_are_located_and_never_show_the_token(text: str, where: str, said: str) -> None:
    with pytest.raises(OfferspecError) as caught:
        parse_tokens(text, "t.txt")
    assert caught.value.message.startswith(where)
    assert said in caught.value.message
    assert caught.value.hint
    assert GOOD not in caught.value.message + (caught.value.hint or "")


def test_files(tmp_path: Path) -> None:
    binary = tmp_path / "bin.txt"
    binary.write_bytes(f"site {GOOD} read\n".encode() + b"\xff\n")
    with pytest.raises(OfferspecError, match=r"bin\.txt:2: not UTF-8"):
        load_tokens(str(binary))
    with pytest.raises(OfferspecError, match="cannot read the tokens file"):
        load_tokens(str(tmp_path / "missing.txt"))
    big = tmp_path / "big.txt"
    big.write_text("#" * (1024 * 1024 + 1))
    with pytest.raises(OfferspecError, match="larger than"):
        load_tokens(str(big))
