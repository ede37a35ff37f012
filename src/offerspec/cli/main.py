"""The ``offerspec`` entry point: lazy subcommands and the exit-code policy.

Exit codes: 0 ok, 1 user error (bad catalog, bad input), 2 usage error,
3 internal bug (a short report, never a raw traceback), 130 interrupted (Ctrl-C),
143 terminated (SIGTERM), 129 hung up (SIGHUP: the terminal was closed).
Commands may define more (e.g. ``plan --detailed-exitcode`` and refused checkouts).
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import traceback
from typing import Any

import click

from offerspec import __version__

# name -> "module:function"; modules are imported only for the command that runs.
COMMANDS: dict[str, str] = {
    "validate": "offerspec.cli.validate:validate",
    "compile": "offerspec.cli.validate:compile_command",
    "schema": "offerspec.cli.validate:schema",
    "plan": "offerspec.cli.plan:plan",
    "apply": "offerspec.cli.apply:apply",
    "history": "offerspec.cli.history:history",
    "show": "offerspec.cli.history:show",
    "force-unlock": "offerspec.cli.history:force_unlock",
    "pull": "offerspec.cli.pull:pull",
    "export": "offerspec.cli.pull:export",
    "simulate": "offerspec.cli.simulate:simulate",
    "test": "offerspec.cli.test:test",
    "serve": "offerspec.cli.serve:serve",
    "store": "offerspec.cli.store_cmd:store",
    "init": "offerspec.cli.init:init",
    "fmt": "offerspec.cli.fmt:fmt",
    "import": "offerspec.cli.import_cmd:import_command",
}

EXIT_USER_ERROR = 1
EXIT_BUG = 3
EXIT_INTERRUPTED = 130


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:  # e.g. `offerspec export | head`: click quiets it, exit 1
            raise
        except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM or SIGHUP (see cli/interrupts.py)
            from offerspec.cli.interrupts import Interrupted

            if isinstance(exc, Interrupted):
                from offerspec.render.safe import clean

                click.echo(clean(exc.message), err=True)
                ctx.exit(exc.exit_code)
            click.echo("interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except Exception as exc:  # noqa: BLE001 - the one place that turns errors into exits
            from offerspec.diagnostics import DiagnosticsError, OfferspecError

            if isinstance(exc, DiagnosticsError):
                from offerspec.render.diagnostics import render_text

                click.echo(render_text(exc.diagnostics), nl=False, err=True)
                ctx.exit(exc.exit_code)
            if isinstance(exc, OfferspecError):
                from offerspec.render.safe import text

                # Messages quote data (a plan file's store URL, ids): one line each, escaped.
                click.echo(text([f"error: {exc.message}",
                                 *([f"  hint: {exc.hint}"] if exc.hint else [])]),
                           nl=False, err=True)
                ctx.exit(exc.exit_code)
            report_bug(exc)
            ctx.exit(EXIT_BUG)


def report_bug(exc: BaseException) -> None:
    """A short report on stderr; the full traceback goes to a file, not the screen."""
    fd, path = tempfile.mkstemp(prefix="offerspec-crash-", suffix=".log")
    with os.fdopen(fd, "w") as log:
        log.write(f"offerspec {__version__} on Python {sys.version.split()[0]}\n")
        log.write(f"argv: {sys.argv}\n\n")
        log.write("".join(traceback.format_exception(exc)))
    from offerspec.render.safe import text

    click.echo(text([f"offerspec: internal error (this is a bug): {type(exc).__name__}: {exc}",
                     f"  the full report is in {path}; please attach it to an issue."]),
               nl=False, err=True)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="offerspec")
def cli() -> None:
    """Keep a catalog of products, plans and offers as YAML: validate, plan, apply, simulate."""


def main() -> None:
    from offerspec.cli.interrupts import install

    install()
    cli(prog_name="offerspec")
