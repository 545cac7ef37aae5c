"""recurring bills: subscription, subscription_line

Revision ID: h_billing2_02
Revises: h_billing2_01
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import portal_app.core.models.base  # noqa: F401  (UTC timestamp column type)
import sqlmodel

revision: str = "h_billing2_02"
down_revision: Union[str, Sequence[str], None] = "h_billing2_01"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("next_date", sa.Date(), nullable=False),
        sa.Column("periods_billed", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("pending", sa.JSON(), nullable=False),
        sa.Column("created_at", portal_app.core.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", portal_app.core.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_subscription_account_id", "subscription", ["account_id"])
    op.create_index("ix_subscription_due", "subscription", ["active", "next_date", "id"])
    op.create_table(
        "subscription_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("quantity_milli", sa.Integer(), nullable=False),
        sa.Column("unit_price_minor", sa.Integer(), nullable=False),
        sa.Column("tax_rate_bp", sa.Integer(), nullable=False),
        sa.Column("net_minor", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["subscription_id"], ["subscription.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_subscription_line_subscription_id", "subscription_line", ["subscription_id"])
    with op.batch_alter_table("invoice") as batch:
        batch.add_column(sa.Column("subscription_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("subscription_period", sa.Date(), nullable=True))
        batch.create_foreign_key("fk_invoice_subscription_id", "subscription", ["subscription_id"], ["id"])
        batch.create_unique_constraint("uq_invoice_subscription_period", ["subscription_id", "subscription_period"])


def downgrade() -> None:
    with op.batch_alter_table("invoice") as batch:
        batch.drop_constraint("uq_invoice_subscription_period", type_="unique")
        batch.drop_constraint("fk_invoice_subscription_id", type_="foreignkey")
        batch.drop_column("subscription_period")
        batch.drop_column("subscription_id")
    op.drop_table("subscription_line")
    op.drop_table("subscription")
