"""Live objects read from any store are untrusted: each is checked against its catalog model
before it is used as a catalog (``simulate --from-store``, ``pull``, ``export``)."""

from __future__ import annotations

from offerspec.store.base import Snapshot
from offerspec.store.rows import DamagedStore


def check_live(snapshot: Snapshot) -> None:
    """Every live object is what its model allows, else a located ``DamagedStore``."""
    from pydantic import ValidationError

    from offerspec.model import MODEL_BY_KIND

    for kind, table in snapshot.objects.items():
        model = MODEL_BY_KIND.get(kind)
        for ident, obj in table.items():
            if model is None:
                break
            try:
                model.model_validate(obj.data)
            except ValidationError as exc:
                first = exc.errors()[0]
                field = ".".join(str(part) for part in first["loc"]) or "(object)"
                singular = kind.removesuffix("s")
                raise DamagedStore(
                    f"{snapshot.url}: the live {singular} {ident} in the store is not a valid "
                    f"{singular} (changed outside offerspec?): {field}: {first['msg']}"
                    + (f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""),
                    hint=f"repair its row in the store, or apply the catalog again to restore "
                         f"it; offerspec history --object {singular}/{ident} shows what "
                         "offerspec wrote") from None
