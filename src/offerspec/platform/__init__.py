"""The platform API's objects and their mapping to catalog objects (docs/platform-api.md).

Shared by ``offerspec serve`` and the HTTP store: the one place that knows both shapes.
"""

from __future__ import annotations

from offerspec.check.rules.metadata import RESERVED_PREFIX
from offerspec.platform.mapping import (
    OFFERSPEC_HASH,
    OFFERSPEC_ID,
    OFFERSPEC_REPLACES,
    Problem,
    Refs,
    RefTable,
    UnresolvedReference,
    assigned_id,
    catalog_id_of,
    from_platform,
    numbered_id,
    offerspec_hash_of,
    singular,
    to_platform,
)
from offerspec.platform.models import REQUEST_MODELS, RESPONSE_MODELS, sent_fields

__all__ = [
    "OFFERSPEC_HASH", "OFFERSPEC_ID", "OFFERSPEC_REPLACES", "REQUEST_MODELS", "RESERVED_PREFIX",
    "RESPONSE_MODELS",
    "Problem", "RefTable", "Refs", "UnresolvedReference", "assigned_id", "catalog_id_of",
    "from_platform", "numbered_id", "offerspec_hash_of", "sent_fields", "singular", "to_platform",
]
