from __future__ import annotations

from offerspec.cli.entry import main

main()
