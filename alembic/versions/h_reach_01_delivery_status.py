"""delivery status from the providers; failing contact addresses; customer emails edited by staff

Revision ID: h_reach_01
Revises: h_identity_03
Create Date: 2026-11-28 12:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import portal_app.core.models.base  # noqa: F401  (UTC timestamp column type)
import sqlmodel

revision: str = 'h_reach_01'
down_revision: Union[str, Sequence[str], None] = 'h_identity_03'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'email_template',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('template', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('updated_at', portal_app.core.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('template', 'language', name='uq_email_template_template_language'),
    )
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_reason', sqlmodel.sql.sqltypes.AutoString(length=500),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('provider_code', sqlmodel.sql.sqltypes.AutoString(length=40),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('provider_event_at', portal_app.core.models.base.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbound_message_provider_id'), ['provider_id'], unique=False)

    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_failing_at', portal_app.core.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('email_failing_reason', sqlmodel.sql.sqltypes.AutoString(length=300),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('mobile_failing_at', portal_app.core.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('mobile_failing_reason', sqlmodel.sql.sqltypes.AutoString(length=300),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('mobile_failures', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    op.drop_table('email_template')
    with op.batch_alter_table('contact', schema=None) as batch_op:
        for name in ('mobile_failures', 'mobile_failing_reason', 'mobile_failing_at', 'email_failing_reason',
                     'email_failing_at'):
            batch_op.drop_column(name)
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbound_message_provider_id'))
        for name in ('provider_event_at', 'provider_code', 'provider_reason'):
            batch_op.drop_column(name)
