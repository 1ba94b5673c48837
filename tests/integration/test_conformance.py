"""``saphan conformance run`` against the reference agencies as real processes.

The push simulators of the three formats pass every case (required and optional, the
status report triggered through their control hook); the pull simulator, started by the
suite with ``--client-cmd``, passes the pull cases. Deliberately broken agencies fail,
each with the case that names its defect, through the command line's funnel (exit 1,
a problem listing the failed cases on standard error); one run is a real ``saphan``
process end to end.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES
from procs import Agency, free_port, saphan

from saphan.cli import run
from saphan.ledger.keys import SigningKey, write_private_key
from saphan.simulate.keys import directory_entry

SAMPLES = {
    "damrongtham": "damrongtham/provincial-informal-debt.xml",
    "occ": "occ/direct-unfair-regulation.json",
    "pmo1111": "pmo1111/batch-three-records.json",
}
CODES = {"damrongtham": "MOI-DRT-3415", "occ": "OMB", "pmo1111": "PSC"}


class Keys:
    """An agency's private key file (for the simulator) and its directory entry (for the suite)."""

    def __init__(self, folder: Path, code: str, fmt: str) -> None:
        self.key = SigningKey.generate()
        self.pem = folder / f"{code}.pem"
        write_private_key(self.pem, self.key.private)
        self.entry = folder / f"{code}.entry.json"
        self.entry.write_text(json.dumps(directory_entry(code, fmt, self.key)), encoding="utf-8")


@dataclass(frozen=True)
class PushAgency:
    """A running push simulator, its keys, and the port the suite must listen on for it
    (the simulator was started with that address as its hub)."""

    agency: Agency
    keys: Keys
    port: int
    fmt: str


#: The push simulators the tests need: a reference agency per format, the broken ones,
#: and a second reference agency for the run with an invalid sample.
FLEET: dict[str, tuple[str, tuple[str, ...]]] = {
    "damrongtham": ("damrongtham", ()),
    "occ": ("occ", ()),
    "pmo1111": ("pmo1111", ()),
    "invalid-sample": ("pmo1111", ()),
    "wrong_key": ("occ", ("wrong_key",)),
    "receipt_over_other_bytes": ("occ", ("receipt_over_other_bytes",)),
    "non_idempotent": ("occ", ("non_idempotent",)),
    "accept_unsigned": ("occ", ("accept_unsigned",)),
    "always_500": ("damrongtham", ("always_500",)),
}


@pytest.fixture(scope="module")
def fleet(
    tmp_path_factory: pytest.TempPathFactory, examples: Path
) -> Iterator[dict[str, PushAgency]]:
    """Every push simulator of :data:`FLEET`, started at once (a start is mostly waiting
    for the interpreter to import, which overlaps well) and stopped at the end."""
    running: dict[str, PushAgency] = {}
    for name, (fmt, faults) in FLEET.items():
        folder = tmp_path_factory.mktemp(name)
        keys = Keys(folder, CODES[fmt], fmt)
        port = free_port()
        agency = Agency(
            CODES[fmt],
            fmt,
            keys.pem,
            f"http://127.0.0.1:{port}",
            folder / "state.db",
            faults=faults,
        )
        running[name] = PushAgency(agency, keys, port, fmt)
    try:
        with ThreadPoolExecutor(max_workers=len(running)) as pool:
            list(pool.map(lambda item: item.agency.start(), running.values()))
        yield running
    finally:
        with ThreadPoolExecutor(max_workers=len(running)) as pool:
            list(pool.map(lambda item: item.agency.stop(), running.values()))


def push_args(item: PushAgency, report: Path) -> list[str]:
    return [
        "conformance",
        "run",
        "--format",
        item.fmt,
        "--target",
        f"{item.agency.url}/inbound",
        "--agency-key",
        str(item.keys.entry),
        "--listen",
        f"127.0.0.1:{item.port}",
        "--control",
        item.agency.url,
        "--sample",
        str(EXAMPLES / SAMPLES[item.fmt]),
        "--report",
        str(report),
        "--wait",
        "10",
    ]


def result_of(report: Path) -> dict[str, Any]:
    return dict(json.loads((report / "result.json").read_text(encoding="utf-8")))


def outcomes(document: dict[str, Any]) -> dict[str, str]:
    return {case["name"]: case["outcome"] for case in document["cases"]}


@pytest.mark.parametrize("fmt", ["damrongtham", "occ", "pmo1111"])
def test_the_reference_push_agency_passes_every_case(
    fmt: str, tmp_path: Path, fleet: dict[str, PushAgency], capsys: pytest.CaptureFixture[str]
) -> None:
    item = fleet[fmt]
    agency = item.agency
    report = tmp_path / "report"
    code = run([*push_args(item, report), "--optional"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "VERDICT: PASSED" in out
    document = result_of(report)
    assert document["passed"] is True and document["agency"] == CODES[fmt]
    assert set(outcomes(document).values()) == {"passed"}
    assert {"push-receipt", "push-redelivery", "status-report", "push-replay-refused"} <= set(
        outcomes(document)
    )
    suite = ET.parse(report / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0" and suite.get("errors") == "0"
    assert "Every required case passed." in (report / "report.html").read_text(encoding="utf-8")
    # The agency's own record agrees: the refusals happened at its signature check, the
    # redelivery was counted as a duplicate, and it reported one status.
    totals = agency.state_snapshot()["totals"]
    assert totals["unauthenticated"] == 5  # unsigned, tampered, foreign key, expired, replay
    assert totals["duplicates"] >= 1
    assert totals["status_reports"] == 1


@pytest.mark.parametrize(
    ("fault", "broken"),
    [
        ("wrong_key", {"push-receipt"}),
        ("receipt_over_other_bytes", {"push-receipt"}),
        ("non_idempotent", {"push-redelivery"}),
        ("accept_unsigned", {"push-unsigned-refused", "push-tampered-refused"}),
    ],
)
def test_a_broken_push_agency_fails_the_case_naming_its_defect(
    fault: str,
    broken: set[str],
    tmp_path: Path,
    fleet: dict[str, PushAgency],
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = tmp_path / "report"
    code = run(push_args(fleet[fault], report))
    captured = capsys.readouterr()
    assert code == 1
    problem = json.loads(captured.err)
    assert problem["title"] == "Integrity check failed"
    assert {e["path"] for e in problem["errors"]} == {f"/cases/{name}" for name in broken}
    document = result_of(report)
    assert set(document["failed_required"]) == broken
    assert "VERDICT: FAILED" in captured.out


def test_an_agency_answering_500_fails_as_a_real_process(
    tmp_path: Path, fleet: dict[str, PushAgency]
) -> None:
    report = tmp_path / "report"
    done = subprocess.run(
        saphan(*push_args(fleet["always_500"], report), "--json"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    document = json.loads(done.stdout)  # --json: the result on standard output
    assert document == result_of(report)
    failed = set(document["failed_required"])
    assert {"push-receipt", "push-malformed-refused", "messages-accepted"} <= failed
    malformed = next(c for c in document["cases"] if c["name"] == "push-malformed-refused")
    assert "never a 5xx" in malformed["reason"] and "HTTP 500" in malformed["reason"]
    assert '"/cases/push-receipt"' in done.stderr  # the funnel's problem, after the progress


def test_an_invalid_sample_is_named_by_sample_valid(
    tmp_path: Path, fleet: dict[str, PushAgency], capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report"
    args = push_args(fleet["invalid-sample"], report)
    args[args.index("--sample") + 1] = str(EXAMPLES / "invalid" / "pmo1111-one-bad-record.json")
    code = run(args)
    captured = capsys.readouterr()
    assert code == 1
    document = result_of(report)
    assert document["failed_required"] == ["sample-valid"]
    sample = next(c for c in document["cases"] if c["name"] == "sample-valid")
    assert sorted(p["path"] for p in sample["problems"]) == [
        "/samples/pmo1111-one-bad-record.json/records/1/recv_ms",
        "/samples/pmo1111-one-bad-record.json/records/1/topic",
    ]
    # the good records of the batch still translate
    assert outcomes(document)["sample-translates"] == "passed"
    assert "/cases/sample-valid" in captured.err


def pull_args(fmt: str, keys: Keys, client_key: Path, report: Path, wait: str) -> list[str]:
    client = " ".join(
        shlex.quote(part)
        for part in saphan(
            "simulate",
            "pull",
            "--code",
            CODES[fmt],
            "--format",
            fmt,
            "--key",
            str(client_key),
            "--hub",
            "{hub}",
            "--interval",
            "0.2",
        )
    )
    return [
        "conformance",
        "run",
        "--format",
        fmt,
        "--mode",
        "pull",
        "--agency-key",
        str(keys.entry),
        "--client-cmd",
        client,
        "--sample",
        str(EXAMPLES / SAMPLES[fmt]),
        "--report",
        str(report),
        "--wait",
        wait,
    ]


def test_a_full_pull_run_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], examples: Path
) -> None:
    keys = Keys(tmp_path, "OMB", "occ")
    report = tmp_path / "report"
    code = run(pull_args("occ", keys, keys.pem, report, "30"))
    out = capsys.readouterr().out
    assert code == 0, out
    assert "started the agency's pull client" in out
    document = result_of(report)
    assert document["mode"] == "pull" and document["passed"] is True
    results = outcomes(document)
    assert results["pull-acknowledge"] == results["pull-acknowledge-once"] == "passed"
    assert results["pull-lost-acknowledgement"] == "skipped"  # optional, not asked for
    assert "push-receipt" not in results  # push cases are not part of a pull run
    assert (report / "client.log").exists()


def test_a_pull_client_signing_with_another_key_fails_pull_acknowledge(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], examples: Path
) -> None:
    keys = Keys(tmp_path, "OMB", "occ")
    stranger = tmp_path / "stranger.pem"
    write_private_key(stranger, SigningKey.generate().private)
    report = tmp_path / "report"
    code = run(pull_args("occ", keys, stranger, report, "8"))
    capsys.readouterr()
    assert code == 1
    document = result_of(report)
    assert "pull-acknowledge" in document["failed_required"]
    pulled = next(c for c in document["cases"] if c["name"] == "pull-acknowledge")
    messages = " ".join(p["message"] for p in pulled["problems"])
    assert "did not ask for its inbox" in pulled["reason"]
    assert "does not verify" in messages  # the 401 reasons the suite's hub gave
    assert outcomes(document)["pull-acknowledge-once"] == "skipped"
