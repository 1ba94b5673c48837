"""``saphan serve``: run the hub (API, pages, delivery worker, scheduled jobs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from saphan.cli import app
from saphan.config import Settings


def settings_from(
    data: Path, db: str | None, host: str | None = None, port: int | None = None
) -> Settings:
    values: dict[str, object] = {"data_dir": data}
    if db:
        values["db_url"] = db
    if host:
        values["host"] = host
    if port:
        values["port"] = port
    return Settings(**values)  # type: ignore[arg-type]


@app.command()
def serve(
    data: Annotated[Path, typer.Option(help="state folder: database, keys, logs")] = Path(
        "saphan-data"
    ),
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    db: Annotated[
        str | None,
        typer.Option(envvar="SAPHAN_DB_URL", help="postgresql://... (default: SQLite in --data)"),
    ] = None,
    workers: Annotated[
        bool, typer.Option(help="run the delivery worker and scheduled jobs")
    ] = True,
) -> None:
    """Run the hub: API, tracking and console pages, delivery and scheduled jobs."""
    import uvicorn

    from saphan import logs
    from saphan.api.app import create_app

    settings = settings_from(data, db, host, port)
    settings = settings.model_copy(update={"delivery_workers": workers})
    settings.check_production()
    logs.configure(file=settings.data_dir / "logs" / "hub.log")
    typer.echo(
        f"Saphan hub on http://{host}:{port} (data: {data}, database: {settings.database_url().split('://')[0]})",
        err=True,
    )
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", access_log=False)
