"""tickets: the workflow of conversations of kind "ticket", and the ticket settings

Revision ID: h_tickets_01
Revises: b7e1c0a4d2f9
Create Date: 2026-11-28 12:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import portal_app.core.models.base  # noqa: F401  (UTC timestamp column type)

revision: str = 'h_tickets_01'
down_revision: Union[str, Sequence[str], None] = 'b7e1c0a4d2f9'
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


def downgrade() -> None:
    op.drop_table('ticket_settings')
    op.drop_index('ix_ticket_assignee', table_name='ticket')
    op.drop_table('ticket')
