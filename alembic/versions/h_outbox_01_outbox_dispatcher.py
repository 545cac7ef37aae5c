"""outbox dispatcher: claims, backoff, sealed bodies

Revision ID: h_outbox_01
Revises: h_login_01
Create Date: 2026-11-28 11:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import portal_app.core.models.base  # noqa: F401  (UTC timestamp column type)
import sqlmodel

# revision identifiers, used by Alembic.
revision: str = 'h_outbox_01'
down_revision: Union[str, Sequence[str], None] = 'h_login_01'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sender_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('redacted', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('sealed', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('next_attempt_at', portal_app.core.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('claimed_until', portal_app.core.models.base.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_outbound_message_due', ['status', 'next_attempt_at'], unique=False)
    # Rows still queued from before: the old sender kept them in memory only, so they were lost. A
    # sensitive one sent by a real provider holds only its redacted copy: it cannot be sent, give it up
    # (the customer asks for a new code); every other queued row is sent by the dispatcher.
    op.execute(sa.text(
        "UPDATE outbound_message SET status = 'failed', redacted = :yes, "
        "error = 'queued before the outbox upgrade; its secret was not kept' "
        "WHERE status = 'queued' AND sensitive = :yes AND provider <> 'console'").bindparams(yes=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.execute(sa.text("UPDATE outbound_message SET status = 'queued' WHERE status = 'sending'"))
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbound_message_due')
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('sealed')
        batch_op.drop_column('redacted')
        batch_op.drop_column('sender_name')
