"""privacy: archive builds left behind (claimed_at, build_attempts), team delegation, self-service sign-up

Revision ID: h_privacy3_01
Revises: h_billing2_02
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import portal_app.core.models.base  # noqa: F401  (UTC timestamp column type)
import sqlmodel

revision: str = 'h_privacy3_01'
down_revision: Union[str, Sequence[str], None] = 'h_billing3_03'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('privacy_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', portal_app.core.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('build_attempts', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('privacy_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signup_enabled', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table('team_delegation',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', portal_app.core.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('account_id')
    )
    op.create_table('signup_challenge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('client_ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', portal_app.core.models.base.UTCDateTime(), nullable=False),
    sa.Column('expires_at', portal_app.core.models.base.UTCDateTime(), nullable=False),
    sa.Column('verified_at', portal_app.core.models.base.UTCDateTime(), nullable=True),
    sa.Column('used_at', portal_app.core.models.base.UTCDateTime(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('waiting', sa.Boolean(), nullable=False),
    sa.Column('first_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('last_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('signup_challenge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signup_challenge_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_signup_challenge_client_ip'), ['client_ip'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('signup_challenge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signup_challenge_client_ip'))
        batch_op.drop_index(batch_op.f('ix_signup_challenge_email'))
    op.drop_table('signup_challenge')
    op.drop_table('team_delegation')
    with op.batch_alter_table('privacy_settings', schema=None) as batch_op:
        batch_op.drop_column('signup_enabled')
    with op.batch_alter_table('privacy_request', schema=None) as batch_op:
        batch_op.drop_column('build_attempts')
        batch_op.drop_column('claimed_at')
