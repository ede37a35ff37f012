"""Diffing a compiled catalog against a live store snapshot."""

from __future__ import annotations
