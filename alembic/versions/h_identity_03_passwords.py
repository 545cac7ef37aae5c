"""customer passwords (business option): the contact's bcrypt hash and single-use links

Revision ID: h_identity_03
Revises: h_identity_02
Create Date: 2026-11-28 12:20:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import portal_app.core.models.base  # noqa: F401  (UTC timestamp column type)
import sqlmodel

revision: str = 'h_identity_03'
down_revision: Union[str, Sequence[str], None] = 'h_identity_02'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
    op.create_table(
        'password_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('created_at', portal_app.core.models.base.UTCDateTime(), nullable=False),
        sa.Column('expires_at', portal_app.core.models.base.UTCDateTime(), nullable=False),
        sa.Column('used_at', portal_app.core.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['contact_id'], ['contact.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('password_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_link_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_password_link_token_hash'), ['token_hash'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('password_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_link_token_hash'))
        batch_op.drop_index(batch_op.f('ix_password_link_contact_id'))
    op.drop_table('password_link')
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('password_hash')
