"""credit notes and e-invoices: credit_note, credit_note_line, invoice.credited_minor, billing_settings:
credit_note_prefix and seller identifiers (Factur-X)

Revision ID: h_billing2_01
Revises: h_privacy_01
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import portal_app.core.models.base  # noqa: F401  (UTC timestamp column type)
import sqlmodel

revision: str = "h_billing2_01"
down_revision: Union[str, Sequence[str], None] = "h_privacy_01"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


SELLER_COLUMNS = (("seller_legal_id", 40, ""), ("seller_legal_scheme", 4, ""), ("seller_vat_number", 20, ""),
                  ("seller_street", 200, ""), ("seller_postcode", 20, ""), ("seller_city", 100, ""),
                  ("seller_country", 2, ""), ("payment_means_code", 3, "58"))


def upgrade() -> None:
    with op.batch_alter_table("billing_settings") as batch:
        batch.add_column(sa.Column("credit_note_prefix", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                                   server_default="CN-"))
        for name, length, default in SELLER_COLUMNS:
            batch.add_column(sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=False,
                                       server_default=default))
    with op.batch_alter_table("invoice") as batch:
        batch.add_column(sa.Column("credited_minor", sa.Integer(), nullable=False, server_default="0"))
    op.drop_index("ix_invoice_account_status_due", table_name="invoice")
    op.create_index("ix_invoice_account_status_due", "invoice",
                    ["account_id", "status", "due_date", "issue_date", "currency", "total_minor", "paid_minor",
                     "credited_minor"])
    op.create_table(
        "credit_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("subtotal_minor", sa.Integer(), nullable=False),
        sa.Column("tax_minor", sa.Integer(), nullable=False),
        sa.Column("total_minor", sa.Integer(), nullable=False),
        sa.Column("usage_minor", sa.Integer(), nullable=False),
        sa.Column("tax_breakdown", sa.JSON(), nullable=False),
        sa.Column("released_minor", sa.Integer(), nullable=False),
        sa.Column("pdf_file", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("created_at", portal_app.core.models.base.UTCDateTime(), nullable=False),
        sa.Column("created_by_staff_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoice.id"]),
        sa.ForeignKeyConstraint(["created_by_staff_id"], ["staff_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_index("ix_credit_note_invoice_id", "credit_note", ["invoice_id"])
    op.create_index("ix_credit_note_account_issue", "credit_note", ["account_id", "issue_date", "id"])
    op.create_table(
        "credit_note_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_note_id", sa.Integer(), nullable=False),
        sa.Column("invoice_line_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("quantity_milli", sa.Integer(), nullable=False),
        sa.Column("unit_price_minor", sa.Integer(), nullable=False),
        sa.Column("tax_rate_bp", sa.Integer(), nullable=False),
        sa.Column("net_minor", sa.Integer(), nullable=False),
        sa.Column("is_usage", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["credit_note_id"], ["credit_note.id"]),
        sa.ForeignKeyConstraint(["invoice_line_id"], ["invoice_line.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_credit_note_line_credit_note_id", "credit_note_line", ["credit_note_id"])
    op.create_index("ix_credit_note_line_invoice_line_id", "credit_note_line", ["invoice_line_id"])


def downgrade() -> None:
    op.drop_table("credit_note_line")
    op.drop_table("credit_note")
    op.drop_index("ix_invoice_account_status_due", table_name="invoice")
    op.create_index("ix_invoice_account_status_due", "invoice",
                    ["account_id", "status", "due_date", "issue_date", "currency", "total_minor", "paid_minor"])
    with op.batch_alter_table("invoice") as batch:
        batch.drop_column("credited_minor")
    with op.batch_alter_table("billing_settings") as batch:
        for name, _, _ in SELLER_COLUMNS:
            batch.drop_column(name)
        batch.drop_column("credit_note_prefix")
