"""customer TOTP (secret, recovery codes, business rule), the second step on a login challenge, trusted browsers

Revision ID: h_identity_02
Revises: h_identity_01
Create Date: 2026-11-28 12:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import portal_app.core.models.base  # noqa: F401  (UTC timestamp column type)
import sqlmodel

revision: str = 'h_identity_02'
down_revision: Union[str, Sequence[str], None] = 'h_identity_01'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret_enc', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('last_totp_step', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('business_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_totp', sqlmodel.sql.sqltypes.AutoString(length=10),
                                      server_default='optional', nullable=False))
    with op.batch_alter_table('login_challenge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('second_factor', sqlmodel.sql.sqltypes.AutoString(length=8), server_default='',
                                      nullable=False))
    op.create_table(
        'recovery_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('used_at', portal_app.core.models.base.UTCDateTime(), nullable=True),
        sa.Column('created_at', portal_app.core.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['contact_id'], ['contact.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_contact_id'), ['contact_id'], unique=False)
    op.create_table(
        'trusted_device',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('device_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('created_at', portal_app.core.models.base.UTCDateTime(), nullable=False),
        sa.Column('expires_at', portal_app.core.models.base.UTCDateTime(), nullable=False),
        sa.Column('last_used_at', portal_app.core.models.base.UTCDateTime(), nullable=True),
        sa.Column('revoked_at', portal_app.core.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['contact_id'], ['contact.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('trusted_device', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trusted_device_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trusted_device_device_id'), ['device_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('trusted_device', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trusted_device_device_id'))
        batch_op.drop_index(batch_op.f('ix_trusted_device_contact_id'))
    op.drop_table('trusted_device')
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_contact_id'))
    op.drop_table('recovery_code')
    with op.batch_alter_table('login_challenge', schema=None) as batch_op:
        batch_op.drop_column('second_factor')
    with op.batch_alter_table('business_settings', schema=None) as batch_op:
        batch_op.drop_column('customer_totp')
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('last_totp_step')
        batch_op.drop_column('totp_enabled')
        batch_op.drop_column('totp_secret_enc')
