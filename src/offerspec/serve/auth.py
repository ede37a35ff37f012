"""Bearer tokens from a file: ``NAME TOKEN read|write`` per line, ``#`` comments.

The file is untrusted input: every problem is reported at its ``file:line`` (never with the
token in it), and tokens are compared in constant time.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from pathlib import Path

from offerspec.diagnostics import OfferspecError

ROLES = ("read", "write")
MAX_TOKENS_BYTES = 1024 * 1024
MIN_TOKEN_LENGTH = 16
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}\Z")
_TOKEN = re.compile(r"[\x21-\x7e]+\Z")  # printable ASCII without spaces: what a header carries


@dataclass(frozen=True, slots=True)
class Token:
    name: str
    secret: bytes
    role: str

    @property
    def can_write(self) -> bool:
        return self.role == "write"

    def __repr__(self) -> str:  # never show the secret, also not in a traceback
        return f"Token(name={self.name!r}, role={self.role!r})"


class Tokens:
    """The tokens a server accepts."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens

    def find(self, presented: str) -> Token | None:
        """The token ``presented`` is, compared with every token in constant time."""
        raw = presented.encode("utf-8", "replace")
        found: Token | None = None
        for token in self.tokens:
            if hmac.compare_digest(raw, token.secret):  # no early exit: timing says nothing
                found = token
        return found


def _problem(path: str, line: int, message: str, hint: str) -> OfferspecError:
    return OfferspecError(f"{path}:{line}: {message}", hint=hint)


def parse_tokens(text: str, path: str) -> Tokens:
    tokens: list[Token] = []
    names: dict[str, int] = {}
    secrets: dict[bytes, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()  # '#' starts a comment: tokens cannot hold one
        if not line:
            continue
        parts = line.split()
        if len(parts) != 3:
            raise _problem(path, number, f"expected 3 fields (NAME TOKEN read|write), found {len(parts)}",
                           "write one token per line: NAME TOKEN read|write")
        name, secret, role = parts
        if not _NAME.match(name):
            raise _problem(path, number, "invalid token name",
                           "names are 1-64 letters, digits, '.', '_', '@' or '-' (the name is "
                           "recorded as the user of API writes)")
        if role not in ROLES:
            raise _problem(path, number, f"invalid role for {name}: expected read or write",
                           "the third field is read or write")
        if not _TOKEN.match(secret) or len(secret) < MIN_TOKEN_LENGTH:
            raise _problem(path, number, f"the token of {name} is not usable",
                           f"a token is at least {MIN_TOKEN_LENGTH} printable ASCII characters "
                           "without spaces, e.g. from `openssl rand -hex 24`")
        if name in names:
            raise _problem(path, number, f"token name {name} is also on line {names[name]}",
                           "give every token its own name")
        encoded = secret.encode()
        if encoded in secrets:
            raise _problem(path, number, f"the token of {name} is the same as on line {secrets[encoded]}",
                           "give every name its own token")
        names[name] = number
        secrets[encoded] = number
        tokens.append(Token(name, encoded, role))
    if not tokens:
        raise OfferspecError(f"{path}: no tokens", hint="add a line: NAME TOKEN read|write")
    return Tokens(tokens)


def load_tokens(path: str) -> Tokens:
    file = Path(path)
    try:
        if file.stat().st_size > MAX_TOKENS_BYTES:
            raise OfferspecError(f"{path}: larger than {MAX_TOKENS_BYTES} bytes",
                                 hint="a tokens file holds one short line per token")
        raw = file.read_bytes()
    except OSError as exc:
        raise OfferspecError(f"{path}: cannot read the tokens file: {exc.strerror}",
                             hint="pass --tokens FILE with lines NAME TOKEN read|write") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise OfferspecError(f"{path}:{line}: not UTF-8 text", hint="save the file as UTF-8") from None
    return parse_tokens(text, path)
