"""Billing: invoices and their lines, consumption files, payments, the number counter and settings."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal_app.core.models.base import json_list_field, utc_field

# Stored statuses. "overdue" is not stored: it is an open invoice whose due date has passed, and
# it is computed from the due date when read (see services/billing.py).
DRAFT, ISSUED, PARTIALLY_PAID, PAID, VOID = "draft", "issued", "partially_paid", "paid", "void"
OPEN_STATUSES = (ISSUED, PARTIALLY_PAID)


class BillingSettings(SQLModel, table=True):
    """One row: how this business bills (its own table, apart from the business settings)."""

    __tablename__ = "billing_settings"

    id: int | None = Field(default=None, primary_key=True)
    default_currency: str = Field(default="EUR", max_length=3)
    default_tax_rate_bp: int = 2000  # basis points: 2000 = 20.00 %
    tax_label: str = Field(default="VAT", max_length=40)
    number_prefix: str = Field(default="INV-", max_length=20)
    # Credit notes have their own gapless sequence (same digits and yearly rule as invoices).
    credit_note_prefix: str = Field(default="CN-", max_length=20)
    number_digits: int = 5
    # True: the sequence restarts each year and the year is part of the number (INV-2026-00001).
    number_yearly: bool = True
    payment_terms_days: int = 30
    issuer_details: str = Field(default="", max_length=1000)  # address, VAT and registration numbers
    bank_beneficiary: str = Field(default="", max_length=200)
    bank_iban: str = Field(default="", max_length=40)
    bank_bic: str = Field(default="", max_length=11)
    bank_name: str = Field(default="", max_length=200)
    # E-invoices (Factur-X / EN 16931): the seller's identifiers, address and the payment means code.
    seller_legal_id: str = Field(default="", max_length=40)  # SIREN, SIRET, "HRB 12345 München"…
    seller_legal_scheme: str = Field(default="", max_length=4)  # ISO 6523: "0002" SIREN, "0009" SIRET, "" none
    seller_vat_number: str = Field(default="", max_length=20)
    seller_street: str = Field(default="", max_length=200)
    seller_postcode: str = Field(default="", max_length=20)
    seller_city: str = Field(default="", max_length=100)
    seller_country: str = Field(default="", max_length=2)
    payment_means_code: str = Field(default="58", max_length=3)  # UNTDID 4461: 58 = SEPA credit transfer
    updated_at: datetime | None = utc_field(nullable=True)


class InvoiceCounter(SQLModel, table=True):
    """The last number given in one sequence ("2026", or "all"); bumped in the issuing transaction."""

    __tablename__ = "invoice_counter"

    key: str = Field(primary_key=True, max_length=10)
    last_value: int = 0


class Invoice(SQLModel, table=True):
    __table_args__ = (
        # The customer's list: newest first within the account (drafts have no issue date). Status and
        # due date ride along so that the page counts of every filter read the index alone.
        sa.Index("ix_invoice_account_issue", "account_id", "issue_date", "id", "status", "due_date"),
        # Amount due, overdue and the status filters: the account's open invoices by due date, with
        # what the amount-due sums read, so those queries never touch the table.
        sa.Index("ix_invoice_account_status_due", "account_id", "status", "due_date", "issue_date", "currency",
                 "total_minor", "paid_minor", "credited_minor"),
        # A recurring bill's period is invoiced once: the database refuses a second invoice for it.
        sa.UniqueConstraint("subscription_id", "subscription_period", name="uq_invoice_subscription_period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    # Given at issue, never reused; imported invoices keep the number they had elsewhere.
    number: str | None = Field(default=None, max_length=40, unique=True)
    status: str = Field(default=DRAFT, max_length=16, index=True)
    currency: str = Field(default="EUR", max_length=3)
    language: str = Field(default="en", max_length=8)  # of the PDF
    issue_date: date | None = None
    due_date: date | None = None
    notes: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    subtotal_minor: int = 0
    tax_minor: int = 0
    total_minor: int = 0
    # Sum of the payment allocations to this invoice (kept in the same transaction as they change).
    paid_minor: int = 0
    # Sum of the credit notes issued against this invoice: what is due is total − paid − credited.
    credited_minor: int = 0
    usage_minor: int = 0  # net of the usage lines, for the customer's consumption chart
    tax_breakdown: list = json_list_field()  # [{"rate_bp": 2000, "net": 1000, "tax": 200}]
    pdf_file: str | None = Field(default=None, max_length=80)
    source: str = Field(default="portal", max_length=10)  # portal | import
    void_reason: str = Field(default="", max_length=300)
    created_at: datetime = utc_field(default_now=True)
    issued_at: datetime | None = utc_field(nullable=True)
    voided_at: datetime | None = utc_field(nullable=True)
    created_by_staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
    # Issued by a subscription, for the period starting on that date.
    subscription_id: int | None = Field(default=None, foreign_key="subscription.id")
    subscription_period: date | None = None


class InvoiceLine(SQLModel, table=True):
    __tablename__ = "invoice_line"

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    position: int = 0
    description: str = Field(max_length=500)
    quantity_milli: int = 1000  # 1.5 units = 1500
    unit_price_minor: int = 0
    tax_rate_bp: int = 0
    net_minor: int = 0  # quantity × unit price, rounded half up
    # A usage line (calls, data, kWh): shown as "consumption" in the customer's chart.
    is_usage: bool = False


class ConsumptionFile(SQLModel, table=True):
    """Usage detail attached to an invoice (e.g. call records as CSV), stored outside public folders; or a
    consumption CSV received for a subscription's billing period, whose lines join that period's invoice
    when the recurring job issues it (`invoice_id` is set then)."""

    __tablename__ = "consumption_file"
    __table_args__ = (sa.Index("ix_consumption_file_subscription_period", "subscription_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    filename: str = Field(max_length=200)  # shown to people; never used as a path
    stored_name: str = Field(max_length=80)
    content_type: str = Field(max_length=60)
    size_bytes: int = 0
    created_at: datetime = utc_field(default_now=True)
    uploaded_by_staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
    # When its rows became usage lines of the (draft) invoice: a file adds its lines once.
    lines_added_at: datetime | None = utc_field(nullable=True)
    # A file for a billing period: the subscription, the period's start date, and the net of its rows
    # (counted by the usage alerts until the invoice carries them).
    subscription_id: int | None = Field(default=None, sa_column_kwargs={"nullable": True},
                                        foreign_key="subscription.id")
    period: date | None = None
    usage_minor: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Payment(SQLModel, table=True):
    __table_args__ = (
        # The customer's payment history, newest first.
        sa.Index("ix_payment_account_status_received", "account_id", "status", "received_at", "id"),
        # Account credit: only the payments with an unallocated rest.
        sa.Index("ix_payment_account_credit", "account_id", "unallocated_minor"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    currency: str = Field(max_length=3)
    amount_minor: int
    # What is left of a succeeded payment after its allocations: the account's credit.
    unallocated_minor: int = 0
    method: str = Field(max_length=16)  # card | bank_transfer | import
    status: str = Field(default="pending", max_length=12)  # pending | succeeded | failed | cancelled
    provider: str = Field(default="manual", max_length=12)  # stripe | manual | import
    # Stripe Checkout session id: a session is recorded once.
    provider_ref: str | None = Field(default=None, max_length=100, unique=True)
    provider_payment_id: str = Field(default="", max_length=100)
    reference: str = Field(default="", max_length=200)  # bank transfer reference, staff note
    invoice_ids: list[int] = json_list_field()  # what the customer chose to pay (checkout)
    error: str = Field(default="", max_length=300)
    # Refunds asked or made (pending and succeeded): a refund reserves its amount with one conditional
    # UPDATE, so two refunds at once can never add up to more than the payment.
    refunded_minor: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = utc_field(default_now=True)
    received_at: datetime | None = utc_field(nullable=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    recorded_by_staff_id: int | None = Field(default=None, foreign_key="staff_user.id")


class PaymentAllocation(SQLModel, table=True):
    """How much of a payment settles one invoice; a payment's unallocated rest is account credit."""

    __tablename__ = "payment_allocation"

    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    amount_minor: int
    created_at: datetime = utc_field(default_now=True)


class StripeEvent(SQLModel, table=True):
    """Every Stripe webhook event handled, by its id: an event delivered twice is handled once."""

    __tablename__ = "stripe_event"

    id: str = Field(primary_key=True, max_length=100)
    type: str = Field(max_length=60)
    received_at: datetime = utc_field(default_now=True)
    outcome: str = Field(default="", max_length=40)


class Refund(SQLModel, table=True):
    """Money sent back on a card payment through Stripe: asked by staff, made when Stripe's webhook
    says it succeeded (only then does it reopen what the payment had settled)."""

    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    currency: str = Field(max_length=3)
    amount_minor: int
    status: str = Field(default="pending", max_length=12)  # pending | succeeded | failed
    provider_refund_id: str | None = Field(default=None, max_length=100, unique=True)
    reason: str = Field(default="", max_length=300)
    error: str = Field(default="", max_length=300)
    created_at: datetime = utc_field(default_now=True)
    succeeded_at: datetime | None = utc_field(nullable=True)
    created_by_staff_id: int | None = Field(default=None, foreign_key="staff_user.id")


INVOICE_TOTAL, PERIOD_USAGE = "invoice_total", "period_usage"
ALERT_KINDS = (INVOICE_TOTAL, PERIOD_USAGE)


class UsageAlert(SQLModel, table=True):
    """A threshold a customer administrator sets: an invoice's total, or the usage billed in a month.

    It fires at most once per month (`fired_period`, "2026-03"), claimed by one conditional UPDATE, so
    two invoices issued at once never send it twice."""

    __tablename__ = "usage_alert"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    kind: str = Field(max_length=16)
    currency: str = Field(max_length=3)
    threshold_minor: int
    fired_period: str = Field(default="", max_length=7)
    created_at: datetime = utc_field(default_now=True)
    created_by_contact_id: int | None = Field(default=None, foreign_key="contact.id")


class CreditNote(SQLModel, table=True):
    """A credit note cancelling all or part of an issued invoice: its own number, PDF and lines."""

    __tablename__ = "credit_note"
    __table_args__ = (sa.Index("ix_credit_note_account_issue", "account_id", "issue_date", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    number: str = Field(max_length=40, unique=True)
    currency: str = Field(default="EUR", max_length=3)
    language: str = Field(default="en", max_length=8)
    issue_date: date
    reason: str = Field(default="", max_length=300)
    subtotal_minor: int = 0
    tax_minor: int = 0
    total_minor: int = 0
    usage_minor: int = 0
    tax_breakdown: list = json_list_field()
    # Money already paid on the invoice that this credit note handed back as account credit.
    released_minor: int = 0
    pdf_file: str | None = Field(default=None, max_length=80)
    created_at: datetime = utc_field(default_now=True)
    created_by_staff_id: int | None = Field(default=None, foreign_key="staff_user.id")


class CreditNoteLine(SQLModel, table=True):
    """One credited line: a quantity of one invoice line (copied, so the credit note stands alone)."""

    __tablename__ = "credit_note_line"

    id: int | None = Field(default=None, primary_key=True)
    credit_note_id: int = Field(foreign_key="credit_note.id", index=True)
    invoice_line_id: int = Field(foreign_key="invoice_line.id", index=True)
    position: int = 0
    description: str = Field(max_length=500)
    quantity_milli: int = 1000
    unit_price_minor: int = 0
    tax_rate_bp: int = 0
    net_minor: int = 0
    is_usage: bool = False


MONTHLY, QUARTERLY, YEARLY = "monthly", "quarterly", "yearly"
PERIOD_MONTHS = {MONTHLY: 1, QUARTERLY: 3, YEARLY: 12}


class Subscription(SQLModel, table=True):
    """A recurring bill: its lines are invoiced on every period date, from the start date on.

    Period n (0, 1, 2…) starts on the start date moved n × period months, on the start date's day of
    month or the month's last day when it has fewer days (31 Jan → 28/29 Feb → 31 Mar). `next_date` is the
    first period not invoiced yet; the job claims a period by moving it forward with a conditional UPDATE,
    so each period is invoiced once whatever the number of workers."""

    __table_args__ = (sa.Index("ix_subscription_due", "active", "next_date", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    name: str = Field(max_length=200)
    period: str = Field(default=MONTHLY, max_length=10)
    currency: str = Field(default="EUR", max_length=3)
    start_date: date
    next_date: date
    periods_billed: int = 0
    active: bool = True
    # One-off adjustments for the next invoice (proration of a change within a period):
    # [{"description": str, "net_minor": int, "tax_rate_bp": int}]
    pending: list = json_list_field()
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime | None = utc_field(nullable=True)


class SubscriptionLine(SQLModel, table=True):
    __tablename__ = "subscription_line"

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="subscription.id", index=True)
    position: int = 0
    description: str = Field(max_length=500)
    quantity_milli: int = 1000
    unit_price_minor: int = 0
    tax_rate_bp: int = 0
    net_minor: int = 0
