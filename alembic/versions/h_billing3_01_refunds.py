"""card refunds: refund table, payment.refunded_minor

Revision ID: h_billing3_01
Revises: h_billing2_02
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import portal_app.core.models.base  # noqa: F401  (UTC timestamp column type)
import sqlmodel

revision: str = "h_billing3_01"
down_revision: Union[str, Sequence[str], None] = "h_billing2_02"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("payment") as batch:
        batch.add_column(sa.Column("refunded_minor", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "refund",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("provider_refund_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("created_at", portal_app.core.models.base.UTCDateTime(), nullable=False),
        sa.Column("succeeded_at", portal_app.core.models.base.UTCDateTime(), nullable=True),
        sa.Column("created_by_staff_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["payment_id"], ["payment.id"]),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["created_by_staff_id"], ["staff_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider_refund_id"),
    )
    op.create_index("ix_refund_payment_id", "refund", ["payment_id"])
    op.create_index("ix_refund_account_id", "refund", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_refund_account_id", table_name="refund")
    op.drop_index("ix_refund_payment_id", table_name="refund")
    op.drop_table("refund")
    with op.batch_alter_table("payment") as batch:
        batch.drop_column("refunded_minor")
