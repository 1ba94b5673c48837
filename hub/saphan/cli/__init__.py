"""The ``saphan`` command. One funnel, :func:`run`, maps every :class:`HubError` to an
RFC 9457 problem on standard error and an exit code; no command prints a traceback.

Exit codes: 0 success; 1 invalid input or a failed check (the contract's "invalid");
2 configuration or usage error; 130 interrupted.
"""

from __future__ import annotations

import json
import sys

import click
import typer

from saphan.errors import HubError

app = typer.Typer(
    name="saphan",
    help="Saphan (สะพาน): the interoperability hub for Thailand's public-complaint systems.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    # Each command lives in its own module; importing it adds it to ``app``.
    from saphan.cli import translate  # noqa: F401


def report_error(err: HubError) -> int:
    """Write ``err`` as problem JSON on standard error; return its exit code."""
    sys.stderr.write(json.dumps(err.to_problem(), ensure_ascii=False, indent=2) + "\n")
    return err.exit_code


def run(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code (the funnel)."""
    _register()
    try:
        result = app(args=argv, standalone_mode=False, prog_name="saphan")
    except HubError as err:
        return report_error(err)
    except click.exceptions.Exit as ex:
        return ex.exit_code
    except click.ClickException as ex:
        ex.show()
        return 2
    except (click.exceptions.Abort, KeyboardInterrupt):
        sys.stderr.write("interrupted\n")
        return 130
    return result if isinstance(result, int) else 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
