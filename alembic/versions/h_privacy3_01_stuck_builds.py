"""privacy: archive builds left behind (claimed_at, build_attempts)

Revision ID: h_privacy3_01
Revises: h_billing2_02
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import portal_app.core.models.base  # noqa: F401  (UTC timestamp column type)

revision: str = 'h_privacy3_01'
down_revision: Union[str, Sequence[str], None] = 'h_billing2_02'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('privacy_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', portal_app.core.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('build_attempts', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('privacy_request', schema=None) as batch_op:
        batch_op.drop_column('build_attempts')
        batch_op.drop_column('claimed_at')
