"""tickets: the workflow of conversations of kind "ticket", the ticket settings, inbound mail waiting for staff,
and the reply-to address of an outbound email

Revision ID: h_tickets_01
Revises: h_roles_01
Create Date: 2026-11-28 12:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import portal_app.core.models.base  # noqa: F401  (UTC timestamp column type)

revision: str = 'h_tickets_01'
down_revision: Union[str, Sequence[str], None] = 'h_roles_01'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'ticket',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('type', sa.String(length=40), nullable=False),
        sa.Column('priority', sa.String(length=40), nullable=False),
        sa.Column('assignee_staff_id', sa.Integer(), nullable=True),
        sa.Column('billed', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('resolved_at', portal_app.core.models.base.UTCDateTime(), nullable=True),
        sa.Column('created_at', portal_app.core.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id']),
        sa.ForeignKeyConstraint(['assignee_staff_id'], ['staff_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('conversation_id'),
        sa.UniqueConstraint('number'),
    )
    op.create_index('ix_ticket_assignee', 'ticket', ['assignee_staff_id'])
    op.create_table(
        'ticket_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('types', sa.JSON(), nullable=False),
        sa.Column('priorities', sa.JSON(), nullable=False),
        sa.Column('statuses', sa.JSON(), nullable=False),
        sa.Column('reopen_allowed', sa.Boolean(), nullable=False),
        sa.Column('staff_notify_email', sa.String(length=254), nullable=False),
        sa.Column('updated_at', portal_app.core.models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'inbound_mail',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sender', sa.String(length=254), nullable=False),
        sa.Column('sender_name', sa.String(length=200), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('reason', sa.String(length=40), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('received_at', portal_app.core.models.base.UTCDateTime(), nullable=False),
        sa.Column('handled_at', portal_app.core.models.base.UTCDateTime(), nullable=True),
        sa.Column('handled_by_staff_id', sa.Integer(), nullable=True),
        sa.Column('conversation_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['handled_by_staff_id'], ['staff_user.id']),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_inbound_mail_status', 'inbound_mail', ['status', 'received_at'])
    with op.batch_alter_table('outbound_message') as batch:
        batch.add_column(sa.Column('reply_to', sa.String(length=254), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('outbound_message') as batch:
        batch.drop_column('reply_to')
    op.drop_index('ix_inbound_mail_status', table_name='inbound_mail')
    op.drop_table('inbound_mail')
    op.drop_table('ticket_settings')
    op.drop_index('ix_ticket_assignee', table_name='ticket')
    op.drop_table('ticket')
