"""Rules on metadata: the keys offerspec itself writes are reserved."""

from __future__ import annotations

from collections.abc import Iterator

from offerspec.check.context import CheckContext
from offerspec.check.rules import rule
from offerspec.diagnostics import Diagnostic

RESERVED_PREFIX = "offerspec_"
"""The platform API carries offerspec's own data in metadata (offerspec_id, offerspec_hash)."""


@rule("reserved-metadata-key", local=True)
def reserved_keys(ctx: CheckContext) -> Iterator[Diagnostic]:
    for located in ctx.located():
        for key in located.obj.metadata:
            if key.startswith(RESERVED_PREFIX):
                yield located.diagnostic(
                    ("metadata", key), "reserved-metadata-key",
                    f"metadata key '{key}' is reserved: offerspec writes {RESERVED_PREFIX}* keys "
                    f"itself on the platform",
                    hint=f"rename the key so that it does not start with '{RESERVED_PREFIX}'",
                    on_key=True)
