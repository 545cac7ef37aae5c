"""conversation engine: message threads become conversations of kind "message"

Messages' tables become the engine's (renamed, every row kept): message_thread -> conversation,
thread_message -> conversation_entry, message_attachment -> conversation_attachment. New columns:
the conversation's kind, internal staff notes, and the binding of a staged file to what is being
written (a reply to one conversation, or a new conversation of one kind).

Revision ID: b7e1c0a4d2f9
Revises: 732198c6b792
Create Date: 2026-11-28 11:20:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import portal_app.core.models.base  # noqa: F401  (UTC timestamp column type)

revision: str = 'b7e1c0a4d2f9'
down_revision: Union[str, Sequence[str], None] = '732198c6b792'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_OLD_INDEXES = {
    'message_thread': ['ix_message_thread_account_last', 'ix_message_thread_contact_last',
                       'ix_message_thread_status_last'],
    'thread_message': ['ix_thread_message_account_id', 'ix_thread_message_thread_id'],
    'message_attachment': ['ix_message_attachment_account_id', 'ix_message_attachment_contact_id',
                           'ix_message_attachment_message_id', 'ix_message_attachment_staff_id',
                           'ix_message_attachment_thread_id'],
}
_COLUMN_RENAMES = [
    ('conversation', 'last_message_at', 'last_entry_at'),
    ('conversation', 'last_customer_message_at', 'last_customer_entry_at'),
    ('conversation', 'last_staff_message_at', 'last_staff_entry_at'),
    ('conversation', 'handled_at', 'closed_at'),
    ('conversation', 'handled_by_staff_id', 'closed_by_staff_id'),
    ('conversation_entry', 'thread_id', 'conversation_id'),
    ('conversation_attachment', 'message_id', 'entry_id'),
    ('conversation_attachment', 'thread_id', 'conversation_id'),
]
RENAMED_TABLES = _RENAMES = [('message_thread', 'conversation'), ('thread_message', 'conversation_entry'),
            ('message_attachment', 'conversation_attachment')]


def upgrade() -> None:
    for table, names in _OLD_INDEXES.items():
        for name in names:
            op.drop_index(name, table_name=table)
    for old, new in _RENAMES:
        op.rename_table(old, new)

    # Plain ALTER TABLE (SQLite 3.25+ and PostgreSQL alike): no table is rebuilt, so the foreign keys
    # other tables hold on these stay valid with the app's `foreign_keys=ON`.
    for table, old, new in _COLUMN_RENAMES:
        op.execute(f"ALTER TABLE {table} RENAME COLUMN {old} TO {new}")
    op.add_column('conversation', sa.Column('kind', sa.String(length=20), nullable=False, server_default='message'))
    op.add_column('conversation_entry', sa.Column('internal', sa.Boolean(), nullable=False,
                                                  server_default=sa.false()))
    op.add_column('conversation_attachment', sa.Column('draft_kind', sa.String(length=20), nullable=False,
                                                       server_default=''))
    # Files staged before this change were for a new message or any reply: keep them for a new message.
    op.execute("UPDATE conversation_attachment SET draft_kind = 'message' WHERE entry_id IS NULL")

    op.create_index('ix_conversation_account_last', 'conversation', ['kind', 'account_id', 'last_entry_at'])
    op.create_index('ix_conversation_contact_last', 'conversation', ['kind', 'contact_id', 'last_entry_at'])
    op.create_index('ix_conversation_status_last', 'conversation', ['kind', 'status', 'last_entry_at'])
    for column in ('account_id', 'conversation_id'):
        op.create_index(f'ix_conversation_entry_{column}', 'conversation_entry', [column])
    for column in ('account_id', 'contact_id', 'entry_id', 'staff_id', 'conversation_id'):
        op.create_index(f'ix_conversation_attachment_{column}', 'conversation_attachment', [column])


def downgrade() -> None:
    for column in ('account_id', 'contact_id', 'entry_id', 'staff_id', 'conversation_id'):
        op.drop_index(f'ix_conversation_attachment_{column}', table_name='conversation_attachment')
    for column in ('account_id', 'conversation_id'):
        op.drop_index(f'ix_conversation_entry_{column}', table_name='conversation_entry')
    for name in ('ix_conversation_account_last', 'ix_conversation_contact_last', 'ix_conversation_status_last'):
        op.drop_index(name, table_name='conversation')
    op.execute("DELETE FROM conversation_attachment WHERE conversation_id IN "
               "(SELECT id FROM conversation WHERE kind <> 'message')")
    op.execute("DELETE FROM conversation_entry WHERE conversation_id IN "
               "(SELECT id FROM conversation WHERE kind <> 'message')")
    op.execute("DELETE FROM conversation WHERE kind <> 'message'")
    for table, column in (('conversation_attachment', 'draft_kind'), ('conversation_entry', 'internal'),
                          ('conversation', 'kind')):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")  # SQLite 3.35+ and PostgreSQL
    for table, old, new in _COLUMN_RENAMES:
        op.execute(f"ALTER TABLE {table} RENAME COLUMN {new} TO {old}")
    for old, new in _RENAMES:
        op.rename_table(new, old)
    op.create_index('ix_message_thread_account_last', 'message_thread', ['account_id', 'last_message_at'])
    op.create_index('ix_message_thread_contact_last', 'message_thread', ['contact_id', 'last_message_at'])
    op.create_index('ix_message_thread_status_last', 'message_thread', ['status', 'last_message_at'])
    op.create_index('ix_thread_message_account_id', 'thread_message', ['account_id'])
    op.create_index('ix_thread_message_thread_id', 'thread_message', ['thread_id'])
    for column in ('account_id', 'contact_id', 'message_id', 'staff_id', 'thread_id'):
        op.create_index(f'ix_message_attachment_{column}', 'message_attachment', [column])
