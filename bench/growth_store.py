"""Building a large hub store fast, for the growth benchmark: clones of one real case.

One 1111 case goes through the hub's real intake; its rows (case, references, data keys,
the message, transfer, timeline) are then copied with SQL in batches under new ids, with
new tracking numbers, and its three log entries are appended for every copy with the
case commitment replaced, together with the subtree nodes and the sequencer state the
log needs (computed by :mod:`saphan.ledger.nodes`, as an append would). A store of a
million cases builds in minutes instead of hours of HTTP.

The copies carry the template's sealed blobs, which do not open under the new owners;
the measured paths never open old cases. With ``reseal`` the transfers' payloads are
sealed again under a new data key per copy, so that the push worker can deliver them
(the backlog of the drain measurement). What this does not do: measure anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Table, insert, select, update

from saphan.engine.services import Services
from saphan.ledger.entries import case_commitment
from saphan.ledger.merkle import leaf_hash
from saphan.ledger.nodes import append_leaves, decode_compact_range, encode_compact_range
from saphan.store import log as transfer_log
from saphan.store.tables import (
    CaseRefRow,
    CaseRow,
    DataKeyRow,
    EventRow,
    InboundRow,
    LogNodeRow,
    TransferRow,
)

CASES: Table = CaseRow.__table__  # type: ignore[attr-defined]
REFS: Table = CaseRefRow.__table__  # type: ignore[attr-defined]
KEYS: Table = DataKeyRow.__table__  # type: ignore[attr-defined]
INBOUND: Table = InboundRow.__table__  # type: ignore[attr-defined]
TRANSFERS: Table = TransferRow.__table__  # type: ignore[attr-defined]
EVENTS: Table = EventRow.__table__  # type: ignore[attr-defined]
NODES: Table = LogNodeRow.__table__  # type: ignore[attr-defined]


@dataclass
class Template:
    case_id: str
    inbound_id: str
    ticket: str
    body_sha: str
    commitment: bytes
    first_index: int
    rows: dict[str, list[dict[str, Any]]]
    entries: list[bytes]
    payload: bytes


def capture(svc: Services, case_id: str) -> Template:
    """The rows of one case just taken in by the real intake."""
    with svc.db.writer.connect() as conn:
        case = dict(conn.execute(select(CASES).where(CASES.c.id == case_id)).one()._mapping)
        events = [
            dict(r._mapping)
            for r in conn.execute(select(EVENTS).where(EVENTS.c.case_id == case_id))
        ]
        inbound_id = next(e["message_id"] for e in events if e["kind"] == "intake")
        first = min(e["log_index"] for e in events if e["log_index"] is not None)
        transfers = [
            dict(r._mapping)
            for r in conn.execute(select(TRANSFERS).where(TRANSFERS.c.case_id == case_id))
        ]
        rows = {
            "cases": [case],
            "case_refs": [
                dict(r._mapping)
                for r in conn.execute(select(REFS).where(REFS.c.case_id == case_id))
            ],
            "data_keys": [
                dict(r._mapping)
                for r in conn.execute(select(KEYS).where(KEYS.c.owner.in_([case_id, inbound_id])))
            ],
            "inbound": [
                dict(r._mapping)
                for r in conn.execute(select(INBOUND).where(INBOUND.c.id == inbound_id))
            ],
            "transfers": transfers,
            "events": events,
        }
        size = transfer_log.head(conn).size
        entries = [e for _, e in transfer_log.entries(conn, first, size)]
        payload = svc.vault.open(conn, case_id, transfers[0]["sealed_payload"])
    return Template(
        case_id=case_id,
        inbound_id=inbound_id,
        ticket=case["origin_ref"],
        body_sha=rows["inbound"][0]["body_sha256"],
        commitment=case_commitment(case_id, case["salt"]).encode(),
        first_index=first,
        rows=rows,
        entries=entries,
        payload=payload,
    )


def _new_id(old: str, n: int) -> str:
    return f"{n:08x}{old[8:]}"


def clone(
    engine: Engine,
    svc: Services,
    template: Template,
    numbers: Sequence[int],
    *,
    state: str,
    now: datetime,
    reseal: bool = False,
) -> None:
    """Insert copies ``numbers`` of the template case, in one transaction."""
    tables = {
        "cases": CASES,
        "case_refs": REFS,
        "data_keys": KEYS,
        "inbound": INBOUND,
        "transfers": TRANSFERS,
        "events": EVENTS,
    }
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in tables}
    olds = [template.case_id, template.inbound_id, *(t["id"] for t in template.rows["transfers"])]
    with engine.begin() as conn:
        head = conn.execute(
            select(transfer_log.S.c.size, transfer_log.S.c.compact_range).where(
                transfer_log.S.c.id == 1
            )
        ).one()
        size = int(head[0])
        compact = decode_compact_range(bytes(head[1]), size)
        entries: list[bytes] = []
        for n in numbers:
            mapping = {old: _new_id(old, n) for old in olds}
            ticket = f"{9_000_000_000_000 + n:013d}"
            sha = f"{n:016x}{template.body_sha[16:]}"
            base = size + len(entries)

            def swap(value: Any, mapping: dict[str, str] = mapping, sha: str = sha) -> Any:
                if isinstance(value, str):
                    for old, new in mapping.items():
                        value = value.replace(old, new)
                    return value.replace(template.body_sha, sha)
                return value

            for name, rows in template.rows.items():
                for row in rows:
                    if reseal and name == "data_keys" and row["owner"] == template.case_id:
                        continue  # a new data key is made below
                    copy = {k: swap(v) for k, v in row.items()}
                    if name == "case_refs":
                        copy.pop("id")
                        copy["ref"] = (
                            ticket if row["ref"] == template.ticket else f"{row['ref']}~{n}"
                        )
                    elif name == "cases":
                        copy["origin_ref"] = ticket
                    elif name == "events":
                        copy.pop("id")
                        if row["log_index"] is not None:
                            copy["log_index"] = base + row["log_index"] - template.first_index
                    elif name == "transfers":
                        copy.update(state=state, next_attempt_at=now)
                        if state == "delivered":
                            copy.update(delivered_at=now, receipt="-")
                    out[name].append(copy)
            new_case = mapping[template.case_id]
            if reseal:
                key = svc.vault.new_owner(conn, new_case)
                for copy in out["transfers"][-len(template.rows["transfers"]) :]:
                    copy["sealed_payload"] = svc.vault.seal(conn, new_case, template.payload, key)
            commitment = case_commitment(new_case, template.rows["cases"][0]["salt"]).encode()
            entries += [e.replace(template.commitment, commitment) for e in template.entries]
        for name, table in tables.items():
            if out[name]:
                conn.execute(insert(table), out[name])
        leaves = [leaf_hash(e) for e in entries]
        grown = append_leaves(size, compact, leaves)
        conn.execute(
            insert(transfer_log.E),
            [
                {"idx": size + i, "entry": e, "leaf_hash": h}
                for i, (e, h) in enumerate(zip(entries, leaves, strict=True))
            ],
        )
        conn.execute(
            insert(NODES),
            [{"level": lv, "idx": ix, "hash": hv} for lv, ix, hv in grown.nodes],
        )
        conn.execute(
            update(transfer_log.S)
            .where(transfer_log.S.c.id == 1)
            .values(size=grown.size, compact_range=encode_compact_range(grown.compact_range))
        )
