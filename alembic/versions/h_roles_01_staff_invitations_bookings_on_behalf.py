"""staff invitations; bookings made by staff for a contact

Revision ID: h_roles_01
Revises: h_kb_01
Create Date: 2026-11-28 11:20:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import portal_app.core.models.base  # noqa: F401  (UTC timestamp column type)
import sqlmodel

# revision identifiers, used by Alembic.
revision: str = 'h_roles_01'
down_revision: Union[str, Sequence[str], None] = 'h_kb_01'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invite_token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('invite_expires_at', portal_app.core.models.base.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_staff_user_invite_token_hash'), ['invite_token_hash'], unique=False)

    # Plain ADD COLUMN with its reference (SQLite and PostgreSQL alike): the booking table, which other
    # tables point at, is not rebuilt, so its rows and their foreign keys stay as they are.
    for column in ('booked_by_staff_id', 'changed_by_staff_id'):
        if op.get_bind().dialect.name == 'sqlite':
            op.execute(f"ALTER TABLE booking ADD COLUMN {column} INTEGER REFERENCES staff_user (id)")
        else:
            op.add_column('booking', sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(f'fk_booking_{column}', 'booking', 'staff_user', [column], ['id'])


def downgrade() -> None:
    for column in ('changed_by_staff_id', 'booked_by_staff_id'):
        if op.get_bind().dialect.name != 'sqlite':
            op.drop_constraint(f'fk_booking_{column}', 'booking', type_='foreignkey')
        op.execute(f"ALTER TABLE booking DROP COLUMN {column}")

    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_user_invite_token_hash'))
        batch_op.drop_column('invite_expires_at')
        batch_op.drop_column('invite_token_hash')
