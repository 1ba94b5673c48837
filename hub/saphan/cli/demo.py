"""``saphan demo``: the whole story on the embedded default (see :mod:`saphan.demo.story`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from saphan.cli import app


@app.command()
def demo(
    data: Annotated[Path, typer.Option(help="where the demo leaves the hub's state")] = Path(
        "saphan-data"
    ),
) -> int:
    """Run the demo: a hub and simulated Damrongtham, OCC and 1111 systems; exit 0 when it all worked."""
    from saphan import logs
    from saphan.demo.story import run

    logs.configure(level="WARNING")
    return run(data)
