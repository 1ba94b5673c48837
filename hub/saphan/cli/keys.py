"""``saphan keys show|rotate``: the hub's signing keys (receipts, pushes, checkpoints).

Rotation makes a new current key and keeps every earlier public key, so receipts and
checkpoints signed before stay verifiable (``/.well-known/jwks.json`` lists them all). Hub
processes read their keys at start: restart them after a rotation. Key files are created
with mode 0600 in a 0700 folder; private key material is never printed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from saphan.cli import app
from saphan.ledger.checkpoint import log_verifier_key
from saphan.ledger.keys import KeyRing

keys_app = typer.Typer(help="The hub's signing keys: show and rotate.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

DataOption = Annotated[Path, typer.Option(help="state folder of the hub")]
OriginOption = Annotated[
    str, typer.Option(envvar="SAPHAN_LOG_ORIGIN", help="the log origin (key name)")
]


def _dir(data: Path) -> Path:
    return data / "keys" / "hub"


def _describe(ring: KeyRing, origin: str) -> dict[str, object]:
    return {
        "current": ring.current.kid,
        "earlier": [k.kid for k in ring.earlier],
        "jwks": ring.public_jwks(),
        "log_verifier_key": log_verifier_key(origin, ring.current.private.public_key()),
    }


@keys_app.command("show")
def show(
    data: DataOption = Path("saphan-data"), origin: OriginOption = "saphan.example/log"
) -> None:
    """The current and earlier public keys (JWKS) and the log's verifier key."""
    ring = KeyRing.load(_dir(data))
    sys.stdout.write(json.dumps(_describe(ring, origin), indent=2) + "\n")


@keys_app.command("rotate")
def rotate(
    data: DataOption = Path("saphan-data"), origin: OriginOption = "saphan.example/log"
) -> None:
    """Make a new current key; earlier keys stay published for verification."""
    ring = KeyRing.load(_dir(data)).rotate()
    ring.save(_dir(data))
    sys.stdout.write(json.dumps(_describe(ring, origin), indent=2) + "\n")
    typer.echo("rotated: restart every hub process to sign with the new key", err=True)
