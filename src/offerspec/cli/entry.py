"""The console script's entry point, kept import-free so that Ctrl-C is handled from the start.

Importing the CLI (click, the command table) takes a good part of a short command's time; an
interrupt landing there would otherwise end in a raw traceback instead of exit 130.
"""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130


def main() -> None:
    try:
        from offerspec.cli.main import main as run_cli
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(EXIT_INTERRUPTED) from None
    run_cli()
