"""What a simulated agency has received and processed, per transfer id, and totals.

Push agencies and pull agencies share this record. For each transfer id it keeps how
often the transfer arrived, how often it was processed (a correct agency processes each
transfer once, however often it is redelivered), the SHA-256 of the bytes, the case id,
the tracking number the agency's adapter read, the outcome, the receipt it answered and
the bytes themselves. Tests, the demo and benchmarks read it through :meth:`snapshot`.

It lives in SQLite: a file when one is named, so that a test can kill the agency,
start it again and read what survived, or an in-memory database otherwise. Each change
is one transaction, and processing a transfer (count, receipt, bytes) is a single one,
so a crash never leaves a transfer processed without the receipt to answer it again.

It does not decide anything (deduplication is the caller's), and it is not meant to be
shared by several processes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from saphan.errors import ConfigError, Problem
from saphan.ledger.fields import format_utc

__all__ = ["AgencyState", "Outcome", "TransferRecord"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS transfers (
    transfer_id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    status TEXT NOT NULL,
    times_received INTEGER NOT NULL DEFAULT 0,
    times_processed INTEGER NOT NULL DEFAULT 0,
    receipts_issued INTEGER NOT NULL DEFAULT 0,
    tracking_no TEXT,
    records INTEGER,
    receipt TEXT,
    body BLOB,
    problems TEXT,
    first_received_at TEXT NOT NULL,
    last_received_at TEXT NOT NULL,
    acknowledged_at TEXT
);
CREATE TABLE IF NOT EXISTS totals (name TEXT PRIMARY KEY, n INTEGER NOT NULL);
"""

_COLUMNS = (
    "transfer_id, case_id, sha256, status, times_received, times_processed, receipts_issued, "
    "tracking_no, records, receipt, problems, first_received_at, last_received_at, "
    "acknowledged_at"
)


class Outcome(StrEnum):
    """Where a transfer stands at the agency."""

    RECEIVED = "received"  # arrived, not (yet) processed: a failure was injected, say
    REJECTED = "rejected"  # its bytes did not parse, or did not match their digest
    PROCESSED = "processed"  # parsed and recorded; a receipt was issued
    ACKNOWLEDGED = "acknowledged"  # pull mode: the hub accepted the receipt


@dataclass(frozen=True, slots=True)
class TransferRecord:
    """One transfer as the agency saw it (the bytes are read with :meth:`AgencyState.body`)."""

    transfer_id: str
    case_id: str
    sha256: str
    status: Outcome
    times_received: int
    times_processed: int
    receipts_issued: int
    tracking_no: str | None
    records: int | None
    receipt: str | None
    problems: list[dict[str, str]]
    first_received_at: str
    last_received_at: str
    acknowledged_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _record(row: Sequence[Any]) -> TransferRecord:
    (tid, case_id, sha, status, received, processed, issued, tracking, records, receipt) = row[:10]
    problems, first, last, acknowledged = row[10:]
    return TransferRecord(
        transfer_id=tid,
        case_id=case_id,
        sha256=sha,
        status=Outcome(status),
        times_received=received,
        times_processed=processed,
        receipts_issued=issued,
        tracking_no=tracking,
        records=records,
        receipt=receipt,
        problems=json.loads(problems) if problems else [],
        first_received_at=first,
        last_received_at=last,
        acknowledged_at=acknowledged,
    )


class AgencyState:
    """The agency's record, in the SQLite file ``path`` or in memory when it is None."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        try:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            # One connection guarded by a lock: the simulators are single processes whose
            # request handlers may run on the event loop or in worker threads.
            self._db = sqlite3.connect(
                ":memory:" if path is None else str(path),
                check_same_thread=False,
                isolation_level=None,
            )
            if path is not None:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            where = str(path) if path is not None else ":memory:"
            raise ConfigError(
                f"cannot open the agency state {where}: {exc}", [Problem("/state", str(exc))]
            ) from None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # Reading.

    def get(self, transfer_id: str) -> TransferRecord | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM transfers WHERE transfer_id = ?",  # noqa: S608
                (transfer_id,),
            ).fetchone()
        return None if row is None else _record(row)

    def body(self, transfer_id: str) -> bytes | None:
        """The bytes of the transfer as last processed (None when never processed)."""
        with self._lock:
            row = self._db.execute(
                "SELECT body FROM transfers WHERE transfer_id = ?", (transfer_id,)
            ).fetchone()
        return None if row is None or row[0] is None else bytes(row[0])

    def records(self) -> list[TransferRecord]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM transfers ORDER BY first_received_at, transfer_id"  # noqa: S608
            ).fetchall()
        return [_record(row) for row in rows]

    def totals(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT name, n FROM totals ORDER BY name").fetchall()
        return {name: n for name, n in rows}

    def snapshot(self) -> dict[str, Any]:
        """``{"transfers": {id: {...}}, "totals": {...}}``, JSON-ready."""
        transfers = {}
        for record in self.records():
            item = record.as_dict()
            del item["transfer_id"]
            transfers[record.transfer_id] = item
        return {"transfers": transfers, "totals": self.totals()}

    # Changing.

    def count(self, name: str, n: int = 1) -> None:
        """Add ``n`` to the total ``name`` (requests, unauthenticated, duplicates, ...)."""
        with self._transaction() as db:
            _bump(db, name, n)

    def note_received(
        self, transfer_id: str, case_id: str, sha256: str, at: datetime
    ) -> TransferRecord:
        """Count one arrival of ``transfer_id``; the first arrival fixes its case and digest."""
        stamp = format_utc(at)
        with self._transaction() as db:
            db.execute(
                "INSERT INTO transfers (transfer_id, case_id, sha256, status, times_received, "
                "first_received_at, last_received_at) VALUES (?, ?, ?, ?, 1, ?, ?) "
                "ON CONFLICT (transfer_id) DO UPDATE SET "
                "times_received = times_received + 1, last_received_at = excluded.last_received_at",
                (transfer_id, case_id, sha256, Outcome.RECEIVED.value, stamp, stamp),
            )
            _bump(db, "received", 1)
        record = self.get(transfer_id)
        assert record is not None
        return record

    def mark_processed(
        self,
        transfer_id: str,
        *,
        sha256: str,
        tracking_no: str | None,
        records: int,
        body: bytes,
        receipt: str,
    ) -> None:
        """Record one processing of these bytes and the receipt answered for them, at once."""
        with self._transaction() as db:
            db.execute(
                "UPDATE transfers SET status = ?, times_processed = times_processed + 1, "
                "receipts_issued = receipts_issued + 1, sha256 = ?, tracking_no = ?, "
                "records = ?, body = ?, receipt = ?, problems = NULL WHERE transfer_id = ?",
                (Outcome.PROCESSED.value, sha256, tracking_no, records, body, receipt, transfer_id),
            )
            _bump(db, "processed", 1)

    def mark_rejected(self, transfer_id: str, problems: Sequence[Problem]) -> None:
        """Record why the transfer was refused; a processed transfer stays processed."""
        listed = json.dumps([p.as_dict() for p in problems], ensure_ascii=False)
        with self._transaction() as db:
            db.execute(
                "UPDATE transfers SET status = ?, problems = ? "
                "WHERE transfer_id = ? AND times_processed = 0",
                (Outcome.REJECTED.value, listed, transfer_id),
            )
            _bump(db, "rejected", 1)

    def mark_acknowledged(self, transfer_id: str, at: datetime) -> None:
        """Pull mode: the hub accepted the receipt for this transfer."""
        with self._transaction() as db:
            db.execute(
                "UPDATE transfers SET status = ?, acknowledged_at = ? WHERE transfer_id = ?",
                (Outcome.ACKNOWLEDGED.value, format_utc(at), transfer_id),
            )
            _bump(db, "acknowledged", 1)

    def clear(self) -> None:
        """Forget every transfer and total."""
        with self._transaction() as db:
            db.execute("DELETE FROM transfers")
            db.execute("DELETE FROM totals")


def _bump(db: sqlite3.Connection, name: str, n: int) -> None:
    db.execute(
        "INSERT INTO totals (name, n) VALUES (?, ?) "
        "ON CONFLICT (name) DO UPDATE SET n = n + excluded.n",
        (name, n),
    )
