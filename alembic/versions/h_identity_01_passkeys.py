"""customer passkeys (WebAuthn credentials)

Revision ID: h_identity_01
Revises: h_tickets_01
Create Date: 2026-11-28 11:45:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import portal_app.core.models.base  # noqa: F401  (UTC timestamp column type)
import sqlmodel

revision: str = 'h_identity_01'
down_revision: Union[str, Sequence[str], None] = 'h_tickets_01'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'passkey',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('credential_id', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column('public_key', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column('sign_count', sa.Integer(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column('created_at', portal_app.core.models.base.UTCDateTime(), nullable=False),
        sa.Column('last_used_at', portal_app.core.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['contact_id'], ['contact.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('passkey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_passkey_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_passkey_credential_id'), ['credential_id'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('passkey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_passkey_credential_id'))
        batch_op.drop_index(batch_op.f('ix_passkey_contact_id'))
    op.drop_table('passkey')
