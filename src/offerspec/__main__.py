from __future__ import annotations

from offerspec.cli.main import main

main()
