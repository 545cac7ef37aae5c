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

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('booked_by_staff_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('changed_by_staff_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_booking_booked_by_staff_id', 'staff_user', ['booked_by_staff_id'], ['id'])
        batch_op.create_foreign_key('fk_booking_changed_by_staff_id', 'staff_user', ['changed_by_staff_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_constraint('fk_booking_changed_by_staff_id', type_='foreignkey')
        batch_op.drop_constraint('fk_booking_booked_by_staff_id', type_='foreignkey')
        batch_op.drop_column('changed_by_staff_id')
        batch_op.drop_column('booked_by_staff_id')

    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_user_invite_token_hash'))
        batch_op.drop_column('invite_expires_at')
        batch_op.drop_column('invite_token_hash')
