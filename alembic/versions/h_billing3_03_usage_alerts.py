"""usage alerts: usage_alert

Revision ID: h_billing3_03
Revises: h_billing3_02
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import portal_app.core.models.base  # noqa: F401  (UTC timestamp column type)
import sqlmodel

revision: str = "h_billing3_03"
down_revision: Union[str, Sequence[str], None] = "h_billing3_02"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "usage_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("threshold_minor", sa.Integer(), nullable=False),
        sa.Column("fired_period", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("created_at", portal_app.core.models.base.UTCDateTime(), nullable=False),
        sa.Column("created_by_contact_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["created_by_contact_id"], ["contact.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_usage_alert_account_id", "usage_alert", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_usage_alert_account_id", table_name="usage_alert")
    op.drop_table("usage_alert")
