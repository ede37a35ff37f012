"""``offerspec simulate``: a checkout, a signup, an offer view, or a CSV batch of checkouts.

Which simulation runs follows from the options: ``--offer`` and ``--plan`` simulate a
checkout, ``--offer`` alone shows the offer's "choose a plan" page, ``--signup`` an
auto-subscription by email / IP, ``--batch FILE`` one checkout per CSV row.

Exit codes: 0 the member gets something (accepted, auto-subscribed, plans shown);
4 they get nothing (refused, no match, nothing shown); 1 invalid input.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import click

from offerspec.cli.options import catalog_paths, resolve_paths, strict_option
from offerspec.cli.store_options import store_options
from offerspec.diagnostics import DiagnosticsError, OfferspecError, docs_url
from offerspec.render.safe import clean

if TYPE_CHECKING:
    from offerspec.catalog import Catalog
    from offerspec.simulate import Member

EXIT_NOTHING = 4


@dataclass(frozen=True, slots=True)
class SimulateOptions:
    """The parsed command line, before anything is loaded."""

    paths: list[str]
    offer: str | None
    plan: str | None
    signup: bool
    day: str | None
    country: str | None
    email: str | None
    ip: str | None
    direct_link: bool
    holdings: tuple[str, ...]
    seats_used: int
    renewals: int
    fmt: str
    batch: str | None
    output_format: str
    strict: bool
    from_store: bool = False
    store: str | None = None
    env: str | None = None
    explicit: frozenset[str] = frozenset()  # options given on the command line, not defaults

    def mode(self) -> str:
        """checkout, offer, signup or batch; a combination of options that means nothing is a
        usage error (exit 2), like any other misuse of the command line."""
        if self.from_store and self.paths:
            raise _usage("--from-store reads the catalog from the store, not from PATH",
                         "drop the PATH arguments, or drop --from-store")
        if self.store is not None and not self.from_store:
            raise _usage("--store is read only with --from-store: without it the catalog is the YAML",
                         "add --from-store to simulate on the live catalog, or drop --store")
        member_options = {"--offer": self.offer, "--plan": self.plan, "--date": self.day,
                          "--country": self.country, "--email": self.email, "--ip": self.ip,
                          "--direct-link": self.direct_link, "--holding": self.holdings,
                          "--seats-used": self.seats_used, "--renewals": self.renewals}
        if self.batch is not None:
            given = [name for name, value in member_options.items()
                     if value and name != "--date"]
            if given or self.signup:
                raise _usage(f"--batch takes the checkouts from the file, not from "
                             f"{', '.join(given) or '--signup'}",
                             f"put them in the CSV columns (see {docs_url('simulator.md')})")
            if "--format" in self.explicit:
                raise _usage("--batch writes one result per row: --format does not apply",
                             "choose the batch output with --output-format jsonl|csv")
            return "batch"
        if "--output-format" in self.explicit:
            raise _usage("--output-format is for --batch only",
                         "use --format text|json for a single simulation")
        if self.signup:
            if self.offer or self.plan or self.holdings or self.renewals:
                raise _usage("--signup does not take --offer, --plan, --holding or --renewals",
                             "a signup auto-subscribes by --email and --ip only")
            if not self.email and not self.ip:
                raise _usage("--signup needs --email or --ip", "e.g. --signup --email ada@example.edu")
            return "signup"
        if self.plan and not self.offer:
            raise _usage("--plan needs --offer", "name the offer the plan is chosen in")
        if not self.offer:
            raise _usage("nothing to simulate",
                         "pass --offer and --plan (a checkout), --offer alone "
                         "(the offer view), --signup, or --batch FILE")
        return "checkout" if self.plan else "offer"


def _usage(message: str, hint: str) -> click.UsageError:
    return click.UsageError(f"{message}\n  hint: {hint}")


def load(options: SimulateOptions) -> Catalog:
    if options.from_store:
        return load_from_store(options)
    from offerspec.api import check_catalog

    catalog, diagnostics = check_catalog(resolve_paths(tuple(options.paths), options.env),
                                         strict=options.strict)
    if catalog is None:
        raise DiagnosticsError(diagnostics)
    return catalog


def load_from_store(options: SimulateOptions) -> Catalog:
    """The live catalog (archived objects too, so their refusals can be simulated)."""
    from offerspec.cli.store_options import open_from_args
    from offerspec.workflow import live_catalog

    _, opened = open_from_args(options.store, options.env, must_exist=True)
    try:
        return live_catalog(opened.snapshot())
    finally:
        opened.close()


def _emit(fmt: str, data: dict[str, Any], text: str) -> None:
    from offerspec.render.safe import json_text

    click.echo(json_text(data) if fmt == "json" else text, nl=fmt == "json")


@click.command()
@catalog_paths
@click.option("--offer", metavar="ID", help="The offer the member is in.")
@click.option("--plan", metavar="ID", help="The plan chosen (without it: show the offer).")
@click.option("--signup", is_flag=True, help="Simulate a signup's auto-subscription (--email, --ip).")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="Day of the checkout [default: today, UTC].")
@click.option("--country", metavar="CC", help="The member's country (ISO 3166-1 alpha-2).")
@click.option("--email", metavar="E", help="The member's email address.")
@click.option("--ip", metavar="IP", help="The member's IP address (IPv4 or IPv6).")
@click.option("--direct-link", is_flag=True, help="The member came by a direct link to the plan.")
@click.option("--holding", "holdings", multiple=True, metavar="PRODUCT[:END]",
              help="A product the member already holds, until END (repeatable).")
@click.option("--seats-used", type=click.IntRange(min=0), default=0,
              help="Seats already taken on a membership plan.")
@click.option("--renewals", type=click.IntRange(0, 1000), default=0,
              help="Project this many renewals of an auto-renewing plan.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--batch", metavar="FILE.csv", help="Simulate one checkout per CSV row.")
@click.option("--output-format", type=click.Choice(["jsonl", "csv"]), default="jsonl",
              show_default=True, help="Batch output: JSON lines or CSV.")
@strict_option
@click.option("--from-store", is_flag=True,
              help="Read the catalog from the live store (--store/--env) instead of YAML.")
@store_options
def simulate(  # noqa: PLR0917 - click passes every option positionally
        paths: tuple[str, ...], offer: str | None, plan: str | None, signup: bool,
        day: str | None, country: str | None, email: str | None, ip: str | None,
        direct_link: bool, holdings: tuple[str, ...], seats_used: int, renewals: int,
        fmt: str, batch: str | None, output_format: str, strict: bool,
        from_store: bool, store: str | None, env: str | None) -> None:
    """Dry-run what a member gets: a checkout, a signup, an offer page, or a CSV batch.

    \b
    offerspec simulate examples/offers --offer subscribe --plan annual-digital --date 2026-11-22
    offerspec simulate examples/offers --offer try-digital --country US
    offerspec simulate examples/offers --signup --email ada@example.edu
    offerspec simulate examples/offers --batch checkouts.csv --output-format csv

    Exit 0 when the member gets something, 4 when they get nothing (refused,
    no auto-subscription, no plan shown), 1 on invalid input.
    """
    options = SimulateOptions(list(paths), offer, plan, signup, day, country, email, ip, direct_link,
                              holdings, seats_used, renewals, fmt, batch, output_format, strict,
                              from_store, store, env, _explicit_options())
    mode = options.mode()
    catalog = load(options)
    from offerspec.simulate.inputs import parse_date, today_utc

    when = parse_date(day) if day else today_utc()
    if mode == "batch":
        assert batch is not None
        raise SystemExit(run_batch_command(catalog, batch, output_format, when))
    gets_something = {"checkout": run_checkout, "offer": run_offer_view,
                      "signup": run_signup}[mode](catalog, options, when)
    if not gets_something:
        raise SystemExit(EXIT_NOTHING)


def _explicit_options() -> frozenset[str]:
    from click.core import ParameterSource

    ctx = click.get_current_context()
    names = {"fmt": "--format", "output_format": "--output-format"}
    return frozenset(flag for name, flag in names.items()
                     if ctx.get_parameter_source(name) not in (None, ParameterSource.DEFAULT))


def _member(catalog: Catalog, options: SimulateOptions) -> Member:
    from offerspec.simulate import Member, index_for
    from offerspec.simulate.inputs import check_email, check_ip, parse_country, parse_holding

    index = index_for(catalog)
    return Member(
        country=parse_country(options.country) if options.country else None,
        email=check_email(options.email) if options.email else None,
        ip=check_ip(options.ip) if options.ip else None,
        direct_link=options.direct_link,
        holdings=tuple(parse_holding(h, index) for h in options.holdings),
        seats_used=options.seats_used)


def run_checkout(catalog: Catalog, options: SimulateOptions, when: date) -> bool:
    from offerspec.render.simulation import render_outcome
    from offerspec.simulate import Checkout, checkout
    from offerspec.simulate.serialize import outcome_dict

    assert options.offer is not None and options.plan is not None
    request = Checkout(options.offer, options.plan, when, _member(catalog, options), options.renewals)
    outcome = checkout(catalog, request)
    _emit(options.fmt, outcome_dict(outcome), render_outcome(outcome))
    return outcome.accepted


def run_offer_view(catalog: Catalog, options: SimulateOptions, when: date) -> bool:
    from offerspec.render.simulation import render_offer_view
    from offerspec.simulate import offer_view
    from offerspec.simulate.serialize import offer_view_dict

    assert options.offer is not None
    view = offer_view(catalog, options.offer, _member(catalog, options), when)
    _emit(options.fmt, offer_view_dict(view), render_offer_view(view))
    return bool(view.shown)


def run_signup(catalog: Catalog, options: SimulateOptions, when: date) -> bool:
    from offerspec.render.simulation import render_signup
    from offerspec.simulate import signup
    from offerspec.simulate.serialize import signup_dict

    member = _member(catalog, options)
    outcome = signup(catalog, member.email, member.ip, when, seats_used=options.seats_used)
    _emit(options.fmt, signup_dict(outcome), render_signup(outcome))
    return bool(outcome.subscribed)


def run_batch_command(catalog: Catalog, path: str, output_format: str, when: date) -> int:
    """Exit 1 when any row is invalid (each reported as file:line on stderr), else 0."""
    from offerspec.simulate import index_for
    from offerspec.simulate.batch import bounded_lines, run_batch, write_csv
    from offerspec.simulate.jsonl import simulate_jsonl

    invalid = 0
    reports: list[str] = []
    try:
        handle = sys.stdin if path == "-" else open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    except OSError as exc:
        raise OfferspecError(f"{path}: cannot read: {exc.strerror}",
                             hint="pass a CSV file with a header row") from None
    name = "<stdin>" if path == "-" else path
    out = sys.stdout  # (click.get_text_stream is deprecated in click 8.5)
    try:
        index = index_for(catalog)
        lines = bounded_lines(handle, name)
        results = simulate_jsonl(lines, name, index, when, out) if output_format == "jsonl" \
            else write_csv(run_batch(lines, name, index, when), out)
        for result in results:
            if result.error is not None:
                invalid += 1
                reports.append(clean(f"{name}:{result.line}: error: {result.error.message}"))
                if result.error.hint:
                    reports.append(clean(f"  hint: {result.error.hint}"))
                if len(reports) >= 2048:  # echo flushes: one echo per many lines, same text
                    click.echo("\n".join(reports), err=True)
                    reports.clear()
    except UnicodeDecodeError:
        raise OfferspecError(f"{name}: not UTF-8 text", hint="save the CSV as UTF-8") from None
    finally:
        if reports:
            click.echo("\n".join(reports), err=True)
        if handle is not sys.stdin:
            handle.close()
    if invalid:
        click.echo(f"{invalid} invalid row(s)", err=True)
    return 1 if invalid else 0
