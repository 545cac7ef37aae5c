"""remembered browsers: the device that asked for a login code or started a challenge, and when a contact's devices were reset

Revision ID: h_login_01
Revises: b7e1c0a4d2f9
Create Date: 2026-11-28 11:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import portal_app.core.models.base  # noqa: F401  (UTC timestamp column type)
import sqlmodel

# revision identifiers, used by Alembic.
revision: str = 'h_login_01'
down_revision: Union[str, Sequence[str], None] = 'b7e1c0a4d2f9'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device', sqlmodel.sql.sqltypes.AutoString(length=24), server_default='',
                                      nullable=False))

    with op.batch_alter_table('login_challenge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device', sqlmodel.sql.sqltypes.AutoString(length=24), server_default='',
                                      nullable=False))

    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('devices_reset_at', portal_app.core.models.base.UTCDateTime(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('devices_reset_at')

    with op.batch_alter_table('login_challenge', schema=None) as batch_op:
        batch_op.drop_column('device')

    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_column('device')
