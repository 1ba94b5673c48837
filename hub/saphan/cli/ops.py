"""Operator commands on a hub's database: quarantine, dead letters and erasure.

``saphan quarantine list|show|replay``, ``saphan dead-letters list|replay`` and
``saphan case erase``. They act on the database directly (``--data`` / ``--db``) with the
same engine functions as the console and the operations API, and every action is recorded
under ``--operator`` (default: the login name of whoever runs the command).
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from saphan.cli import app
from saphan.cli.serve import settings_from
from saphan.engine import operations
from saphan.engine import services as services_mod
from saphan.engine.erasure import erase_case
from saphan.engine.services import Services

quarantine_app = typer.Typer(
    help="Refused messages kept for repair and replay.", no_args_is_help=True
)
dead_app = typer.Typer(help="Transfers that gave up after their retries.", no_args_is_help=True)
case_app = typer.Typer(help="Cases: erasure of personal data.", no_args_is_help=True)
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(dead_app, name="dead-letters")
app.add_typer(case_app, name="case")

DataOption = Annotated[Path, typer.Option(help="state folder of the hub")]
DbOption = Annotated[str | None, typer.Option(envvar="SAPHAN_DB_URL", help="postgresql://...")]
OperatorOption = Annotated[
    str | None, typer.Option(help="who acts (recorded); default: your login")
]


@contextmanager
def _hub(data: Path, db: str | None) -> Iterator[Services]:
    svc = services_mod.build(settings_from(data, db))
    try:
        yield svc
    finally:
        svc.close()


def _who(operator: str | None) -> str:
    return operator or f"cli:{getpass.getuser()}"


def _print(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def _with(data: Path, db: str | None, action: Callable[[Services], Any]) -> None:
    with _hub(data, db) as svc:
        _print(action(svc))


@quarantine_app.command("list")
def quarantine_list(
    state: Annotated[str, typer.Option(help="open, replayed")] = "open",
    data: DataOption = Path("saphan-data"),
    db: DbOption = None,
) -> None:
    """Quarantined records with every problem found."""
    _with(data, db, lambda svc: operations.list_quarantine(svc, state))


@quarantine_app.command("show")
def quarantine_show(
    quarantine_id: str,
    data: DataOption = Path("saphan-data"),
    db: DbOption = None,
    operator: OperatorOption = None,
) -> None:
    """Write the refused bytes to standard output (to repair them in a file)."""
    with _hub(data, db) as svc:
        sys.stdout.buffer.write(operations.quarantined_raw(svc, quarantine_id, _who(operator)))


@quarantine_app.command("replay")
def quarantine_replay(
    quarantine_id: str,
    repaired: Annotated[Path | None, typer.Option("--file", help="the repaired message")] = None,
    data: DataOption = Path("saphan-data"),
    db: DbOption = None,
    operator: OperatorOption = None,
) -> None:
    """Put a quarantined record through intake again (repaired with --file)."""
    body = repaired.read_bytes() if repaired else None
    _with(
        data, db, lambda svc: operations.replay_quarantine(svc, quarantine_id, _who(operator), body)
    )


@dead_app.command("list")
def dead_list(data: DataOption = Path("saphan-data"), db: DbOption = None) -> None:
    """Dead-lettered transfers with their last error."""
    _with(data, db, operations.list_dead_letters)


@dead_app.command("replay")
def dead_replay(
    transfer_id: str,
    data: DataOption = Path("saphan-data"),
    db: DbOption = None,
    operator: OperatorOption = None,
) -> None:
    """Queue a dead-lettered transfer again, under the same transfer id."""
    _with(data, db, lambda svc: operations.replay_dead_letter(svc, transfer_id, _who(operator)))


@case_app.command("erase")
def case_erase(
    case_id: str,
    basis: Annotated[
        str, typer.Option(help="legal basis code, e.g. pdpa-request")
    ] = "pdpa-request",
    data: DataOption = Path("saphan-data"),
    db: DbOption = None,
    operator: OperatorOption = None,
) -> None:
    """Erase a complainant's personal data (PDPA); the log keeps verifying."""
    _with(data, db, lambda svc: erase_case(svc, case_id, _who(operator), basis))
