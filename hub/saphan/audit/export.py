"""``saphan log export``: the log as a folder an auditor can check offline.

Reads the hub's database (read-only) and writes the layout of :mod:`saphan.audit.layout`:
the entries up to the latest signed checkpoint, exactly as stored; every checkpoint up to
it; the hub's intake receipts (kept on the ``intake`` events) and the agencies' delivery
receipts (kept on the transfers) with the log index of the entry that records them; the
hub's public keys, from the ``*.pub.pem`` files of its key folder (no private key is
opened); and the directory's public keys of each agency that signed an exported receipt.

Entries are read in pages by index and written as they come, so memory stays flat however
long the log is. The export stops at the latest checkpoint because nothing later is signed
yet; receipts recorded after it wait for the next export.

What it does not do: check anything. An export of a tampered store is exported faithfully
and fails ``saphan audit verify``; that is the point.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from saphan.audit import layout
from saphan.audit.material import ReceiptRecord, agency_keys_document
from saphan.config import Settings
from saphan.directory.source import DirectorySource
from saphan.engine.services import HUB_CODE
from saphan.errors import ConfigError, HubError, InputError, IntegrityError, Problem
from saphan.ledger.checkpoint import log_verifier_key, parse_checkpoint
from saphan.ledger.keys import VerifyingKey
from saphan.ledger.pubkeys import parse_public_key
from saphan.store import log as transfer_log
from saphan.store.db import make_engine
from saphan.store.tables import EventRow, LogEntryRow, TransferRow

__all__ = ["ExportSummary", "export_log", "hub_public_keys"]

EVENTS = EventRow.__table__  # type: ignore[attr-defined]
TRANSFERS = TransferRow.__table__  # type: ignore[attr-defined]
ENTRIES = LogEntryRow.__table__  # type: ignore[attr-defined]
CHECKPOINTS = transfer_log.C
_PAGE = 10_000

#: called with (entries written, entries to write)
ExportProgress = Callable[[int, int], None]


@dataclass
class ExportSummary:
    folder: Path
    origin: str
    size: int
    files: list[str]
    checkpoints: int = 0
    intake_receipts: int = 0
    delivery_receipts: int = 0
    later_receipts: int = 0
    agencies_without_keys: list[str] = field(default_factory=list)


def hub_public_keys(key_dir: Path) -> list[VerifyingKey]:
    """The hub's public keys from its key folder, current first (private keys untouched)."""
    pointer = key_dir / "CURRENT"
    try:
        current = pointer.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            "no hub keys to export",
            [Problem(str(key_dir), f"cannot read the current key id ({exc}); pass --data")],
        ) from exc
    keys: list[VerifyingKey] = []
    for path in sorted(key_dir.glob("*.pub.pem")):
        kid = path.name.removesuffix(".pub.pem")
        try:
            key = VerifyingKey.of(parse_public_key(path.read_bytes(), path=str(path)))
        except (OSError, HubError) as exc:
            raise ConfigError("unreadable hub public key", [Problem(str(path), str(exc))]) from exc
        if key.kid != kid:
            raise ConfigError(
                "mislabelled hub public key", [Problem(str(path), f"holds key {key.kid!r}")]
            )
        keys.append(key)
    keys.sort(key=lambda k: k.kid != current)
    if not keys or keys[0].kid != current:
        raise ConfigError(
            "no public part of the current hub key", [Problem(str(key_dir), f"{current}.pub.pem")]
        )
    return keys


def _prepare(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(
            "the export folder is not empty", [Problem("/out", f"{out} must be new or empty")]
        )
    out.mkdir(parents=True, exist_ok=True)


def _engine(settings: Settings) -> Engine:
    url = settings.database_url()
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[-1])
        if not path.is_file():
            raise ConfigError("no hub database", [Problem("/db", f"{path} does not exist")])
    return make_engine(url, writer=False)


def _entries(conn: Connection, size: int) -> Iterator[list[bytes]]:
    for start in range(0, size, _PAGE):
        end = min(size, start + _PAGE)
        rows = conn.execute(
            select(ENTRIES.c.idx, ENTRIES.c.entry)
            .where(ENTRIES.c.idx >= start, ENTRIES.c.idx < end)
            .order_by(ENTRIES.c.idx)
        ).all()
        page = [bytes(entry) for _, entry in rows]
        if len(page) != end - start or (rows and (rows[0][0] != start or rows[-1][0] != end - 1)):
            raise IntegrityError(
                "the store lacks log entries",
                [Problem(f"/entries/{start}", f"entries {start}..{end - 1} are not all stored")],
            )
        yield page


def _write_jsonl(handle: IO[str], doc: dict[str, Any]) -> None:
    handle.write(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")


def _checkpoints(conn: Connection, size: int, handle: IO[str]) -> int:
    rows = conn.execution_options(yield_per=1000).execute(
        select(CHECKPOINTS.c.size, CHECKPOINTS.c.created_at, CHECKPOINTS.c.text)
        .where(CHECKPOINTS.c.size <= size)
        .order_by(CHECKPOINTS.c.size)
    )
    count = 0
    for row_size, created_at, text in rows:
        stamp = created_at.isoformat() if created_at is not None else None
        _write_jsonl(handle, {"size": int(row_size), "created_at": stamp, "note": text})
        count += 1
    return count


def _intake_receipts(conn: Connection) -> Iterator[tuple[ReceiptRecord, int | None]]:
    rows = conn.execution_options(yield_per=5000).execute(
        select(EVENTS.c.log_index, EVENTS.c.receipt)
        .where(EVENTS.c.kind == "intake", EVENTS.c.receipt.is_not(None))
        .order_by(EVENTS.c.log_index)
    )
    for index, jws in rows:
        log_index = None if index is None else int(index)
        yield ReceiptRecord("", str(jws), "intake", HUB_CODE, log_index, None), log_index


def _delivery_receipts(conn: Connection) -> Iterator[tuple[ReceiptRecord, int | None]]:
    delivered = (
        select(EVENTS.c.transfer_id, func.min(EVENTS.c.log_index).label("log_index"))
        .where(EVENTS.c.kind == "delivered", EVENTS.c.transfer_id.is_not(None))
        .group_by(EVENTS.c.transfer_id)
        .subquery()
    )
    rows = conn.execution_options(yield_per=5000).execute(
        select(TRANSFERS.c.id, TRANSFERS.c.to_agency, TRANSFERS.c.receipt, delivered.c.log_index)
        .select_from(TRANSFERS.outerjoin(delivered, delivered.c.transfer_id == TRANSFERS.c.id))
        .where(TRANSFERS.c.receipt.is_not(None))
        .order_by(delivered.c.log_index, TRANSFERS.c.id)
    )
    for transfer_id, agency, jws, index in rows:
        log_index = None if index is None else int(index)
        yield (
            ReceiptRecord("", str(jws), "delivery", str(agency), log_index, transfer_id),
            log_index,
        )


def _agency_keys(settings: Settings, codes: set[str]) -> tuple[dict[str, Any], list[str]]:
    files = [settings.mappings / "agencies.yaml", *settings.directory_files]
    local = settings.data_dir / "agencies.local.yaml"
    if local not in files:
        files.append(local)
    directory = DirectorySource(files, optional=[local]).current()
    keys: dict[str, dict[str, Ed25519PublicKey]] = {}
    missing: list[str] = []
    for code in sorted(codes):
        agency = directory.find(code)
        if agency is None or not agency.keys:
            missing.append(code)
            continue
        keys[code] = {k.kid: Ed25519PublicKey.from_public_bytes(k.raw) for k in agency.keys}
    return agency_keys_document(keys), missing


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def export_log(
    settings: Settings,
    out: Path,
    *,
    per_file: int = layout.ENTRIES_PER_FILE,
    progress: ExportProgress | None = None,
) -> ExportSummary:
    """Write the log of the hub ``settings`` describe to the new folder ``out``."""
    hub_keys = hub_public_keys(settings.data_dir / "keys" / "hub")
    engine = _engine(settings)
    try:
        with engine.connect() as conn:
            return _export(conn, settings, out, hub_keys, per_file, progress)
    except SQLAlchemyError as exc:
        raise ConfigError(
            "cannot read the hub's database", [Problem("/db", f"{type(exc).__name__}: {exc}")]
        ) from exc
    finally:
        engine.dispose()


def _export(
    conn: Connection,
    settings: Settings,
    out: Path,
    hub_keys: list[VerifyingKey],
    per_file: int,
    progress: ExportProgress | None,
) -> ExportSummary:
    latest = transfer_log.latest_checkpoint(conn)
    if latest is None:
        raise InputError(
            "the log has no signed checkpoint yet",
            [Problem("/checkpoint", "a running hub signs one every few seconds")],
        )
    size, note, _ = latest
    origin = parse_checkpoint(note).origin
    _prepare(out)
    summary = ExportSummary(out, origin, size, [])

    with layout.EntryWriter(out, per_file) as writer:
        for page in _entries(conn, size):
            writer.write(page)
            if progress is not None:
                progress(writer.count, size)
        summary.files = list(writer.files)

    with (out / layout.CHECKPOINTS).open("w", encoding="utf-8") as handle:
        summary.checkpoints = _checkpoints(conn, size, handle)

    issuers: set[str] = set()
    with (out / layout.RECEIPTS).open("w", encoding="utf-8") as handle:
        for record, index in _intake_receipts(conn):
            if index is not None and index >= size:
                summary.later_receipts += 1
                continue
            _write_jsonl(handle, record.as_json())
            summary.intake_receipts += 1
        for record, index in _delivery_receipts(conn):
            if index is not None and index >= size:
                summary.later_receipts += 1
                continue
            _write_jsonl(handle, record.as_json())
            summary.delivery_receipts += 1
            if record.issuer is not None:
                issuers.add(record.issuer)

    agency_doc, summary.agencies_without_keys = _agency_keys(settings, issuers)
    _write(out / layout.AGENCY_KEYS, json.dumps(agency_doc, indent=1) + "\n")
    jwks = {"keys": [k.jwk() for k in hub_keys]}
    _write(out / layout.JWKS, json.dumps(jwks, indent=1) + "\n")
    verifier_keys = [log_verifier_key(origin, k.key) for k in hub_keys]
    _write(out / layout.LOG_KEY, verifier_keys[0] + "\n")
    _write(out / layout.LOG_KEYS, "".join(f"{v}\n" for v in verifier_keys))
    _write(out / layout.CHECKPOINT, note)
    manifest = {
        "format": layout.FORMAT,
        "version": layout.VERSION,
        "origin": origin,
        "tree_size": size,
        "entries_per_file": per_file,
        "entry_files": summary.files,
        "checkpoints": summary.checkpoints,
        "receipts": {"intake": summary.intake_receipts, "delivery": summary.delivery_receipts},
        "agencies_without_keys": summary.agencies_without_keys,
        "exported_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    }
    # Written last: a folder without a manifest is an interrupted export.
    _write(out / layout.MANIFEST, json.dumps(manifest, indent=1) + "\n")
    return summary
