"""Reading and writing the stored case: its sealed document, references, holders, events.

Every function runs in the caller's transaction. Case documents are sealed with the case's
own data key (:class:`~saphan.store.vault.Vault`); nothing here logs personal data.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypedDict, Unpack

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from saphan.canonical import Case, Reference
from saphan.store.prepared import Prepared
from saphan.store.tables import CaseRefRow, CaseRow, EventRow, TransferRow
from saphan.store.vault import Erased, Vault

CASES = CaseRow.__table__  # type: ignore[attr-defined]
REFS = CaseRefRow.__table__  # type: ignore[attr-defined]
EVENTS = EventRow.__table__  # type: ignore[attr-defined]
TRANSFERS = TransferRow.__table__  # type: ignore[attr-defined]
# The intake path's statements, compiled once (see saphan.store.prepared).
_INSERT_EVENT = Prepared(insert(EVENTS))
INSERT_CASE = Prepared(insert(CASES))
INSERT_TRANSFER = Prepared(insert(TRANSFERS))
_FIND_BY_REF = Prepared(
    select(REFS.c.case_id).where(
        REFS.c.system == bindparam("system"), REFS.c.ref == bindparam("ref")
    )
)
_ADD_REFS = {
    "postgresql": Prepared(
        pg_insert(REFS).on_conflict_do_nothing(index_elements=["system", "ref"])
    ),
    "sqlite": Prepared(
        sqlite_insert(REFS).on_conflict_do_nothing(index_elements=["system", "ref"])
    ),
}
_SALT_OF = Prepared(select(CASES.c.salt).where(CASES.c.id == bindparam("case_id")))


def new_id() -> str:
    return str(uuid.uuid4())


def find_by_ref(conn: Connection, system: str, ref: str) -> str | None:
    row = _FIND_BY_REF.first(conn, {"system": system, "ref": ref})
    return None if row is None else str(row[0])


def find_by_tracking(conn: Connection, tracking_no: str) -> str | None:
    """A case by any system's number (citizens may hold any of them)."""
    return conn.execute(select(REFS.c.case_id).where(REFS.c.ref == tracking_no).limit(1)).scalar()


def add_refs(conn: Connection, case_id: str, refs: Iterable[Reference]) -> None:
    rows = [{"case_id": case_id, "system": r.system.value, "ref": r.ref} for r in refs]
    if not rows:
        return
    _ADD_REFS[conn.dialect.name].executemany(conn, rows)


def load_case(conn: Connection, vault: Vault, case_id: str) -> Case:
    sealed = conn.execute(select(CASES.c.sealed_doc).where(CASES.c.id == case_id)).scalar()
    if sealed is None:
        raise Erased(f"case {case_id} has no readable document")
    return Case.model_validate_json(vault.open(conn, case_id, sealed))


def save_case(conn: Connection, vault: Vault, case_id: str, case: Case) -> None:
    sealed = vault.seal(conn, case_id, case.model_dump_json().encode())
    conn.execute(
        update(CASES)
        .where(CASES.c.id == case_id)
        .values(
            sealed_doc=sealed,
            status=case.status.code.value,
            status_at=case.status.at,
            protected=case.identity_protected,
        )
    )


def merge(old: Case, new: Case) -> Case:
    """A later message about a known case: the new document, keeping what only the old had
    (codes of other formats, references, extensions)."""
    codes = {**old.codes, **new.codes}
    refs = {(r.system, r.ref): r for r in [*old.references, *new.references]}
    refs.pop((new.origin.system, new.origin.ref), None)
    extensions = {**old.extensions, **new.extensions}
    # Protection asked for once stays asked for, and a later message that does not name
    # the party complained about must not make the hub forget it (it decides redaction).
    complainant = new.complainant
    if old.identity_protected and not new.identity_protected:
        complainant = complainant.model_copy(update={"conceal_identity": True})
    return new.model_copy(
        update={
            "origin": old.origin,
            "codes": codes,
            "references": list(refs.values()),
            "extensions": extensions,
            "respondent": new.respondent or old.respondent,
            "complainant": complainant,
            "secrecy": max(old.secrecy, new.secrecy),
        }
    )


def copy_only_holders(conn: Connection, case_id: str) -> set[str]:
    """Agencies that received the case only as a copy for information (no identity)."""
    rows = conn.execute(
        select(TRANSFERS.c.to_agency, TRANSFERS.c.kind).where(
            TRANSFERS.c.case_id == case_id, TRANSFERS.c.kind.in_(["forward", "copy"])
        )
    ).all()
    copies = {a for a, k in rows if k == "copy"}
    return copies - {a for a, k in rows if k == "forward"}


def holders(conn: Connection, case_id: str) -> list[str]:
    """Everyone who sent or received the case, in log order: the first sender, then each
    forward and copy destination (status copies do not make a holder)."""
    sender = conn.execute(select(CASES.c.sender).where(CASES.c.id == case_id)).scalar()
    rows = conn.execute(
        select(EVENTS.c.to_agency)
        .where(EVENTS.c.case_id == case_id, EVENTS.c.kind == "transfer")
        .order_by(EVENTS.c.log_index, EVENTS.c.id)
    )
    chain = ([sender] if sender else []) + [r[0] for r in rows]
    return list(dict.fromkeys(chain))


class EventFields(TypedDict, total=False):
    """What a timeline event may name besides its case, time and kind."""

    agency: str | None
    to_agency: str | None
    transfer_id: str | None
    status: str | None
    code: str | None
    log_index: int | None
    receipt: str | None
    message_id: str | None


#: every column of an event row, so that all rows of one insert have the same keys
_NO_FIELDS = dict.fromkeys(EventFields.__annotations__)


def add_event(
    conn: Connection, case_id: str, at: datetime, kind: str, **fields: Unpack[EventFields]
) -> None:
    add_events(conn, [event_row(case_id, at, kind, **fields)])


def add_events(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert timeline rows made by :func:`event_row` (one driver call for all)."""
    _INSERT_EVENT.executemany(conn, rows)


def event_row(
    case_id: str, at: datetime, kind: str, **fields: Unpack[EventFields]
) -> dict[str, Any]:
    return {"case_id": case_id, "at": at, "kind": kind, **_NO_FIELDS, **fields}


def salt_of(conn: Connection, case_id: str) -> bytes:
    row = _SALT_OF.first(conn, {"case_id": case_id})
    assert row is not None
    return bytes(row[0])


def can_see(conn: Connection, case_id: str, agency: str) -> bool:
    """Whether ``agency`` sent, holds or held the case (else it must not learn it exists)."""
    return agency in holders(conn, case_id)


def transfer_ids(conn: Connection, case_id: str) -> Sequence[str]:
    return [
        r[0] for r in conn.execute(select(TRANSFERS.c.id).where(TRANSFERS.c.case_id == case_id))
    ]
