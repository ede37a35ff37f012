"""Fuzzed command lines: simulate's options (dates, countries, emails, IPs, holdings, seats,
renewals, formats, options that mean nothing together) and plan/validate/compile/test flags.
Whatever the combination: a documented exit code (0/1/2/4), no exit 3, no traceback, inert
output. Float options and `show N` are left to helper harden (issue 12)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

from hypothesis import event, note
from hypothesis import strategies as st

from fuzz.budget import fuzz
from fuzz.catalogs import dates
from fuzz.inputs import EXAMPLES, OFFERS, PLANS, PRODUCTS, countries, emails, ips, weird
from fuzz.oracle import check, invoke

odd_dates = st.one_of(dates, st.sampled_from(["2024-02-29", "2023-02-29", "0001-01-01", "9999-12-31",
                                              "2024-1-1", "20240101", "today", "", "2024-02-30"]))
integers = st.one_of(st.integers(-5, 20), st.sampled_from(["1000", "1001", "99999999999999999999",
                                                           "-1", "x", "1e3", ""]).map(str))


@cache
def examples_store() -> str:
    """A store with the examples applied (for --from-store)."""
    base = Path(tempfile.mkdtemp(prefix="offerspec-fuzz-options-"))
    atexit.register(shutil.rmtree, base, True)
    url = f"sqlite:///{base}/store.db"
    check(invoke("apply", str(EXAMPLES), "--store", url, "--auto-approve"), codes=(0,))
    return url


@st.composite
def simulate_args(draw: st.DrawFn) -> list[str]:
    """A checkout, an offer view or a signup, mostly coherent; sometimes any mix of options."""
    mode = draw(st.sampled_from(["checkout", "checkout", "view", "signup", "any"]))
    options = {
        "--offer": st.sampled_from(OFFERS) | weird, "--plan": st.sampled_from(PLANS) | weird,
        "--date": odd_dates, "--country": countries | weird, "--email": emails | weird,
        "--ip": ips | weird, "--seats-used": integers, "--renewals": integers,
        "--format": st.sampled_from(["text", "json", "text", "json", "yaml"]),
        "--holding": st.one_of(st.sampled_from(PRODUCTS),
                               st.tuples(st.sampled_from(PRODUCTS), odd_dates).map(":".join), weird),
        "--output-format": st.sampled_from(["jsonl", "csv"]),
    }
    allowed = {"checkout": ["--date", "--country", "--email", "--ip", "--seats-used", "--renewals",
                            "--format", "--holding", "--holding"],
               "view": ["--date", "--country", "--format"], "signup": ["--date", "--email", "--ip",
                                                                       "--format", "--seats-used"],
               "any": sorted(options)}[mode]
    source = ["--from-store", "--store", examples_store()] if draw(st.integers(0, 3)) == 0 \
        else [str(EXAMPLES)]
    args = ["simulate", *source]
    if mode in ("checkout", "view"):
        args += ["--offer", draw(options["--offer"])]
    if mode == "checkout":
        args += ["--plan", draw(options["--plan"])]
    if mode == "signup":
        args.append("--signup")
    for name in draw(st.lists(st.sampled_from(allowed), max_size=5)):
        args += [name, str(draw(options[name]))]
    flags = ["--direct-link", "--strict"] + (["--signup", "--from-store"] if mode == "any" else [])
    args += draw(st.lists(st.sampled_from(flags), max_size=2, unique=True))
    return [a for a in args if "\x00" not in a]


@fuzz(300, simulate_args())
def test_simulate_options(args: list[str]) -> None:
    note(repr(args))
    outcome = check(invoke(*args), codes=(0, 1, 2, 4))
    event(f"exit {outcome.exit_code}")


@fuzz(100, st.sampled_from(["validate", "compile", "plan", "test", "fmt"]),
       st.lists(st.sampled_from(["--strict", "--format", "text", "json", "github", "markdown",
                                 "--detailed-exitcode", "--check", "--junit-xml", "-o", "--env",
                                 "nowhere", "--out", "--no-color", "-", "--", "-h"]), max_size=5))
def test_catalog_command_flags(command: str, flags: list[str]) -> None:
    with tempfile.TemporaryDirectory() as name:  # flags write files (-o, --out, --junit-xml, fmt)
        catalog = Path(name) / "catalog"
        shutil.copytree(EXAMPLES, catalog)
        check(invoke(command, str(catalog), *flags, cwd=Path(name)), codes=(0, 1, 2))
