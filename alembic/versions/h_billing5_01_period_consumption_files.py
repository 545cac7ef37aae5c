"""consumption files received for a subscription's billing period, before its invoice exists: the file's
subscription, period and usage; its invoice is set when the recurring job issues that period

Revision ID: h_billing5_01
Revises: h_billing4_01
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "h_billing5_01"
down_revision: Union[str, Sequence[str], None] = "h_billing4_01"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("consumption_file") as batch:
        batch.alter_column("invoice_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("subscription_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("period", sa.Date(), nullable=True))
        batch.add_column(sa.Column("usage_minor", sa.Integer(), nullable=False, server_default="0"))
        batch.create_foreign_key("fk_consumption_file_subscription", "subscription", ["subscription_id"], ["id"])
        batch.create_index("ix_consumption_file_subscription_period", ["subscription_id", "period"])


def downgrade() -> None:
    op.execute("DELETE FROM consumption_file WHERE invoice_id IS NULL")
    with op.batch_alter_table("consumption_file") as batch:
        batch.drop_index("ix_consumption_file_subscription_period")
        batch.drop_constraint("fk_consumption_file_subscription", type_="foreignkey")
        batch.drop_column("usage_minor")
        batch.drop_column("period")
        batch.drop_column("subscription_id")
        batch.alter_column("invoice_id", existing_type=sa.Integer(), nullable=False)
