"""offerspec: a catalog of products, plans and offers as YAML, compiled, diffed and applied."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from offerspec.api import check_catalog, load_catalog
    from offerspec.catalog import Catalog
    from offerspec.diagnostics import Diagnostic, OfferspecError

_LAZY = {
    "load_catalog": "offerspec.api",
    "check_catalog": "offerspec.api",
    "Catalog": "offerspec.catalog",
    "Diagnostic": "offerspec.diagnostics",
    "OfferspecError": "offerspec.diagnostics",
}
__all__ = ["Catalog", "Diagnostic", "OfferspecError", "__version__", "check_catalog", "load_catalog"]


def __getattr__(name: str) -> Any:
    # Imported on first use so `offerspec --help` stays fast.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(module), name)
