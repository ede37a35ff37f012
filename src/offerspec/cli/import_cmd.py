"""``offerspec import KIND/ID PLATFORM_ID``: adopt an object the platform holds unmanaged."""

from __future__ import annotations

import click

from offerspec.cli.store_options import open_from_args, store_only_options
from offerspec.diagnostics import OfferspecError
from offerspec.render.safe import clean

KIND_NAMES = {"product": "products", "plan": "plans", "offer": "offers"}


@click.command("import")
@click.argument("spec", metavar="KIND/ID")
@click.argument("platform_id", metavar="PLATFORM_ID", type=click.IntRange(1))
@store_only_options
def import_command(spec: str, platform_id: int, store: str | None, env: str | None) -> None:
    """Adopt a platform object as catalog object KIND/ID (an HTTP store only).

    \b
    offerspec import plan/monthly-digital 42 --store https://api.example.com/v1
    """
    kind, _, ident = spec.partition("/")
    kind = KIND_NAMES.get(kind, kind)
    if kind not in KIND_NAMES.values() or not ident:
        raise click.UsageError(f"{spec!r}: expected KIND/ID, e.g. plan/monthly-digital")
    import re

    from offerspec.model import SLUG_PATTERN

    if len(ident) > 64 or not re.fullmatch(SLUG_PATTERN, ident):
        raise OfferspecError(f"{ident!r} is not a valid catalog id",
                             hint="lowercase letters, digits and dashes, e.g. monthly-digital")
    _, opened = open_from_args(store, env, writes=True)
    try:
        adopt = getattr(opened, "adopt", None)
        if adopt is None:
            raise OfferspecError(f"{opened.url} is not an HTTP store: import adopts a platform's "
                                 "objects", hint="offerspec import --store https://HOST/PATH ...")
        said = adopt(kind, ident, platform_id)
    finally:
        opened.close()
    click.echo(clean(said))

