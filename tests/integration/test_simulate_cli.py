"""``saphan simulate`` as real processes: a push agency and a pull agency start, say when
they are ready, do their work over real HTTP against a small hub stand-in (its JWKS,
inbox and receipt endpoints, checking signatures as the hub does), keep their state in a
file across a crash, and exit with status 0 on SIGTERM."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import EXAMPLES

from saphan.auth import MemoryNonceStore, SaphanSigner, verify_request
from saphan.errors import AuthenticationError
from saphan.ledger.keys import SigningKey
from saphan.ledger.receipts import verify_receipt

HUB_KEY = SigningKey.generate()
READY = re.compile(r"^(agency|puller) (\S+) (?:listening on|polling) (http://\S+)$")


class FakeHub(ThreadingHTTPServer):
    """Publishes the hub key and serves one agency's inbox; records acknowledgements."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _HubHandler)
        self.agency_keys: dict[str, list[Any]] = {}
        self.inbox: list[dict[str, Any]] = []
        self.acks: dict[str, list[str]] = {}
        self.refused = 0
        self.nonces = MemoryNonceStore()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _HubHandler(BaseHTTPRequestHandler):
    server: FakeHub

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _answer(self, status: int, document: object) -> None:
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _verified(self, body: bytes) -> bool:
        try:
            verify_request(
                self.command,
                f"{self.server.url}{self.path}",
                list(self.headers.items()),
                body,
                lambda kid: self.server.agency_keys.get(kid, []),
                self.server.nonces,
                datetime.now(UTC),
            )
        except AuthenticationError as exc:
            self.server.refused += 1
            self._answer(401, exc.to_problem())
            return False
        return True

    def do_GET(self) -> None:
        if self.path == "/.well-known/jwks.json":
            self._answer(200, {"keys": [HUB_KEY.public.jwk()]})
        elif self.path.startswith("/v1/inbox?") and self._verified(b""):
            # A lagging hub: it keeps listing what was acknowledged.
            self._answer(200, {"transfers": self.server.inbox})
        elif not self.path.startswith("/v1/inbox"):
            self._answer(404, {})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        match = re.fullmatch(r"/v1/transfers/([^/]+)/receipt", self.path)
        if match is None:
            self._answer(404, {})
        elif self._verified(body):
            self.server.acks.setdefault(match.group(1), []).append(json.loads(body)["receipt"])
            self._answer(200, {"ok": True})


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    server = FakeHub()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def saphan(*args: str) -> list[str]:
    script = Path(sys.executable).parent / "saphan"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "from saphan.cli import main; main()", *args]


class Process:
    """A started ``saphan simulate ...`` and the lines it printed."""

    def __init__(self, *args: str) -> None:
        self.popen = subprocess.Popen(
            saphan(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ | {"PYTHONUNBUFFERED": "1"},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        assert self.popen.stdout is not None
        stdout = self.popen.stdout

        def pump() -> None:
            for line in stdout:
                self.lines.put(line)

        threading.Thread(target=pump, daemon=True).start()

    def ready(self, timeout: float = 60) -> re.Match[str]:
        try:
            line = self.lines.get(timeout=timeout).rstrip("\n")
        except queue.Empty:
            self.popen.kill()
            raise AssertionError(f"no ready line; stderr: {self.popen.communicate()[1]}") from None
        match = READY.match(line)
        assert match is not None, f"not a ready line: {line!r}"
        return match

    def terminate(self) -> int:
        self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=20)
        finally:
            if self.popen.poll() is None:
                self.popen.kill()

    def kill(self) -> None:
        self.popen.kill()
        self.popen.wait(timeout=20)


def make_key(data: Path, code: str, format_name: str, endpoint: str | None = None) -> Any:
    args = ["simulate", "key", "--code", code, "--format", format_name, "--data", str(data)]
    done = subprocess.run(
        saphan(*args, *(["--endpoint", endpoint] if endpoint else [])),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def agency_key(entry: dict[str, Any]) -> Any:
    from saphan.ledger.pubkeys import parse_public_key

    (listed,) = entry["keys"]
    return listed["kid"], parse_public_key(listed["key"])


def push(url: str, body: bytes, transfer_id: str) -> httpx.Response:
    with httpx.Client(auth=SaphanSigner(HUB_KEY.private, HUB_KEY.kid), timeout=20) as http:
        return http.post(
            f"{url}/inbound",
            content=body,
            headers={
                "Content-Type": "application/json",
                "Saphan-Transfer-Id": transfer_id,
                "Saphan-Case-Id": "C-2025-1",
            },
        )


def test_a_push_agency_process_serves_signed_pushes_and_stops_on_sigterm(
    hub: FakeHub, tmp_path: Path
) -> None:
    entry = make_key(tmp_path, "OMB", "occ")
    assert (tmp_path / "agency-keys" / "OMB.pem").exists()
    kid, public = agency_key(entry)
    body = (EXAMPLES / "occ" / "referral-from-warin-chamrap.json").read_bytes()
    state = tmp_path / "omb-state.sqlite"
    command = [
        "simulate", "agency", "--code", "OMB", "--format", "occ", "--port", "0",
        "--key", str(tmp_path / "agency-keys" / "OMB.pem"), "--hub", hub.url,
        "--state", str(state),
    ]  # fmt: skip

    agency = Process(*command)
    try:
        kind, code, url = agency.ready().groups()
        assert (kind, code) == ("agency", "OMB")
        answer = push(url, body, "T-1")
        assert answer.status_code == 200, answer.text
        receipt = verify_receipt(answer.json()["receipt"], lambda k: public if k == kid else None)
        assert receipt.sha256 == hashlib.sha256(body).hexdigest()
        assert receipt.receiver == "OMB"
        unsigned = httpx.post(f"{url}/inbound", content=body, timeout=20)
        assert unsigned.status_code == 401
    finally:
        agency.kill()  # a crash: SIGKILL, no chance to clean up

    # Started again on the same state file, it has lost nothing: the redelivered transfer
    # gets the same receipt and is still processed once. Then it stops cleanly.
    again = Process(*command)
    try:
        url = again.ready().group(3)
        redelivered = push(url, body, "T-1")
        assert redelivered.json()["receipt"] == answer.json()["receipt"]
        seen = httpx.get(f"{url}/_state", timeout=20).json()["transfers"]["T-1"]
        assert (seen["times_received"], seen["times_processed"]) == (2, 1)
    finally:
        assert again.terminate() == 0
    assert again.popen.stderr is not None
    assert "Traceback" not in again.popen.stderr.read()


def test_a_pull_agency_process_acknowledges_each_transfer_once(
    hub: FakeHub, tmp_path: Path
) -> None:
    entry = make_key(tmp_path, "MOI-DRT-34", "damrongtham")
    kid, public = agency_key(entry)
    hub.agency_keys["MOI-DRT-34"] = [public]
    body = (EXAMPLES / "damrongtham" / "escalation-warin-chamrap.xml").read_bytes()
    hub.inbox.append(
        {
            "transfer_id": "T-42",
            "case_id": "C-2025-42",
            "format": "damrongtham",
            "media_type": "application/xml",
            "body_b64": base64.b64encode(body).decode(),
            "payload_sha256": hashlib.sha256(body).hexdigest(),
            "created_at": "2025-06-01T03:00:00Z",
        }
    )
    puller = Process(
        "simulate", "pull", "--code", "MOI-DRT-34", "--format", "damrongtham",
        "--key", str(tmp_path / "agency-keys" / "MOI-DRT-34.pem"), "--hub", hub.url,
        "--interval", "0.05", "--state", str(tmp_path / "drt.sqlite"),
    )  # fmt: skip
    try:
        assert puller.ready().groups() == ("puller", "MOI-DRT-34", hub.url)
        deadline = datetime.now(UTC).timestamp() + 30
        while "T-42" not in hub.acks and datetime.now(UTC).timestamp() < deadline:
            threading.Event().wait(0.05)
        threading.Event().wait(0.5)  # several more polls list T-42 again
    finally:
        assert puller.terminate() == 0
    assert len(hub.acks["T-42"]) == 1
    receipt = verify_receipt(hub.acks["T-42"][0], lambda k: public if k == kid else None)
    assert receipt.sha256 == hashlib.sha256(body).hexdigest()
    assert (receipt.transfer_id, receipt.receiver) == ("T-42", "MOI-DRT-34")
    assert hub.refused == 0
