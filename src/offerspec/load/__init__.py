"""Stage 1: find catalog files and read them into documents with source maps."""

from __future__ import annotations

from offerspec.load.files import Document, discover, load_document, load_documents

__all__ = ["Document", "discover", "load_document", "load_documents"]
