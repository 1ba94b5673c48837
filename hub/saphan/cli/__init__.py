"""The ``saphan`` command. One funnel, :func:`run`, maps every :class:`HubError` to an
RFC 9457 problem on standard error and an exit code; no command prints a traceback.

Exit codes: 0 success; 1 invalid input or a failed check (the contract's "invalid");
2 configuration or usage error; 130 interrupted.
"""

from __future__ import annotations

import json
import sys

import typer
from typer._click import exceptions as _cli_errors

from saphan.errors import HubError

app = typer.Typer(
    name="saphan",
    help="Saphan (สะพาน): the interoperability hub for Thailand's public-complaint systems.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Saphan (สะพาน): the interoperability hub for Thailand's public-complaint systems."""


def _register() -> None:
    # Each command lives in its own module; importing it adds it to ``app``.
    from saphan.cli import (
        audit,  # noqa: F401
        conformance,  # noqa: F401
        demo,  # noqa: F401
        keys,  # noqa: F401
        operator,  # noqa: F401
        ops,  # noqa: F401
        route,  # noqa: F401
        serve,  # noqa: F401
        simulate,  # noqa: F401
        translate,  # noqa: F401
    )


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
    except typer.Exit as ex:
        return int(ex.exit_code)
    except _cli_errors.NoArgsIsHelpError as ex:
        ex.show()
        return 0
    except _cli_errors.ClickException as ex:
        # Typer vendors its own click: usage errors are its ClickException subclasses.
        ex.show()
        return 2
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("interrupted\n")
        return 130
    return result if isinstance(result, int) else 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
