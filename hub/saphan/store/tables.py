"""The hub's tables (SQLModel). Durable state lives here: cases, the messages senders gave,
quarantined records, transfers with their retry state, timelines, the transfer log, nonces.

Personal data never sits in a column in clear: it is sealed with the case's own data key
(:mod:`saphan.store.vault`), so erasing a case (destroying its key) leaves nothing readable.
Hot paths use SQLAlchemy Core on ``Model.__table__``; the ORM is for the console and tests.
API schemas are separate (:mod:`saphan.api.schemas`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from saphan.store.types import UTCDateTime


def _at(nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class CaseRow(SQLModel, table=True):
    __tablename__ = "cases"

    id: str = Field(primary_key=True, max_length=36)
    created_at: datetime = Field(sa_column=_at())
    origin_system: str = Field(max_length=16)
    origin_ref: str = Field(max_length=64)
    sender: str = Field(max_length=32, description="agency that first gave the case to the hub")
    source_format: str = Field(max_length=32)
    status: str = Field(max_length=16)
    status_at: datetime = Field(sa_column=_at())
    holder: str | None = Field(default=None, max_length=32, description="current holder")
    deadline: date | None = None
    complexity: str = Field(default="general", max_length=16)
    protected: bool = Field(default=False, description="identity protection asked for")
    salt: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sealed_doc: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    rating_token_hash: str | None = Field(default=None, max_length=64)
    erased_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))


class CaseRefRow(SQLModel, table=True):
    """Every number any system gave a case: tracking lookups and duplicate detection."""

    __tablename__ = "case_refs"
    __table_args__ = (UniqueConstraint("system", "ref", name="uq_case_refs_system_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="cases.id", index=True, max_length=36)
    system: str = Field(max_length=16)
    ref: str = Field(max_length=64, index=True)


class DataKeyRow(SQLModel, table=True):
    """A per-case (or per-quarantined-message) data key, wrapped by the hub's master key."""

    __tablename__ = "data_keys"

    owner: str = Field(primary_key=True, max_length=40)
    wrapped: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(sa_column=_at())


class InboundRow(SQLModel, table=True):
    """A message as a sender gave it, and the exact answer it got (for idempotent repeats)."""

    __tablename__ = "inbound"
    __table_args__ = (UniqueConstraint("sender", "idem_key", name="uq_inbound_sender_idem"),)

    id: str = Field(primary_key=True, max_length=36)
    sender: str = Field(max_length=32)
    format: str = Field(max_length=32)
    idem_key: str = Field(max_length=128, description="Idempotency-Key or a content key")
    body_sha256: str = Field(max_length=64)
    received_at: datetime = Field(sa_column=_at())
    sealed_body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    key_owner: str = Field(max_length=40, description="data key sealing the body")
    response_status: int
    response_body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class QuarantineRow(SQLModel, table=True):
    """A refused record, kept with its problems for repair and replay."""

    __tablename__ = "quarantine"

    id: str = Field(primary_key=True, max_length=36)
    inbound_id: str = Field(max_length=36, index=True)
    record_index: int = 0
    sender: str = Field(max_length=32)
    format: str = Field(max_length=32)
    created_at: datetime = Field(sa_column=_at())
    sealed_raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    problems: str = Field(description="JSON list of the problems' paths only (no values)")
    sealed_problems: bytes | None = Field(
        default=None,
        sa_column=Column(LargeBinary),
        description="the full problems, sealed: messages may quote what the sender wrote",
    )
    state: str = Field(default="open", max_length=16, index=True)
    resolved_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    resolved_by: str | None = Field(default=None, max_length=64)
    case_id: str | None = Field(default=None, max_length=36)


class TransferRow(SQLModel, table=True):
    """One hand-over of a case to an agency, with its durable delivery state."""

    __tablename__ = "transfers"
    __table_args__ = (Index("ix_transfers_due", "state", "next_attempt_at"),)

    id: str = Field(primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="cases.id", index=True, max_length=36)
    kind: str = Field(max_length=16, description="forward | copy | status")
    from_agency: str = Field(max_length=32)
    to_agency: str = Field(max_length=32, index=True)
    format: str = Field(max_length=32)
    mode: str = Field(max_length=8, description="push | pull")
    rule: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_column=_at())
    deadline: date | None = None
    sealed_payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    payload_sha256: str = Field(max_length=64)
    state: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=_at())
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    last_error: str | None = Field(default=None, max_length=500)
    delivered_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    receipt: str | None = None
    overdue_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))


class EventRow(SQLModel, table=True):
    """The case timeline: codes and agency names only, never free text."""

    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(max_length=36, index=True)
    at: datetime = Field(sa_column=_at())
    kind: str = Field(max_length=24)
    agency: str | None = Field(default=None, max_length=32)
    to_agency: str | None = Field(default=None, max_length=32)
    transfer_id: str | None = Field(default=None, max_length=36)
    status: str | None = Field(default=None, max_length=16)
    code: str | None = Field(default=None, max_length=32)
    log_index: int | None = None
    receipt: str | None = Field(default=None, description="the hub receipt issued for it")
    message_id: str | None = Field(default=None, max_length=36, description="inbound message")


class LogEntryRow(SQLModel, table=True):
    __tablename__ = "log_entries"

    idx: int = Field(primary_key=True)
    entry: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    leaf_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class LogNodeRow(SQLModel, table=True):
    """Hashes of complete subtrees (level, index): proofs in O(log² n) lookups."""

    __tablename__ = "log_nodes"

    level: int = Field(primary_key=True)
    idx: int = Field(primary_key=True)
    hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class LogStateRow(SQLModel, table=True):
    """The single sequencer row: appends lock it, so indexes are gap-free across processes."""

    __tablename__ = "log_state"

    id: int = Field(default=1, primary_key=True)
    size: int = 0
    compact_range: bytes = Field(default=b"", sa_column=Column(LargeBinary, nullable=False))


class CheckpointRow(SQLModel, table=True):
    __tablename__ = "checkpoints"

    size: int = Field(primary_key=True)
    root: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    text: str
    created_at: datetime = Field(sa_column=_at())


class NonceRow(SQLModel, table=True):
    __tablename__ = "nonces"

    keyid: str = Field(primary_key=True, max_length=64)
    nonce: str = Field(primary_key=True, max_length=128)
    expires_at: datetime = Field(sa_column=_at(index=True))


class AlertRow(SQLModel, table=True):
    """Things an operator must see: dead letters, overdue transfers, repeated failures."""

    __tablename__ = "alerts"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_at())
    kind: str = Field(max_length=24)
    case_id: str | None = Field(default=None, max_length=36)
    transfer_id: str | None = Field(default=None, max_length=36)
    agency: str | None = Field(default=None, max_length=32)
    message: str = Field(max_length=500)
    acknowledged: bool = False


class JobRunRow(SQLModel, table=True):
    """Idempotency of scheduled jobs across processes: one row per job and period."""

    __tablename__ = "job_runs"

    job: str = Field(primary_key=True, max_length=32)
    period: str = Field(primary_key=True, max_length=32)
    owner: str = Field(max_length=64)
    at: datetime = Field(sa_column=_at())


class OperatorRow(SQLModel, table=True):
    """A console user: password hashed with scrypt; role ``viewer``, ``operator``, ``admin``."""

    __tablename__ = "operators"

    username: str = Field(primary_key=True, max_length=64)
    password_hash: str = Field(max_length=256)
    role: str = Field(max_length=16)
    created_at: datetime = Field(sa_column=_at())
    disabled: bool = False


class OperatorActionRow(SQLModel, table=True):
    """Every operator action, recorded (who, what, on what): never free text of a case."""

    __tablename__ = "operator_actions"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_at(index=True))
    operator: str = Field(max_length=64)
    action: str = Field(max_length=32)
    target: str | None = Field(default=None, max_length=64)
    outcome: str = Field(max_length=32)


class RatingRow(SQLModel, table=True):
    """A citizen's rating of a concluded case; the comment is personal, so it is sealed."""

    __tablename__ = "ratings"

    case_id: str = Field(primary_key=True, max_length=36)
    agency: str = Field(max_length=32, index=True)
    score: int
    sealed_comment: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    at: datetime = Field(sa_column=_at())
    log_index: int | None = None


class LoginFailureRow(SQLModel, table=True):
    """A failed operator login, counted against the address it came from for a while
    (every hub process reads the same rows: the limit is the hub's, not a process's)."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_address_at", "address", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(max_length=64)
    at: datetime = Field(sa_column=_at(index=True))


class SessionRow(SQLModel, table=True):
    """A console login session (the cookie holds a random token; its hash is kept here)."""

    __tablename__ = "console_sessions"

    token_hash: str = Field(primary_key=True, max_length=64)
    username: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=_at())
    expires_at: datetime = Field(sa_column=_at())
