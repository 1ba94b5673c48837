"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 17:36:59.217716
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import saphan.store.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", saphan.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", AutoString(length=24), nullable=False),
        sa.Column("case_id", AutoString(length=36), nullable=True),
        sa.Column("transfer_id", AutoString(length=36), nullable=True),
        sa.Column("agency", AutoString(length=32), nullable=True),
        sa.Column("message", AutoString(length=500), nullable=False),
        sa.Column("acknowledged", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "cases",
        sa.Column("id", AutoString(length=36), nullable=False),
        sa.Column("created_at", saphan.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("origin_system", AutoString(length=16), nullable=False),
        sa.Column("origin_ref", AutoString(length=64), nullable=False),
        sa.Column("sender", AutoString(length=32), nullable=False),
        sa.Column("source_format", AutoString(length=32), nullable=False),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("status_at", saphan.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("holder", AutoString(length=32), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("complexity", AutoString(length=16), nullable=False),
        sa.Column("protected", sa.Boolean(), nullable=False),
        sa.Column("salt", sa.LargeBinary(), nullable=False),
        sa.Column("sealed_doc", sa.LargeBinary(), nullable=True),
        sa.Column("rating_token_hash", AutoString(length=64), nullable=True),
        sa.Column("erased_at", saphan.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "checkpoints",
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("root", sa.LargeBinary(), nullable=False),
        sa.Column("text", AutoString(), nullable=False),
        sa.Column("created_at", saphan.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("size"),
    )
    op.create_table(
        "console_sessions",
        sa.Column("token_hash", AutoString(length=64), nullable=False),
        sa.Column("username", AutoString(length=64), nullable=False),
        sa.Column("created_at", saphan.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", saphan.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_table(
        "data_keys",
        sa.Column("owner", AutoString(length=40), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", saphan.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("owner"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", AutoString(length=36), nullable=False),
        sa.Column("at", saphan.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", AutoString(length=24), nullable=False),
        sa.Column("agency", AutoString(length=32), nullable=True),
        sa.Column("to_agency", AutoString(length=32), nullable=True),
        sa.Column("transfer_id", AutoString(length=36), nullable=True),
        sa.Column("status", AutoString(length=16), nullable=True),
        sa.Column("code", AutoString(length=32), nullable=True),
        sa.Column("log_index", sa.Integer(), nullable=True),
        sa.Column("receipt", AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_case_id"), ["case_id"], unique=False)

    op.create_table(
        "inbound",
        sa.Column("id", AutoString(length=36), nullable=False),
        sa.Column("sender", AutoString(length=32), nullable=False),
        sa.Column("format", AutoString(length=32), nullable=False),
        sa.Column("idem_key", AutoString(length=128), nullable=False),
        sa.Column("body_sha256", AutoString(length=64), nullable=False),
        sa.Column("received_at", saphan.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sealed_body", sa.LargeBinary(), nullable=False),
        sa.Column("key_owner", AutoString(length=40), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sender", "idem_key", name="uq_inbound_sender_idem"),
    )
    op.create_table(
        "job_runs",
        sa.Column("job", AutoString(length=32), nullable=False),
        sa.Column("period", AutoString(length=32), nullable=False),
        sa.Column("owner", AutoString(length=64), nullable=False),
        sa.Column("at", saphan.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job", "period"),
    )
    op.create_table(
        "log_entries",
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("entry", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("idx"),
    )
    op.create_table(
        "log_nodes",
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx"),
    )
    op.create_table(
        "log_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("compact_range", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "nonces",
        sa.Column("keyid", AutoString(length=64), nullable=False),
        sa.Column("nonce", AutoString(length=128), nullable=False),
        sa.Column("expires_at", saphan.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("keyid", "nonce"),
    )
    with op.batch_alter_table("nonces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nonces_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "operator_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", saphan.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("operator", AutoString(length=64), nullable=False),
        sa.Column("action", AutoString(length=32), nullable=False),
        sa.Column("target", AutoString(length=64), nullable=True),
        sa.Column("outcome", AutoString(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("operator_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_operator_actions_at"), ["at"], unique=False)

    op.create_table(
        "operators",
        sa.Column("username", AutoString(length=64), nullable=False),
        sa.Column("password_hash", AutoString(length=256), nullable=False),
        sa.Column("role", AutoString(length=16), nullable=False),
        sa.Column("created_at", saphan.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("username"),
    )
    op.create_table(
        "quarantine",
        sa.Column("id", AutoString(length=36), nullable=False),
        sa.Column("inbound_id", AutoString(length=36), nullable=False),
        sa.Column("record_index", sa.Integer(), nullable=False),
        sa.Column("sender", AutoString(length=32), nullable=False),
        sa.Column("format", AutoString(length=32), nullable=False),
        sa.Column("created_at", saphan.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sealed_raw", sa.LargeBinary(), nullable=False),
        sa.Column("problems", AutoString(), nullable=False),
        sa.Column("state", AutoString(length=16), nullable=False),
        sa.Column("resolved_at", saphan.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", AutoString(length=64), nullable=True),
        sa.Column("case_id", AutoString(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quarantine_inbound_id"), ["inbound_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quarantine_state"), ["state"], unique=False)

    op.create_table(
        "ratings",
        sa.Column("case_id", AutoString(length=36), nullable=False),
        sa.Column("agency", AutoString(length=32), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("sealed_comment", sa.LargeBinary(), nullable=True),
        sa.Column("at", saphan.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("case_id"),
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ratings_agency"), ["agency"], unique=False)

    op.create_table(
        "case_refs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", AutoString(length=36), nullable=False),
        sa.Column("system", AutoString(length=16), nullable=False),
        sa.Column("ref", AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("system", "ref", name="uq_case_refs_system_ref"),
    )
    with op.batch_alter_table("case_refs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_refs_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_refs_ref"), ["ref"], unique=False)

    op.create_table(
        "transfers",
        sa.Column("id", AutoString(length=36), nullable=False),
        sa.Column("case_id", AutoString(length=36), nullable=False),
        sa.Column("kind", AutoString(length=16), nullable=False),
        sa.Column("from_agency", AutoString(length=32), nullable=False),
        sa.Column("to_agency", AutoString(length=32), nullable=False),
        sa.Column("format", AutoString(length=32), nullable=False),
        sa.Column("mode", AutoString(length=8), nullable=False),
        sa.Column("rule", AutoString(length=64), nullable=True),
        sa.Column("created_at", saphan.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("sealed_payload", sa.LargeBinary(), nullable=False),
        sa.Column("payload_sha256", AutoString(length=64), nullable=False),
        sa.Column("state", AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", saphan.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", AutoString(length=64), nullable=True),
        sa.Column("claimed_until", saphan.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", AutoString(length=500), nullable=True),
        sa.Column("delivered_at", saphan.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("receipt", AutoString(), nullable=True),
        sa.Column("overdue_at", saphan.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfers_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_transfers_due", ["state", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_transfers_to_agency"), ["to_agency"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfers_to_agency"))
        batch_op.drop_index("ix_transfers_due")
        batch_op.drop_index(batch_op.f("ix_transfers_case_id"))

    op.drop_table("transfers")
    with op.batch_alter_table("case_refs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_refs_ref"))
        batch_op.drop_index(batch_op.f("ix_case_refs_case_id"))

    op.drop_table("case_refs")
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ratings_agency"))

    op.drop_table("ratings")
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantine_state"))
        batch_op.drop_index(batch_op.f("ix_quarantine_inbound_id"))

    op.drop_table("quarantine")
    op.drop_table("operators")
    with op.batch_alter_table("operator_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_operator_actions_at"))

    op.drop_table("operator_actions")
    with op.batch_alter_table("nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nonces_expires_at"))

    op.drop_table("nonces")
    op.drop_table("log_state")
    op.drop_table("log_nodes")
    op.drop_table("log_entries")
    op.drop_table("job_runs")
    op.drop_table("inbound")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_case_id"))

    op.drop_table("events")
    op.drop_table("data_keys")
    op.drop_table("console_sessions")
    op.drop_table("checkpoints")
    op.drop_table("cases")
    op.drop_table("alerts")
