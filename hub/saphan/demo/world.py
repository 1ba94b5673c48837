"""The demo's world: agency keys, simulated agencies on local ports, the directory overlay
naming them, and a real hub process (``saphan serve``) on the same data folder.

What it does not do: tell the story (:mod:`saphan.demo.story`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn
import yaml
from starlette.types import ASGIApp

from saphan.errors import ConfigError, Problem
from saphan.ledger.keys import SigningKey
from saphan.simulate.agency import AgencyConfig, SimulatedAgency, create_agency_app
from saphan.simulate.keys import directory_entry, load_or_create_agency_key
from saphan.simulate.puller import Puller

#: (code, format, push?) of every demo agency; the contract names the first eight.
AGENCIES: tuple[tuple[str, str, bool], ...] = (
    ("MOI-DRT-3415", "damrongtham", False),  # Warin Chamrap district center: pulls
    ("MOI-DRT-34", "damrongtham", False),  # Ubon Ratchathani provincial center: pulls
    ("OMB", "occ", True),
    ("PSC", "pmo1111", False),
    ("RTP-IG", "pmo1111", True),
    ("DOL", "pmo1111", True),
    ("AGO-RP-20", "occ", True),
    ("MOI-DRT-20", "damrongtham", True),
    ("MOI-DRT-2009", "damrongtham", False),  # Sattahip district center: pulls
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _ThreadServer:
    """A uvicorn server on a background thread (the demo's simulated agencies)."""

    def __init__(self, app: ASGIApp, port: int) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="error", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise ConfigError("a simulated agency did not start", [Problem("/demo", "timeout")])
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


@dataclass
class World:
    data: Path
    hub_port: int = field(default_factory=free_port)
    keys: dict[str, SigningKey] = field(default_factory=dict)
    agencies: dict[str, SimulatedAgency] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    pullers: dict[str, Puller] = field(default_factory=dict)
    _servers: list[_ThreadServer] = field(default_factory=list)
    _hub: subprocess.Popen[bytes] | None = None

    @property
    def hub_url(self) -> str:
        return f"http://127.0.0.1:{self.hub_port}"

    def prepare(self) -> None:
        """Keys (``DIR/agency-keys/<CODE>.pem``) and the directory overlay."""
        self.data.mkdir(parents=True, exist_ok=True)
        entries = []
        for code, fmt, push in AGENCIES:
            key = load_or_create_agency_key(self.data, code)
            self.keys[code] = key
            endpoint = None
            if push:
                port = free_port()
                self.urls[code] = f"http://127.0.0.1:{port}"
                endpoint = f"{self.urls[code]}/inbound"
            entries.append(directory_entry(code, fmt, key, endpoint=endpoint))
        overlay = {"version": 1, "agencies": entries}
        (self.data / "agencies.local.yaml").write_text(
            "# Written by `saphan demo`: the demo agencies' endpoints and public keys.\n"
            + yaml.safe_dump(overlay, allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )

    def start_agencies(self) -> None:
        for code, fmt, push in AGENCIES:
            if push:
                config = AgencyConfig(
                    code=code,
                    format=fmt,
                    key=self.keys[code],
                    public_url=self.urls[code],
                    hub_url=self.hub_url,
                    state_path=self.data / "agency-state" / f"{code}.sqlite",
                )
                app = create_agency_app(config)
                self.agencies[code] = app.state.agency
                server = _ThreadServer(app, int(self.urls[code].rsplit(":", 1)[1]))
                server.start()
                self._servers.append(server)
            else:
                self.pullers[code] = Puller(
                    code,
                    fmt,
                    self.keys[code],
                    self.hub_url,
                    interval_s=0.2,
                    state_path=self.data / "agency-state" / f"{code}.sqlite",
                )

    def start_hub(self, env: dict[str, str] | None = None) -> None:
        """``saphan serve --data DIR`` as a real process; waits until it answers."""
        log = self.data / "logs"
        log.mkdir(parents=True, exist_ok=True)
        environment = {**os.environ, **(env or {})}
        self._hub = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "saphan",
                "serve",
                "--data",
                str(self.data),
                "--port",
                str(self.hub_port),
            ],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=(log / "hub-stderr.log").open("ab"),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._hub.poll() is not None:
                raise ConfigError(
                    "the hub process stopped at start; see logs/hub-stderr.log",
                    [Problem("/demo/hub", f"exit {self._hub.returncode}")],
                )
            try:
                if httpx.get(f"{self.hub_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise ConfigError("the hub did not answer within 60 s", [Problem("/demo/hub", "timeout")])

    async def close_pullers(self) -> None:
        for puller in self.pullers.values():
            await puller.aclose()

    async def pull_all(self) -> int:
        """One round of every pull agency; returns how many transfers they took."""
        taken = 0
        for puller in self.pullers.values():
            report = await puller.run_once()
            taken += report.listed
        return taken

    def stop(self) -> None:
        if self._hub is not None and self._hub.poll() is None:
            self._hub.terminate()
            try:
                self._hub.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._hub.kill()
        for server in self._servers:
            server.stop()
