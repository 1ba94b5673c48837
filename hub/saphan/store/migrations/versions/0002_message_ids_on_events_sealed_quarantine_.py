"""message ids on events, sealed quarantine problems

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 17:39:21.544910
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", AutoString(length=36), nullable=True))

    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed_problems", sa.LargeBinary(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_column("sealed_problems")

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("message_id")
