"""consumption_file.lines_added_at: a consumption CSV adds its usage lines once

Revision ID: h_billing3_02
Revises: h_billing3_01
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import portal_app.core.models.base

revision: str = "h_billing3_02"
down_revision: Union[str, Sequence[str], None] = "h_billing3_01"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("consumption_file") as batch:
        batch.add_column(sa.Column("lines_added_at", portal_app.core.models.base.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("consumption_file") as batch:
        batch.drop_column("lines_added_at")
