"""``saphan operator add`` and ``saphan operator disable``: accounts of the operator console.

The password is asked twice without echo, or read from the first line of standard input
with ``--password-stdin`` (for provisioning scripts); it never appears on the command line.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from saphan.cli import app
from saphan.cli.serve import settings_from
from saphan.engine import operators
from saphan.engine import services as services_mod

operator_app = typer.Typer(help="Operator console accounts: add and disable.", no_args_is_help=True)
app.add_typer(operator_app, name="operator")

DataOption = Annotated[Path, typer.Option(help="state folder of the hub")]
DbOption = Annotated[
    str | None,
    typer.Option(envvar="SAPHAN_DB_URL", help="postgresql://... (default: SQLite in --data)"),
]


@operator_app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="letters, digits, '-' and '.'")],
    role: Annotated[str, typer.Option(help="viewer, operator or admin")] = "viewer",
    data: DataOption = Path("saphan-data"),
    db: DbOption = None,
    password_stdin: Annotated[
        bool, typer.Option(help="read the password from the first line of standard input")
    ] = False,
) -> None:
    """Create a console account (viewer: reads; operator: also replays and repairs)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    svc = services_mod.build(settings_from(data, db))
    try:
        operators.add_operator(svc, username, password, role)
    finally:
        svc.close()
    typer.echo(f"operator {username} added with role {role}", err=True)


@operator_app.command("disable")
def disable(
    username: Annotated[str, typer.Argument(help="the account to disable")],
    data: DataOption = Path("saphan-data"),
    db: DbOption = None,
) -> None:
    """Disable a console account (its sessions stop working at once)."""
    svc = services_mod.build(settings_from(data, db))
    try:
        operators.disable(svc, username)
    finally:
        svc.close()
    typer.echo(f"operator {username} disabled", err=True)
