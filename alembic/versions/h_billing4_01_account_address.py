"""account postal address: street, postcode, city, country (the buyer's address of e-invoices)

Revision ID: h_billing4_01
Revises: h_billing3_03
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = "h_billing4_01"
down_revision: Union[str, Sequence[str], None] = "h_privacy3_01"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = (("street", 200), ("postcode", 20), ("city", 100), ("country", 2))


def upgrade() -> None:
    for name, length in COLUMNS:
        op.add_column("account", sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=False,
                                           server_default=""))


def downgrade() -> None:
    for name, _ in reversed(COLUMNS):
        op.drop_column("account", name)
