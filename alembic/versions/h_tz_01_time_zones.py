"""time zones: a contact's and a staff member's chosen zone (empty: their device's)

Revision ID: h_tz_01
Revises: h_privacy4_01
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = 'h_tz_01'
down_revision: Union[str, Sequence[str], None] = 'h_privacy4_01'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    for table in ('contact', 'staff_user'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('time_zone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                          server_default=''))


def downgrade() -> None:
    for table in ('staff_user', 'contact'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('time_zone')
