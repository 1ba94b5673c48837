"""``saphan log export`` and ``saphan audit verify`` on real logs.

A log is built with the store itself (a temporary SQLite database, the log sequencer,
signed checkpoints), with entries from the ledger's models and receipts issued with the
ledger's functions: hub receipts naming their intake entry, agency receipts recorded by
``receipt`` entries, both stored where the engine keeps them. It is exported with the
command and checked: an honest log passes, and each kind of tampering is caught and named.
A live hub (``create_app`` under uvicorn) is checked over HTTP, and a log made by the real
engine (intake, pull delivery, receipts) is exported and verified.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from hubkit import AgencyKeys, issue_agency_receipt, issue_hub_receipt, write_overlay
from sqlalchemy import Connection, Engine, insert, update

from saphan.api.app import create_app
from saphan.audit import layout
from saphan.canonical.model import CaseStatus
from saphan.cli import run
from saphan.config import Settings
from saphan.ledger import entries as E
from saphan.ledger.checkpoint import Checkpoint, log_verifier_key, sign_checkpoint
from saphan.ledger.keys import KeyRing, SigningKey
from saphan.ledger.receipts import receipt_digest
from saphan.store import log as transfer_log
from saphan.store.db import make_engine
from saphan.store.migrate import upgrade
from saphan.store.tables import CaseRow, EventRow, TransferRow

CASES = CaseRow.__table__  # type: ignore[attr-defined]
TRANSFERS = TransferRow.__table__  # type: ignore[attr-defined]
EVENTS = EventRow.__table__  # type: ignore[attr-defined]
START = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
ORIGIN = "saphan.example/log"
AGENCIES = ("OMB", "PSC", "MOI-DRT-34")


def agency_keys() -> AgencyKeys:
    """A key for each agency whose id a ``receipt`` entry can name.

    ``ReceiptEntry.kid`` admits ids that start with a letter or a digit; a thumbprint id
    starts with ``-`` or ``_`` one time in 32, so such keys are drawn again.
    """
    keys = AgencyKeys()
    for code in AGENCIES:
        while not keys.add(code).kid[0].isalnum():
            pass
    return keys


def record_event(
    conn: Connection,
    case_id: str,
    at: datetime,
    kind: str,
    agency: str,
    log_index: int,
    **more: str,
) -> None:
    """A case event where the engine keeps them (``more``: the receipt or the transfer id)."""
    conn.execute(
        insert(EVENTS).values(
            case_id=case_id, at=at, kind=kind, agency=agency, log_index=log_index, **more
        )
    )


@dataclass
class LogBuilder:
    """A hub's data folder with a log written through the store, case by case."""

    data: Path
    engine: Engine
    ring: KeyRing
    agencies: AgencyKeys
    now: datetime = START
    cases: int = 0
    checkpoints: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, data: Path, url: str | None = None) -> LogBuilder:
        # Durable commits prove nothing here and cost seconds.
        engine = make_engine(url or f"sqlite:///{data / 'saphan.db'}", durable=False)
        upgrade(engine)
        with engine.begin() as conn:
            transfer_log.ensure_state(conn)
        ring = KeyRing.generate()
        ring.save(data / "keys" / "hub")
        agencies = agency_keys()
        write_overlay(data, agencies)
        return cls(data, engine, ring, agencies)

    @property
    def settings(self) -> Settings:
        return Settings(data_dir=self.data)

    def rotate(self) -> None:
        self.ring = self.ring.rotate()
        self.ring.save(self.data / "keys" / "hub")

    def tick(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now

    def add_case(self, *, deliver: bool = True) -> str:
        """intake (+ hub receipt), route, transfer, agency receipt, status."""
        n = self.cases
        self.cases += 1
        case_id = f"case-{n:06d}"
        salt = hashlib.sha256(case_id.encode()).digest()
        commitment = E.case_commitment(case_id, salt)
        sender, receiver = "MOI-DRT-34", AGENCIES[n % 2]
        message = hashlib.sha256(f"message {n}".encode()).hexdigest()
        at = self.tick()
        with self.engine.begin() as conn:
            conn.execute(
                insert(CASES).values(
                    id=case_id,
                    created_at=at,
                    origin_system="damrongtham",
                    origin_ref=f"REF-{n}",
                    sender=sender,
                    source_format="damrongtham",
                    status="received",
                    status_at=at,
                    salt=salt,
                )
            )
            intake = E.IntakeEntry(
                case=commitment,
                time=at,
                sender=sender,
                format="damrongtham",
                message_sha256=message,
            )
            route = E.RouteEntry(
                case=commitment,
                time=at,
                destinations=(E.RouteDecision(agency=receiver, rule="by-topic"),),
            )
            first = transfer_log.append(conn, [intake.to_bytes(), route.to_bytes()])
            hub_receipt = issue_hub_receipt(
                self.ring.current,
                case_id=case_id,
                sender=sender,
                sha256=message,
                at=at,
                log_index=first,
            )
            record_event(conn, case_id, at, "intake", sender, first, receipt=hub_receipt)
            transfer_id = f"tr-{n:06d}"
            body = f"rendered body {n}".encode()
            body_sha = hashlib.sha256(body).hexdigest()
            conn.execute(
                insert(TRANSFERS).values(
                    id=transfer_id,
                    case_id=case_id,
                    kind="forward",
                    from_agency=sender,
                    to_agency=receiver,
                    format="occ",
                    mode="pull",
                    created_at=at,
                    sealed_payload=body,
                    payload_sha256=body_sha,
                    state="pending",
                    next_attempt_at=at,
                )
            )
            transfer = E.TransferEntry(
                case=commitment,
                time=at,
                transfer_id=transfer_id,
                sender=sender,
                receiver=receiver,
                format="occ",
                body_sha256=body_sha,
                mode="pull",
            )
            transfer_log.append(conn, [transfer.to_bytes()])
        if deliver:
            self.deliver(case_id, commitment, transfer_id, receiver, body_sha)
        with self.engine.begin() as conn:
            status = E.StatusEntry(
                case=commitment, time=self.tick(), agency=receiver, status=CaseStatus.ACCEPTED
            )
            transfer_log.append(conn, [status.to_bytes()])
        return case_id

    def agency_receipt(
        self,
        case_id: str,
        transfer_id: str,
        agency: str,
        body_sha: str,
        key: SigningKey | None = None,
    ) -> str:
        key = key or self.agencies[agency]
        return issue_agency_receipt(
            key,
            case_id=case_id,
            transfer_id=transfer_id,
            receiver=agency,
            sha256=body_sha,
            at=self.now,
        )

    def deliver(
        self, case_id: str, commitment: str, transfer_id: str, agency: str, body_sha: str
    ) -> None:
        jws = self.agency_receipt(case_id, transfer_id, agency, body_sha)
        at = self.tick()
        entry = E.ReceiptEntry(
            case=commitment,
            time=at,
            transfer_id=transfer_id,
            issuer=agency,
            kid=self.agencies[agency].kid,
            receipt_sha256=receipt_digest(jws),
            content_sha256=body_sha,
        )
        with self.engine.begin() as conn:
            index = transfer_log.append(conn, [entry.to_bytes()])
            conn.execute(
                update(TRANSFERS)
                .where(TRANSFERS.c.id == transfer_id)
                .values(receipt=jws, state="delivered", delivered_at=at)
            )
            record_event(conn, case_id, at, "delivered", agency, index, transfer_id=transfer_id)

    def checkpoint(self) -> str:
        with self.engine.begin() as conn:
            note = transfer_log.sign_new_checkpoint(
                conn, origin=ORIGIN, key=self.ring.current.private, now=self.tick()
            )
        assert note is not None
        self.checkpoints.append(note)
        return note

    def verifier_key(self, ring: KeyRing | None = None) -> str:
        return log_verifier_key(ORIGIN, (ring or self.ring).current.private.public_key())


def saphan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, dict[str, Any]]:
    """Run the command; (exit code, standard output, the problem JSON or {})."""
    code = run(list(args))
    captured = capsys.readouterr()
    err = captured.err
    problem: dict[str, Any] = {}
    start = err.find("{\n")
    if start >= 0:
        problem = json.loads(err[start:])
    return code, captured.out, problem


def paths(problem: dict[str, Any]) -> list[str]:
    return [e["path"] for e in problem.get("errors", [])]


def messages(problem: dict[str, Any]) -> str:
    return "\n".join(f"{e['path']}: {e['message']}" for e in problem.get("errors", []))


@pytest.fixture
def built(tmp_path: Path) -> LogBuilder:
    """Twelve cases with two checkpoints on the way and one at the end."""
    log = LogBuilder.create(tmp_path / "data")
    for n in range(12):
        log.add_case()
        if n in (3, 7):
            log.checkpoint()
    log.checkpoint()
    return log


def export_log(capsys: pytest.CaptureFixture[str], data: Path, out: Path, *extra: str) -> str:
    """``saphan log export --quiet`` of the hub whose data folder is ``data``, which must
    succeed; its report."""
    code, stdout, problem = saphan(
        capsys, "log", "export", "--out", str(out), "--data", str(data), "--quiet", *extra
    )
    assert code == 0, problem
    return stdout


@pytest.fixture
def exported(built: LogBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """``built`` exported seven entries a file: the folder an auditor checks."""
    out = tmp_path / "export"
    assert "60 in 9 file(s)" in export_log(capsys, built.data, out, "--per-file", "7")
    return out


def verify(
    capsys: pytest.CaptureFixture[str],
    source: Path | str,
    *keys: str,
    extra: tuple[str, ...] = (),
) -> tuple[int, str, dict[str, Any]]:
    """``saphan audit verify --quiet`` of an export folder (``--dir``) or a live hub's URL."""
    where = ["--dir", str(source)] if isinstance(source, Path) else ["--url", source]
    args = ["audit", "verify", *where, "--quiet"]
    for key in keys:
        args += ["--key", key]
    return saphan(capsys, *args, *extra)


def verified(
    capsys: pytest.CaptureFixture[str],
    source: Path | str,
    *keys: str,
    extra: tuple[str, ...] = (),
) -> str:
    """Verify, which must pass; the report."""
    code, out, problem = verify(capsys, source, *keys, extra=extra)
    assert code == 0, messages(problem)
    return out


def refused(
    capsys: pytest.CaptureFixture[str],
    source: Path | str,
    *keys: str,
    extra: tuple[str, ...] = (),
) -> tuple[str, dict[str, Any]]:
    """Verify, which must fail; the report and the problem naming what failed."""
    code, out, problem = verify(capsys, source, *keys, extra=extra)
    assert code == 1
    return out, problem


def read_lines(folder: Path) -> list[bytes]:
    """Every entry of an export, in order."""
    out: list[bytes] = []
    for path in sorted((folder / layout.ENTRIES).iterdir()):
        out += [base64.b64decode(line) for line in path.read_bytes().splitlines()]
    return out


def rewrite_entries(folder: Path, entries: list[bytes], per_file: int = 7) -> None:
    for path in (folder / layout.ENTRIES).iterdir():
        path.unlink()
    with layout.EntryWriter(folder, per_file) as writer:
        writer.write(entries)


def _receipts(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / layout.RECEIPTS).read_text().splitlines()]


def _write_receipts(folder: Path, receipts: list[dict[str, Any]]) -> None:
    (folder / layout.RECEIPTS).write_text("".join(json.dumps(r) + "\n" for r in receipts))


def test_export_holds_the_log_the_store_keeps(built: LogBuilder, exported: Path) -> None:
    with built.engine.connect() as conn:
        stored = [e for _, e in transfer_log.entries(conn, 0, 1000)]
    assert read_lines(exported) == stored
    manifest = json.loads((exported / layout.MANIFEST).read_text())
    assert manifest["tree_size"] == 60
    assert manifest["receipts"] == {"intake": 12, "delivery": 12}
    assert (exported / layout.CHECKPOINT).read_text() == built.checkpoints[-1]
    sizes = [json.loads(line)["size"] for line in (exported / layout.CHECKPOINTS).open()]
    assert sizes == [20, 40, 60]
    assert (exported / layout.LOG_KEY).read_text().strip() == built.verifier_key()
    jwks = json.loads((exported / layout.JWKS).read_text())
    assert [k["kid"] for k in jwks["keys"]] == [built.ring.current.kid]
    agency_keys = json.loads((exported / layout.AGENCY_KEYS).read_text())
    assert sorted(agency_keys["agencies"]) == ["OMB", "PSC"]
    # Nothing personal: the receipts name ids and digests only, the entries codes.
    receipts = _receipts(exported)
    assert {r["type"] for r in receipts} == {"intake", "delivery"}
    assert all(r["log_index"] is not None for r in receipts)


def test_an_export_refuses_a_folder_in_use(
    built: LogBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "busy"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code, _, problem = saphan(capsys, "log", "export", "--out", str(out), "--data", str(built.data))
    assert code == 1
    assert paths(problem) == ["/out"]
    assert (out / "keep.txt").read_text() == "mine"


def test_an_honest_log_verifies(
    built: LogBuilder, exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    since = tmp_path / "since.txt"
    since.write_text(built.checkpoints[0])
    out = verified(capsys, exported, built.verifier_key(), extra=("--since", str(since)))
    assert "RESULT: every check holds." in out
    for line in (
        "checkpoint signature",
        "entries hash to the checkpoint root",
        "consistency with --since",
        "earlier checkpoints",
        "hub receipts",
        "agency receipts",
    ):
        assert any(row.strip().startswith(line) and " ok " in row for row in out.splitlines()), line
    assert "12 checked" in out
    assert "intake 12, receipt 12, route 12, status 12, transfer 12" in out


def test_the_key_may_come_from_a_file(
    built: LogBuilder, exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "log.key"
    key_file.write_text(
        "# the hub's log key, fetched on 2025-03-01\n" + built.verifier_key() + "\n"
    )
    verified(capsys, exported, str(key_file))


def test_an_altered_entry_is_caught(
    built: LogBuilder, exported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = read_lines(exported)
    # Entry 54 (a status entry, canonical and well-formed) now says "rejected".
    assert b'"status":"accepted"' in entries[54]
    entries[54] = entries[54].replace(b'"status":"accepted"', b'"status":"rejected"')
    rewrite_entries(exported, entries)
    out, problem = refused(capsys, exported, built.verifier_key())
    assert "/checkpoint/root" in paths(problem)
    # The checkpoint at 40 still agrees, the one at 60 does not: the change is between.
    assert any("look at entries 40 to 59" in e["message"] for e in problem["errors"])
    assert "RESULT: " in out and "failure(s)" in out


def test_a_removed_entry_is_caught(
    built: LogBuilder, exported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Entry 30 is the third line of the file starting at 28: cut it out in place.
    path = exported / layout.ENTRIES / layout.entry_file_name(28)
    lines = path.read_bytes().splitlines(keepends=True)
    del lines[2]
    path.write_bytes(b"".join(lines))
    _, problem = refused(capsys, exported, built.verifier_key())
    text = messages(problem)
    assert "the source holds 59 entries; the checkpoint has 60" in text
    assert "starts at index 35, but the files before it end at 34" in text
    # The checkpoint at 20 agrees, the one at 40 does not.
    assert f"/{layout.CHECKPOINTS}/2" in paths(problem)
    assert "look at entries 20 to 39" in text
    # Receipts naming later entries now point at the wrong ones.
    assert f"/{layout.RECEIPTS}/" in text


def test_two_swapped_entries_are_caught(
    built: LogBuilder, exported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = read_lines(exported)
    entries[50], entries[51] = entries[51], entries[50]
    rewrite_entries(exported, entries)
    _, problem = refused(capsys, exported, built.verifier_key())
    assert "/checkpoint/root" in paths(problem)
    assert any("look at entries 40 to 59" in e["message"] for e in problem["errors"])


def test_a_malformed_entry_is_named_by_index(
    built: LogBuilder, exported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = read_lines(exported)
    entries[5] = entries[5].replace(b'{"case"', b'{ "case"')  # not canonical any more
    entries[6] = b'{"kind":"gossip","v":1}'
    rewrite_entries(exported, entries)
    out, problem = refused(capsys, exported, built.verifier_key())
    assert "/entries/5" in paths(problem)
    assert any(p.startswith("/entries/6") for p in paths(problem))
    assert "2 malformed" in out


def test_a_checkpoint_signed_by_another_key_is_caught(
    built: LogBuilder, exported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with built.engine.connect() as conn:
        head = transfer_log.head(conn)
    impostor = SigningKey.generate()
    forged = sign_checkpoint(Checkpoint(ORIGIN, head.size, head.root), impostor.private)
    (exported / layout.CHECKPOINT).write_text(forged)
    _, problem = refused(capsys, exported, built.verifier_key())
    assert any(p.startswith("/checkpoint") for p in paths(problem))
    assert "no signature from a trusted key" in messages(problem)
    # And a checkpoint whose root does not match the entries, signed by the real key,
    # is caught by the root comparison.
    wrong = sign_checkpoint(
        Checkpoint(ORIGIN, head.size, hashlib.sha256(b"x").digest()), built.ring.current.private
    )
    (exported / layout.CHECKPOINT).write_text(wrong)
    _, problem = refused(capsys, exported, built.verifier_key())
    assert "/checkpoint/root" in paths(problem)


def test_a_checkpoint_inconsistent_with_an_earlier_one_is_caught(
    built: LogBuilder, exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A fork: the hub once showed someone a different history of 40 entries.
    other = hashlib.sha256(b"another history").digest()
    fork = sign_checkpoint(Checkpoint(ORIGIN, 40, other), built.ring.current.private)
    since = tmp_path / "since.txt"
    since.write_text(fork)
    _, problem = refused(capsys, exported, built.verifier_key(), extra=("--since", str(since)))
    assert "/since/root" in paths(problem)
    assert "rewritten or forked" in messages(problem)
    # A --since from the future: the log cannot shrink.
    later = sign_checkpoint(Checkpoint(ORIGIN, 100, other), built.ring.current.private)
    since.write_text(later)
    _, problem = refused(capsys, exported, built.verifier_key(), extra=("--since", str(since)))
    assert "/since/size" in paths(problem)


def test_an_exported_checkpoint_the_entries_contradict_is_caught(
    built: LogBuilder, exported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = (exported / layout.CHECKPOINTS).read_text().splitlines()
    bad = sign_checkpoint(
        Checkpoint(ORIGIN, 20, hashlib.sha256(b"y").digest()), built.ring.current.private
    )
    lines[0] = json.dumps({"size": 20, "created_at": None, "note": bad})
    (exported / layout.CHECKPOINTS).write_text("\n".join(lines) + "\n")
    _, problem = refused(capsys, exported, built.verifier_key())
    assert f"/{layout.CHECKPOINTS}/1" in paths(problem)


def test_a_receipt_with_a_bad_signature_is_caught(
    built: LogBuilder, exported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    receipts = _receipts(exported)
    hub_line = next(i for i, r in enumerate(receipts) if r["type"] == "intake")
    agency_line = next(i for i, r in enumerate(receipts) if r["type"] == "delivery")
    for line in (hub_line, agency_line):
        head, payload, signature = receipts[line]["jws"].split(".")
        flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
        receipts[line]["jws"] = f"{head}.{payload}.{flipped}"
    _write_receipts(exported, receipts)
    _, problem = refused(capsys, exported, built.verifier_key())
    assert sorted(paths(problem)) == sorted(
        [f"/{layout.RECEIPTS}/{hub_line + 1}", f"/{layout.RECEIPTS}/{agency_line + 1}"]
    )
    assert all("does not verify" in e["message"] for e in problem["errors"])


def test_a_receipt_the_log_does_not_record_is_caught(
    built: LogBuilder, exported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    receipts = _receipts(exported)
    # A genuine agency receipt for a delivery the hub never recorded.
    unrecorded = built.agency_receipt("case-000001", "tr-000001", "PSC", "ab" * 32)
    receipts.append(
        {
            "type": "delivery",
            "issuer": "PSC",
            "log_index": None,
            "transfer_id": "tr-000001",
            "jws": unrecorded,
        }
    )
    # A genuine hub receipt naming a log index whose entry is not its intake.
    key = built.ring.current
    misplaced = issue_hub_receipt(
        key, case_id="case-000002", sender="MOI-DRT-34", sha256="cd" * 32, at=START, log_index=1
    )
    receipts.append({"type": "intake", "issuer": "SAPHAN", "log_index": 1, "jws": misplaced})
    _write_receipts(exported, receipts)
    _, problem = refused(capsys, exported, built.verifier_key())
    by_path = {e["path"]: e["message"] for e in problem["errors"]}
    n = len(receipts)
    assert (
        "no receipt entry in the log records this receipt" in by_path[f"/{layout.RECEIPTS}/{n - 1}"]
    )
    assert "not an intake" in by_path[f"/{layout.RECEIPTS}/{n}"]


def test_receipts_an_auditor_holds_are_checked_too(
    built: LogBuilder, exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    held = tmp_path / "held.txt"
    # What an agency kept: the bare hub receipt of its first message.
    first = _receipts(exported)[0]["jws"]
    key = built.ring.current
    forged = issue_hub_receipt(
        key, case_id="case-000000", sender="MOI-DRT-34", sha256="ee" * 32, at=START, log_index=0
    )
    held.write_text(first + "\n" + forged + "\n")
    _, problem = refused(capsys, exported, built.verifier_key(), extra=("--receipts", str(held)))
    assert paths(problem) == ["/receipts/2"]
    assert "intake entry 0 records" in messages(problem)


def test_after_a_key_rotation_old_receipts_and_checkpoints_still_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = LogBuilder.create(tmp_path / "data")
    for _ in range(4):
        log.add_case()
    before = log.checkpoint()
    old_ring = log.ring
    log.rotate()
    for _ in range(3):
        log.add_case()
    log.checkpoint()
    folder = tmp_path / "export"
    export_log(capsys, log.data, folder)
    jwks = json.loads((folder / layout.JWKS).read_text())
    assert [k["kid"] for k in jwks["keys"]] == [log.ring.current.kid, old_ring.current.kid]
    assert len((folder / layout.LOG_KEYS).read_text().splitlines()) == 2
    since = tmp_path / "since.txt"
    since.write_text(before)
    new_key, old_key = log.verifier_key(), log.verifier_key(old_ring)
    out = verified(capsys, folder, new_key, old_key, extra=("--since", str(since)))
    assert "7 checked" in out  # hub receipts under both keys
    # The earlier checkpoint is signed by the old key, which the export's JWK set lists.
    verified(capsys, folder, new_key)
    # The auditor's own --since must be vouched for by a key the auditor trusts.
    _, problem = refused(capsys, folder, new_key, extra=("--since", str(since)))
    assert any(p.startswith("/since") for p in paths(problem))


def test_an_incomplete_export_is_refused(
    built: LogBuilder, exported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (exported / layout.MANIFEST).unlink()
    _, problem = refused(capsys, exported, built.verifier_key())
    assert paths(problem) == [f"/{layout.MANIFEST}"]


def test_verify_needs_exactly_one_source(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["audit", "verify", "--key", "x+00000000+AA=="])
    assert code == 2
    assert "exactly one of --url and --dir" in capsys.readouterr().err


# A live hub.


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), log_level="warning", access_log=False, lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the hub did not start"
        time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def test_a_live_hub_verifies_over_http(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "hub"
    settings = Settings(data_dir=data, delivery_workers=False)
    with serving(settings) as url:
        # The app built its database and keys; write the log through the store.
        engine = make_engine(settings.database_url(), durable=False)
        ring = KeyRing.load(data / "keys" / "hub")
        log = LogBuilder(data, engine, ring, agency_keys())
        for n in range(250):  # more than one page of entries (a page holds 1000 at most)
            log.add_case(deliver=n % 2 == 0)
            if n == 100:
                early = log.checkpoint()
        log.checkpoint()
        since = tmp_path / "since.txt"
        since.write_text(early)
        out = verified(capsys, url, log.verifier_key(), extra=("--since", str(since)))
        assert "1,125 entries" in out
        assert "inclusion proofs served" in out
        # Receipts an agency kept are checked against the live log too.
        held = tmp_path / "held.txt"
        with engine.connect() as conn:
            kept = [
                r
                for (r,) in conn.execute(
                    EVENTS.select()
                    .with_only_columns(EVENTS.c.receipt)
                    .where(EVENTS.c.receipt.is_not(None))
                    .limit(3)
                )
            ]
        held.write_text("\n".join(kept) + "\n")
        out = verified(capsys, url, log.verifier_key(), extra=("--receipts", str(held)))
        assert "3 checked" in out
        # A key that is not the log's: refused, naming the checkpoint.
        other = log_verifier_key(ORIGIN, SigningKey.generate().private.public_key())
        _, problem = refused(capsys, url, other)
        assert any(p.startswith("/checkpoint") for p in paths(problem))
        engine.dispose()


def test_an_unreachable_hub_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    key = log_verifier_key(ORIGIN, SigningKey.generate().private.public_key())
    _, problem = refused(capsys, f"http://127.0.0.1:{port}", key)
    assert paths(problem) == ["/v1/log/checkpoint"]


# A log made by the engine itself.


def test_the_engines_own_log_exports_and_verifies(
    examples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hubkit import make_hub

    from saphan.delivery.pull import accept_receipt, inbox
    from saphan.engine.intake import intake
    from saphan.scheduler import sign_checkpoint as sign_head

    data = tmp_path / "hub"
    svc, keys, clock = make_hub(f"sqlite:///{data / 'saphan.db'}", data)
    try:
        intake(
            svc,
            "damrongtham",
            "MOI-DRT-3415",
            (examples / "damrongtham" / "escalation-warin-chamrap.xml").read_bytes(),
        )
        intake(
            svc, "pmo1111", "PSC", (examples / "pmo1111" / "batch-three-records.json").read_bytes()
        )
        sign_head(svc)
        first = svc.settings.log_origin
        delivered = 0
        for agency in ("OMB", "RTP-IG", "DOL", "MOI-DRT-20"):
            for item in inbox(svc, agency, 10)["transfers"]:
                if not keys[agency].kid[0].isalnum():
                    continue  # a key id a receipt entry cannot name (see agency_keys above)
                transfer_id = item["transfer_id"]
                body_sha = hashlib.sha256(base64.b64decode(item["body_b64"])).hexdigest()
                jws = issue_agency_receipt(
                    keys[agency],
                    case_id=item["case_id"],
                    transfer_id=transfer_id,
                    receiver=agency,
                    sha256=body_sha,
                    at=clock.now(),
                )
                accept_receipt(svc, agency, transfer_id, jws)
                delivered += 1
        assert delivered >= 2
        sign_head(svc)
        vkey = log_verifier_key(first, svc.keys.current.private.public_key())
    finally:
        svc.close()
    folder = tmp_path / "export"
    out = export_log(capsys, data, folder)
    assert f"4 hub (intake), {delivered} agency (delivery)" in out
    out = verified(capsys, folder, vkey)
    assert "4 checked" in out and f"{delivered} checked" in out


def test_export_reads_the_database_it_is_given(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--db`` names the database (SQLite or PostgreSQL); ``--data`` the keys and directory."""
    log = LogBuilder.create(tmp_path / "data", db_url)
    for n in range(5):
        log.add_case(deliver=n != 2)
    log.checkpoint()
    folder = tmp_path / "export"
    try:
        out = export_log(capsys, log.data, folder, "--db", db_url)
    finally:
        log.engine.dispose()
    assert "5 hub (intake), 4 agency (delivery)" in out
    out = verified(capsys, folder, log.verifier_key())
    assert "intake 5, route 5, status 5, transfer 5, receipt 4" in out


def test_export_stops_at_the_latest_checkpoint(
    built: LogBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built.add_case()  # five entries and two receipts no checkpoint covers yet
    folder = tmp_path / "export"
    out = export_log(capsys, built.data, folder)
    assert "60 in 1 file(s)" in out
    assert "2 receipt(s) wait for the next checkpoint" in out
    assert max(r["log_index"] for r in _receipts(folder)) < 60
    verified(capsys, folder, built.verifier_key())
