"""``saphan simulate``: run a simulated agency system as a process.

* ``saphan simulate agency --code C --format F --key PEM --port P [--hub URL]
  [--state FILE] [--fault NAME]...``: a push-mode agency the hub delivers to at
  ``http://HOST:PORT/inbound``;
* ``saphan simulate pull --code C --format F --key PEM --hub URL [--state FILE]``: a
  pull-mode agency that polls the hub's inbox and acknowledges what it reads;
* ``saphan simulate key --code C --format F --data DIR [--endpoint URL]``: create (or
  read) ``DIR/agency-keys/<C>.pem`` and print the agency's directory entry as JSON.

The servers print one line when ready (``agency OMB listening on http://127.0.0.1:8101``,
``puller OMB polling http://127.0.0.1:8000``) and exit with status 0 on SIGTERM or Ctrl-C.
Errors go through the CLI funnel as problem JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from saphan.cli import app
from saphan.simulate.agency import AgencyConfig, create_agency_app
from saphan.simulate.faults import Fault
from saphan.simulate.keys import directory_entry, load_agency_key, load_or_create_agency_key
from saphan.simulate.puller import Puller
from saphan.simulate.server import base_url, bind, run_until_signalled, serve_app

simulate_app = typer.Typer(
    name="simulate",
    help="Run simulated agency systems (push servers, pull clients) for demos and tests.",
    no_args_is_help=True,
)
app.add_typer(simulate_app, name="simulate")

Code = Annotated[str, typer.Option("--code", help="the agency's code, e.g. OMB")]
Format = Annotated[
    str, typer.Option("--format", "-f", help="the agency's format: damrongtham, occ, pmo1111")
]
KeyFile = Annotated[
    Path, typer.Option("--key", help="the agency's Ed25519 private key (PKCS#8 PEM)")
]
StateFile = Annotated[
    Path | None,
    typer.Option("--state", help="keep what was received in this SQLite file (else memory)"),
]


@simulate_app.command("agency")
def agency_command(
    code: Code,
    format_name: Format,
    key: KeyFile,
    port: Annotated[int, typer.Option(help="port to listen on; 0 picks a free one")] = 0,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    hub: Annotated[
        str | None, typer.Option(help="the hub's base URL; its keys come from its JWKS")
    ] = None,
    state: StateFile = None,
    fault: Annotated[
        list[Fault] | None,
        typer.Option("--fault", help="behave in this broken way (repeatable)"),
    ] = None,
    public_url: Annotated[
        str | None,
        typer.Option(help="the base URL the hub uses for this agency (default: the bound one)"),
    ] = None,
    seed: Annotated[int, typer.Option(help="seed of the random failure draw")] = 0,
    open_test_interface: Annotated[
        bool,
        typer.Option(
            help="answer /_state, /_received and /_control from any address "
            "(by default only from the loopback interface)"
        ),
    ] = False,
) -> None:
    """A push-mode agency: receives transfers at /inbound and answers signed receipts."""
    signing = load_agency_key(key)
    sock = bind(host, port)
    try:
        public = public_url or base_url(sock)
        config = AgencyConfig(
            code=code,
            format=format_name,
            key=signing,
            public_url=public,
            hub_url=hub,
            state_path=state,
            faults=frozenset(fault or ()),
            seed=seed,
            open_test_interface=open_test_interface,
        )
        agency_app = create_agency_app(config)
        agency = agency_app.state.agency
        serve_app(
            agency_app,
            sock,
            f"agency {code} listening on {public}",
            on_stop=agency.controls.release,  # a hanging delivery must not hold up the stop
        )
    finally:
        sock.close()


@simulate_app.command("pull")
def pull_command(
    code: Code,
    format_name: Format,
    key: KeyFile,
    hub: Annotated[str, typer.Option(help="the hub's base URL")],
    state: StateFile = None,
    interval: Annotated[float, typer.Option(help="seconds between polls")] = 0.5,
    limit: Annotated[int, typer.Option(help="transfers asked for per poll")] = 50,
) -> None:
    """A pull-mode agency: polls the hub's inbox and acknowledges each transfer once."""
    puller = Puller(
        code,
        format_name,
        load_agency_key(key),
        hub,
        state_path=state,
        limit=limit,
        interval_s=interval,
    )

    async def main(stop: asyncio.Event) -> None:
        try:
            await puller.run(stop)
        finally:
            await puller.aclose()
            puller.state.close()

    run_until_signalled(main, f"puller {code} polling {hub.rstrip('/')}")


@simulate_app.command("key")
def key_command(
    code: Code,
    format_name: Format,
    data: Annotated[Path, typer.Option("--data", help="the data folder (keys go in agency-keys/)")],
    endpoint: Annotated[
        str | None, typer.Option(help="the agency's push endpoint (default: pull delivery)")
    ] = None,
) -> None:
    """Create or read DATA/agency-keys/CODE.pem and print the agency's directory entry."""
    signing = load_or_create_agency_key(data, code)
    entry = directory_entry(code, format_name, signing, endpoint=endpoint)
    sys.stdout.write(json.dumps(entry, ensure_ascii=False, indent=2) + "\n")
