"""Defaults shared by the diff and the CLI options (a leaf module: keeps --help fast)."""

from __future__ import annotations

DEFAULT_MAX_ARCHIVE_SHARE = 0.5
"""A plan archiving more than this share of the live active objects needs a flag."""
