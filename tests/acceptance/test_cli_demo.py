"""The newcomer's path: ``saphan demo``, then ``saphan serve`` on what it left, then calls
as a demo agency with its key; and the operator commands on quarantine and dead letters."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

from conftest import EXAMPLES
from hubkit import DEMO_AGENCIES
from procs import Hub, saphan

from saphan.simulate.client import SyncHubClient
from saphan.simulate.keys import agency_key_path, load_agency_key

#: the demo agencies the hub contract names (the same the other suites act as)
CONTRACT_AGENCIES = DEMO_AGENCIES


def _run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(saphan(*args), capture_output=True, input=stdin, timeout=300, check=False)


def test_demo_then_serve_then_operate(tmp_path: Path) -> None:
    data = tmp_path / "state"
    demo = _run("demo", "--data", str(data))
    assert demo.returncode == 0, demo.stderr.decode()[-2000:]
    out = demo.stdout.decode()
    assert "Demo complete" in out and "RESULT: every check holds." in out
    assert "OMB by R1" in out and "MOI-DRT-34 (copy)" in out and "RTP-IG by R3" in out
    for code in CONTRACT_AGENCIES:
        path = agency_key_path(data, code)
        assert path.exists(), code
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    hub = Hub(data).start()
    try:
        # the same hub comes back: the escalated case is still tracked
        import httpx

        track = httpx.get(f"{hub.url}/v1/track/DOPA34003415670123", timeout=10).json()
        assert track["holder"] == "OMB" and len(track["handovers"]) == 2
        # a person can call the API as a demo agency with its key
        omb = load_agency_key(agency_key_path(data, "OMB"))
        with SyncHubClient(hub.url, "OMB", omb) as client:
            bad = (EXAMPLES / "invalid" / "occ-unknown-topic-no-complainant.json").read_bytes()
            answer = client.submit("occ", bad)
        assert answer.status == 422
        qid = answer.body["quarantine_id"]
        # operators see it from the command line, repair it and replay it
        listed = json.loads(_run("quarantine", "list", "--data", str(data)).stdout)
        assert qid in [q["id"] for q in listed]
        assert {e["path"] for e in next(q for q in listed if q["id"] == qid)["errors"]} == {
            "/matter/topic",
            "/complainant",
        }
        raw = _run("quarantine", "show", qid, "--data", str(data)).stdout
        assert raw == bad
        fixed = json.loads(raw)
        fixed["matter"]["topic"] = "UNFAIR_LAW"
        fixed["complainant"] = {"anonymous": True, "disclose_identity": True}
        repaired = tmp_path / "fixed.json"
        repaired.write_text(json.dumps(fixed, ensure_ascii=False), encoding="utf-8")
        replay = _run(
            "quarantine",
            "replay",
            qid,
            "--file",
            str(repaired),
            "--data",
            str(data),
            "--operator",
            "op-1",
        )
        assert replay.returncode == 0, replay.stderr.decode()
        assert json.loads(replay.stdout)["case_id"]
        # a second replay is refused with a problem, not a traceback
        again = _run("quarantine", "replay", qid, "--data", str(data))
        assert again.returncode == 1 and b"Traceback" not in again.stderr
        assert json.loads(again.stderr)["status"] == 409
        assert json.loads(_run("dead-letters", "list", "--data", str(data)).stdout) == []
    finally:
        hub.stop()
