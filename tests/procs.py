"""Real processes for end-to-end tests: ``saphan serve`` hubs and ``saphan simulate``
agencies, started with the project's own interpreter and stopped (or killed) on demand."""

from __future__ import annotations

import copy
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from conftest import EXAMPLES


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def saphan(*args: str) -> list[str]:
    return [sys.executable, "-m", "saphan", *args]


class Hub:
    """One ``saphan serve`` process."""

    def __init__(
        self,
        data: Path,
        *,
        port: int | None = None,
        db: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.data = data
        self.port = port or free_port()
        self.db = db
        self.env = {
            **os.environ,
            "SAPHAN_POLL_INTERVAL_S": "0.05",
            "SAPHAN_RETRY_BASE_S": "0.2",
            "SAPHAN_RETRY_CAP_S": "2",
            "SAPHAN_RETRY_MAX_ATTEMPTS": "50",
            **(env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> Hub:
        args = ["serve", "--data", str(self.data), "--port", str(self.port)]
        if self.db:
            args += ["--db", self.db]
        log = (self.data / "test-hub.log").open("ab")
        self.proc = subprocess.Popen(saphan(*args), env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"hub exited with {self.proc.returncode}; see {self.data}/test-hub.log"
                )
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("hub did not start in time")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Agency:
    """One ``saphan simulate agency`` process (push mode)."""

    def __init__(
        self,
        code: str,
        fmt: str,
        key: Path,
        hub_url: str,
        state: Path,
        port: int | None = None,
        faults: tuple[str, ...] = (),
    ) -> None:
        self.code, self.fmt, self.key, self.hub_url, self.state = code, fmt, key, hub_url, state
        self.port = port or free_port()
        self.faults = faults
        self.proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Agency:
        args = [
            "simulate",
            "agency",
            "--code",
            self.code,
            "--format",
            self.fmt,
            "--key",
            str(self.key),
            "--port",
            str(self.port),
            "--hub",
            self.hub_url,
            "--state",
            str(self.state),
        ]
        for fault in self.faults:
            args += ["--fault", fault]
        # standard error goes to a file beside the agency's state: a pipe nobody reads could
        # fill up, and a failed start must say why
        errors = self.state.with_name(f"{self.state.name}.stderr")
        with errors.open("ab") as sink:
            self.proc = subprocess.Popen(
                saphan(*args), stdout=subprocess.PIPE, stderr=sink, text=True
            )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "listening" not in line:
            self.proc.wait(timeout=10)
            said = errors.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(
                f"agency {self.code} did not start (exit {self.proc.returncode}): "
                f"{line!r}; standard error: {said}"
            )
        return self

    def control(self, **settings: Any) -> None:
        httpx.post(f"{self.url}/_control", json=settings, timeout=5).raise_for_status()

    def state_snapshot(self) -> dict[str, Any]:
        return dict(httpx.get(f"{self.url}/_state", timeout=10).json())

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def pmo_batch(n: int, target: str, start: int = 0, batch_no: int = 1) -> bytes:
    """A 1111 batch of ``n`` distinct records for ``target`` (from the spec example)."""
    example = json.loads(
        (EXAMPLES / "pmo1111" / "batch-three-records.json").read_text(encoding="utf-8")
    )
    template = example["records"][1]
    records = []
    for i in range(start, start + n):
        rec = copy.deepcopy(template)
        rec["ticket_no"] = f"671011{i:07d}"
        rec["target_agency"] = target
        records.append(rec)
    envelope = {
        "psc_version": "1.0",
        "batch_id": f"PSC-20241011-{batch_no:04d}",
        "generated_ms": example["generated_ms"],
        "records": records,
    }
    return json.dumps(envelope, ensure_ascii=False).encode()
