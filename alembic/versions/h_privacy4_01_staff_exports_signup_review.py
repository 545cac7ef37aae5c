"""privacy: exports prepared by staff (requested_by_staff_id), waiting sign-ups reviewed by staff
(language, handled_at)

Revision ID: h_privacy4_01
Revises: h_billing4_01
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import portal_app.core.models.base  # noqa: F401  (UTC timestamp column type)
import sqlmodel

revision: str = 'h_privacy4_01'
down_revision: Union[str, Sequence[str], None] = 'h_billing5_01'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('privacy_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requested_by_staff_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_privacy_request_requested_by_staff_id', 'staff_user',
                                    ['requested_by_staff_id'], ['id'])
    with op.batch_alter_table('signup_challenge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('handled_at', portal_app.core.models.base.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('signup_challenge', schema=None) as batch_op:
        batch_op.drop_column('handled_at')
        batch_op.drop_column('language')
    with op.batch_alter_table('privacy_request', schema=None) as batch_op:
        batch_op.drop_constraint('fk_privacy_request_requested_by_staff_id', type_='foreignkey')
        batch_op.drop_column('requested_by_staff_id')
