"""Transfer log benchmark: durable appends, auditing a million-entry export, SQL proofs.

Prints one JSON object per line (see ``common.py``): ``name``, ``value``, ``unit``, what it
is compared with (``floor``: the least work that computes the same thing; ``peer``: another
way to do the same job), ``peer_value`` and ``ratio`` (above 1 means Saphan does better).
A line with an absolute bar adds ``limit_s`` or ``limit_ms`` and ``meets_bar``.

* ``log_append_durable``: appends of one entry per transaction through the store's log
  sequencer (entry row, subtree nodes, sequencer row) on SQLite with ``synchronous=FULL``
  from ``make_engine``; peer: plain INSERTs of the same entry rows into a twin table, one
  per transaction, on the same engine in the same run.
* ``log_export``: ``export_log`` of the whole log to a folder (no bar; for planning).
* ``audit_verify_dir``: ``saphan audit verify --dir`` as a separate process over that
  export (every entry, every checkpoint, every receipt); bar: under 30 s for 1,000,000
  entries. Floor: reading the same entry files, base64-decoding and hashing every entry
  into the root in a bare loop (what any verifier must do at least). Also reports the
  CPU seconds of the command and its workers (``cpu_s``) and the load average before it
  ran (``load_before``): on a shared machine the wall time depends on the neighbours.
* ``log_inclusion_proof_sql``: one inclusion proof at the full size from the SQL store
  (median of 200); bar: under 5 ms. Peer: the list path (read every leaf hash, rehash).

The log is built through the store in batches of whole cases (eight entries each: intake,
route, transfer, agency receipt, status, status transfer back, its receipt, status), with a
hub receipt per intake and an agency receipt per transfer stored where the hub keeps them,
and a checkpoint every 10,000 entries. Run ``python bench/bench_log.py`` (1,000,000
entries) or ``--quick`` (100,000 entries, under two minutes).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import yaml
from common import emit, note
from sqlalchemy import Column, Engine, Integer, LargeBinary, MetaData, Table, insert, select

from saphan.audit.export import export_log
from saphan.audit.layout import ENTRIES
from saphan.config import Settings
from saphan.ledger import merkle
from saphan.ledger.checkpoint import log_verifier_key
from saphan.ledger.entries import case_commitment, parse_entry
from saphan.ledger.keys import KeyRing, SigningKey
from saphan.ledger.nodes import append_leaves, compact_range_root
from saphan.ledger.pubkeys import b64url, public_raw
from saphan.ledger.receipts import open_receipt, receipt_digest
from saphan.store import log as transfer_log
from saphan.store.db import make_engine
from saphan.store.migrate import upgrade
from saphan.store.tables import CaseRow, EventRow, TransferRow

CASES = CaseRow.__table__  # type: ignore[attr-defined]
TRANSFERS = TransferRow.__table__  # type: ignore[attr-defined]
EVENTS = EventRow.__table__  # type: ignore[attr-defined]
ORIGIN = "bench.saphan.example/log"
AGENCIES = ("OMB", "PSC", "DOL", "RTP-IG")
SENDER = "MOI-DRT-34"
PER_CASE = 8
CASES_PER_BATCH = 125  # 1,000 entries a transaction
CHECKPOINT_EVERY = 10_000
START = datetime(2025, 1, 6, 1, 0, tzinfo=UTC)
SORT = orjson.OPT_SORT_KEYS


def utc(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def canonical(doc: dict[str, Any]) -> bytes:
    # For these values (ASCII names, short strings, small integers, no floats) sorted
    # orjson output is the RFC 8785 form; the first case is checked against the ledger.
    return orjson.dumps(doc, option=SORT)


def compact_jws(payload: dict[str, Any], key: SigningKey) -> str:
    """A receipt exactly as ``issue_receipt`` writes it (checked against ``open_receipt``)."""
    header = canonical({"alg": "EdDSA", "kid": key.kid, "typ": "saphan-receipt+jws"})
    signing_input = f"{b64url(header)}.{b64url(canonical(payload))}"
    return f"{signing_input}.{b64url(key.sign(signing_input.encode('ascii')))}"


# (a) durable appends against plain inserts.


def bench_appends(url: str, count: int) -> None:
    engine = make_engine(url)  # synchronous=FULL, BEGIN IMMEDIATE: the hub's settings
    upgrade(engine)
    with engine.begin() as conn:
        transfer_log.ensure_state(conn)
    twin = Table(
        "bench_plain_entries",
        MetaData(),
        Column("idx", Integer, primary_key=True),
        Column("entry", LargeBinary, nullable=False),
        Column("leaf_hash", LargeBinary, nullable=False),
    )
    twin.create(engine)
    rows = []
    for n in range(count):
        doc = {
            "v": 1,
            "kind": "status",
            "case": hashlib.sha256(b"%d" % n).hexdigest(),
            "time": utc(START),
            "agency": "OMB",
            "status": "accepted",
        }
        rows.append(canonical(doc))
    # Alternating rounds, so that both sides meet the same disk and the same neighbours.
    rounds, plain_s, append_s = 5, 0.0, 0.0
    per_round = -(-count // rounds)
    for start in range(0, count, per_round):
        chunk = list(enumerate(rows))[start : start + per_round]
        started = time.perf_counter()
        for n, entry in chunk:
            with engine.begin() as conn:
                conn.execute(
                    insert(twin).values(idx=n, entry=entry, leaf_hash=merkle.leaf_hash(entry))
                )
        plain_s += time.perf_counter() - started
        started = time.perf_counter()
        for _, entry in chunk:
            with engine.begin() as conn:
                transfer_log.append(conn, [entry])
        append_s += time.perf_counter() - started
    plain, appended = count / plain_s, count / append_s
    engine.dispose()
    emit(
        "log_append_durable",
        appended,
        "appends/s",
        peer="plain INSERT of the same row, one per transaction, same engine",
        peer_value=plain,
        appends=count,
    )


# (b) a realistic log in the store, exported and audited.


class Builder:
    def __init__(self, data: Path) -> None:
        self.data = data
        self.engine: Engine = make_engine(f"sqlite:///{data / 'saphan.db'}", durable=False)
        upgrade(self.engine)
        with self.engine.begin() as conn:
            transfer_log.ensure_state(conn)
        self.ring = KeyRing.generate()
        self.ring.save(data / "keys" / "hub")
        self.agencies: dict[str, SigningKey] = {}
        for code in (*AGENCIES, SENDER):
            key = SigningKey.generate()
            while not key.kid[0].isalnum():  # a receipt entry's kid starts alphanumeric
                key = SigningKey.generate()
            self.agencies[code] = key
        overlay = [
            {
                "code": code,
                "keys": [
                    {
                        "kid": k.kid,
                        "key": base64.b64encode(public_raw(k.private.public_key())).decode(),
                    }
                ],
                "delivery": {"mode": "pull"},
            }
            for code, k in self.agencies.items()
        ]
        (data / "agencies.local.yaml").write_text(
            yaml.safe_dump({"version": 1, "agencies": overlay}), encoding="utf-8"
        )
        self.size = 0
        self.cases = 0
        self.receipts = 0
        self.pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 2)

    def batch(self, cases: int) -> None:
        plans = [self._plan(self.cases + j, self.size + PER_CASE * j) for j in range(cases)]
        jobs = [job for plan in plans for job in plan["sign"]]
        signed = list(self.pool.map(lambda job: compact_jws(job[0], job[1]), jobs))
        cursor = 0
        entries: list[bytes] = []
        case_rows, transfer_rows, event_rows = [], [], []
        for plan in plans:
            hub, first, second = signed[cursor : cursor + 3]
            cursor += 3
            entries += plan["entries"](first, second)
            case_rows.append(plan["case"])
            for row, receipt in zip(plan["transfers"], (first, second), strict=True):
                transfer_rows.append({**row, "receipt": receipt})
            event_rows += plan["events"](hub)
        with self.engine.begin() as conn:
            conn.execute(insert(CASES), case_rows)
            conn.execute(insert(TRANSFERS), transfer_rows)
            conn.execute(insert(EVENTS), event_rows)
            index = transfer_log.append(conn, entries)
            assert index == self.size
            self.size += len(entries)
            if self.size % CHECKPOINT_EVERY == 0:
                transfer_log.sign_new_checkpoint(
                    conn, origin=ORIGIN, key=self.ring.current.private, now=START
                )
        self.cases += cases
        self.receipts += 3 * cases

    def _plan(self, n: int, base: int) -> dict[str, Any]:
        case_id = f"{n:08x}-bench"
        salt = hashlib.sha256(case_id.encode()).digest()
        commitment = case_commitment(case_id, salt)
        at = START + timedelta(seconds=n)
        when = utc(at)
        agency = AGENCIES[n % len(AGENCIES)]
        message = hashlib.sha256(b"message %d" % n).hexdigest()
        bodies = [hashlib.sha256(b"body %d %d" % (n, k)).hexdigest() for k in (0, 1)]
        transfers = [f"{case_id}-t0", f"{case_id}-t1"]
        receivers = [agency, SENDER]
        hub_payload = {
            "case_id": case_id,
            "transfer_id": None,
            "sender": SENDER,
            "receiver": "SAPHAN",
            "sha256": message,
            "time": when,
            "log_index": base,
        }
        agency_payloads = [
            (
                {
                    "case_id": case_id,
                    "transfer_id": t,
                    "sender": "SAPHAN",
                    "receiver": r,
                    "sha256": b,
                    "time": when,
                    "log_index": None,
                },
                self.agencies[r],
            )
            for t, r, b in zip(transfers, receivers, bodies, strict=True)
        ]
        common = {"v": 1, "case": commitment, "time": when}

        def entries(first: str, second: str) -> list[bytes]:
            docs: list[dict[str, Any]] = [
                {
                    "kind": "intake",
                    "sender": SENDER,
                    "format": "damrongtham",
                    "message_sha256": message,
                },
                {
                    "kind": "route",
                    "destinations": [{"agency": agency, "rule": "by-topic", "deadline": None}],
                },
            ]
            for t, r, b, jws, status in zip(
                transfers,
                receivers,
                bodies,
                (first, second),
                ("accepted", "concluded"),
                strict=True,
            ):
                docs.append(
                    {
                        "kind": "transfer",
                        "transfer_id": t,
                        "sender": SENDER if r == agency else agency,
                        "receiver": r,
                        "format": "occ",
                        "body_sha256": b,
                        "mode": "pull",
                    }
                )
                docs.append(
                    {
                        "kind": "receipt",
                        "transfer_id": t,
                        "issuer": r,
                        "kid": self.agencies[r].kid,
                        "receipt_sha256": receipt_digest(jws),
                        "content_sha256": b,
                    }
                )
                docs.append({"kind": "status", "agency": agency, "status": status})
            return [canonical({**common, **doc}) for doc in docs]

        def events(hub: str) -> list[dict[str, Any]]:
            rows = [
                {
                    "case_id": case_id,
                    "at": at,
                    "kind": "intake",
                    "agency": SENDER,
                    "log_index": base,
                    "receipt": hub,
                }
            ]
            for k, (t, r) in enumerate(zip(transfers, receivers, strict=True)):
                rows.append(
                    {
                        "case_id": case_id,
                        "at": at,
                        "kind": "delivered",
                        "agency": r,
                        "transfer_id": t,
                        "log_index": base + 3 + 3 * k,
                        "receipt": None,
                    }
                )
            return rows

        return {
            "sign": [(hub_payload, self.ring.current), *agency_payloads],
            "entries": entries,
            "events": events,
            "case": {
                "id": case_id,
                "created_at": at,
                "origin_system": "damrongtham",
                "origin_ref": f"R{n}",
                "sender": SENDER,
                "source_format": "damrongtham",
                "status": "concluded",
                "status_at": at,
                "salt": salt,
            },
            "transfers": [
                {
                    "id": t,
                    "case_id": case_id,
                    "kind": "forward" if k == 0 else "status",
                    "from_agency": SENDER,
                    "to_agency": r,
                    "format": "occ",
                    "mode": "pull",
                    "created_at": at,
                    "sealed_payload": b"",
                    "payload_sha256": b,
                    "state": "delivered",
                    "next_attempt_at": at,
                }
                for k, (t, r, b) in enumerate(zip(transfers, receivers, bodies, strict=True))
            ],
        }

    def check_first_case(self) -> None:
        """The bench's fast writers produce what the ledger itself would accept."""
        with self.engine.connect() as conn:
            for _, entry in transfer_log.entries(conn, 0, PER_CASE):
                parse_entry(entry)
            hub = conn.execute(select(EVENTS.c.receipt).where(EVENTS.c.log_index == 0)).scalar()
            agency_receipt = conn.execute(select(TRANSFERS.c.receipt).limit(1)).scalar()
        assert isinstance(hub, str) and isinstance(agency_receipt, str), "receipts are stored"
        assert open_receipt(hub, self.ring.find).payload.log_index == 0
        keys = {k.kid: k.private.public_key() for k in self.agencies.values()}
        assert open_receipt(agency_receipt, keys.get).payload.transfer_id is not None

    def close(self) -> None:
        self.pool.shutdown()
        self.engine.dispose()


def floor_root(folder: Path) -> tuple[float, bytes]:
    """Read, decode and hash every entry into the root: the least a verifier must do."""
    started = time.perf_counter()
    sha256, decode = hashlib.sha256, binascii.a2b_base64
    size = 0
    compact: tuple[bytes, ...] = ()
    for path in sorted((folder / ENTRIES).iterdir()):
        with path.open("rb") as handle:
            while lines := handle.readlines(1 << 22):
                leaves = [sha256(b"\x00" + decode(line)).digest() for line in lines]
                compact = append_leaves(size, compact, leaves).compact_range
                size += len(leaves)
    return time.perf_counter() - started, compact_range_root(compact)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 entries (under 2 minutes)")
    parser.add_argument("--keep", type=Path, help="build the log here and keep it")
    args = parser.parse_args()
    size = 100_000 if args.quick else 1_000_000
    appends = 300 if args.quick else 1000

    work = Path(tempfile.mkdtemp(prefix="saphan-bench-log-"))
    try:
        bench_appends(f"sqlite:///{work / 'appends.db'}", appends)

        data = args.keep or work / "hub"
        data.mkdir(parents=True, exist_ok=True)
        builder = Builder(data)
        started = time.perf_counter()
        while builder.size < size:
            builder.batch(CASES_PER_BATCH)
        builder.check_first_case()
        build_s = time.perf_counter() - started
        note(
            "log_build", entries=builder.size, receipts=builder.receipts, seconds=round(build_s, 1)
        )

        folder = work / "export"
        started = time.perf_counter()
        summary = export_log(Settings(data_dir=data), folder)
        export_s = time.perf_counter() - started
        floor_s, floor_head = floor_root(folder)
        emit(
            "log_export",
            export_s,
            "s",
            floor="read, decode and hash the exported entries",
            peer_value=floor_s,
            higher_is_better=False,
            entries=summary.size,
        )

        key = log_verifier_key(ORIGIN, builder.ring.current.private.public_key())
        command = [
            sys.executable,
            "-m",
            "saphan",
            "audit",
            "verify",
            "--dir",
            str(folder),
            "--key",
            key,
            "--quiet",
        ]
        load = os.getloadavg()[0]
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        verify_s = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU seconds of the command and its worker processes: on a shared machine the
        # wall time depends on the neighbours, the CPU time much less.
        verify_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
            cpu_after.ru_stime - cpu_before.ru_stime
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "RESULT: every check holds." in done.stdout
        # The bar is for 1,000,000 entries; a quick run is dominated by start-up and has none.
        bar: dict[str, Any] = (
            {"limit_s": 30.0, "meets_bar": verify_s < 30.0} if summary.size >= 1_000_000 else {}
        )
        emit(
            "audit_verify_dir",
            verify_s,
            "s",
            floor="read, decode and hash every entry",
            peer_value=floor_s,
            higher_is_better=False,
            **bar,
            entries=summary.size,
            receipts=summary.intake_receipts + summary.delivery_receipts,
            checkpoints=summary.checkpoints,
            entries_per_s=round(summary.size / verify_s),
            cpu_s=round(verify_cpu, 1),
            cpus=os.cpu_count(),
            load_before=round(load, 2),
        )

        with builder.engine.connect() as conn:
            head = transfer_log.head(conn)
            assert head.root == floor_head
            rng = random.Random(1)
            samples: list[float] = []
            deadline = time.perf_counter() + 20  # at most 200 proofs, at most about 20 s
            while len(samples) < 200 and time.perf_counter() < deadline:
                index = rng.randrange(head.size)
                started = time.perf_counter()
                proof = transfer_log.inclusion_proof(conn, index, head.size)
                samples.append(time.perf_counter() - started)
            leaf = merkle.leaf_hash(transfer_log.entries(conn, index, index + 1)[0][1])
            merkle.verify_inclusion(leaf, index, head.size, proof, head.root)
            started = time.perf_counter()
            leaves = [
                bytes(h)
                for (h,) in conn.execute(
                    select(transfer_log.E.c.leaf_hash).order_by(transfer_log.E.c.idx)
                )
            ]
            assert merkle.inclusion_proof(leaves, index) == proof
            list_s = time.perf_counter() - started
        median_ms = statistics.median(samples) * 1e3
        emit(
            "log_inclusion_proof_sql",
            median_ms,
            "ms",
            peer="list path (read every leaf hash, rehash)",
            peer_value=list_s * 1e3,
            higher_is_better=False,
            limit_ms=5.0,
            meets_bar=median_ms < 5.0,
            proofs=len(samples),
            entries=head.size,
        )
        builder.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
