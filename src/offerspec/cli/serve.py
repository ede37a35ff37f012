"""``offerspec serve``: the platform's plans REST API over a store (docs/serve.md).

Imports of the ASGI stack happen inside the command: ``offerspec --help`` stays fast.
"""

from __future__ import annotations

import sys

import click

from offerspec.cli.options import FiniteFloat
from offerspec.cli.store_options import store_only_options


@click.command()
@store_only_options
@click.option("--tokens", "tokens_path", required=True, metavar="FILE",
              help="Bearer tokens, one 'NAME TOKEN read|write' per line ('#' comments).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (only where told: loopback by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Port (0: any free port, printed at startup).")
@click.option("--public-read", is_flag=True,
              help="Let requests without a token read (lists, objects, offer views, simulations, /healthz).")
@click.option("--rate-limit", metavar="N/s", help="Answer 429 past N requests a second (a test knob).")
@click.option("--faults", metavar="SPEC",
              help="Inject faults, e.g. 500:0.1,503:0.05,delay:0.1:200ms,cut:0.05,seed:1 (a test knob).")
@click.option("--lock-timeout", type=FiniteFloat(0, 3600), default=10.0, show_default=True,
              help="Seconds a write waits for the store's apply lock before answering 503.")
def serve(  # noqa: PLR0917 - click passes every option
        store: str | None, env: str | None, tokens_path: str, host: str, port: int,
        public_read: bool, rate_limit: str | None, faults: str | None, lock_timeout: float) -> None:
    """Serve a store as the subscription platform's plans REST API.

    \b
    offerspec serve --store sqlite:///.offerspec/store.db --tokens tokens.txt
    curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/plans

    Stops on SIGTERM or Ctrl-C after the requests in flight are answered (exit 0).
    """
    from offerspec.diagnostics import OfferspecError
    from offerspec.serve.auth import load_tokens
    from offerspec.serve.faults import parse_faults, parse_rate

    try:  # a malformed option is a usage error (exit 2)
        rate = parse_rate(rate_limit) if rate_limit is not None else None
        fault_spec = parse_faults(faults) if faults is not None else None
    except OfferspecError as exc:
        raise click.UsageError(f"{exc.message}\n  hint: {exc.hint}") from None
    tokens = load_tokens(tokens_path)

    from offerspec.serve.app import create_app
    from offerspec.serve.run import bind, setup_logging
    from offerspec.serve.run import serve as run_server
    from offerspec.serve.state import ServeConfig, open_store_url
    from offerspec.serve.writes import load_view

    setup_logging()
    opened = open_store_url(store, env)  # refuse a bad store here, with a clear message
    try:
        load_view(opened)
    finally:
        opened.close()
    sock = bind(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    if rate is not None:
        click.echo(f"offerspec serve: TEST KNOB ON: --rate-limit {rate:g}/s (429 past it)", err=True)
    if fault_spec is not None:
        click.echo(f"offerspec serve: TEST KNOB ON: --faults injects failures: {fault_spec.describe()}",
                   err=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"offerspec serve: listening on {host}, beyond this machine", err=True)
    config = ServeConfig(store, tokens, public_read, rate, fault_spec, lock_timeout,
                         listen_url=f"http://{shown}:{bound_port}", store_env=env)
    run_server(create_app(config, access_stream=sys.stderr), sock)
