"""Gapless invoice numbers: one counter row per sequence, bumped inside the issuing transaction."""

from __future__ import annotations

from sqlmodel import Session, select

from portal_app.billing.models import BillingSettings, InvoiceCounter


# The counter keys of each sequence: invoices "2026" / "all", credit notes "CN2026" / "CNall".
INVOICE, CREDIT_NOTE = "", "CN"


def format_number(s: BillingSettings, year: int, seq: int, kind: str = INVOICE) -> tuple[str, str]:
    """(counter key, number) for the `seq`th invoice (or credit note) of `year`."""
    prefix = s.credit_note_prefix if kind == CREDIT_NOTE else s.number_prefix
    if s.number_yearly:
        return f"{kind}{year}", f"{prefix}{year}-{seq:0{s.number_digits}d}"
    return f"{kind}all", f"{prefix}{seq:0{s.number_digits}d}"


def next_number(db: Session, s: BillingSettings, year: int, kind: str = INVOICE) -> str:
    """Bump the sequence's counter row and return the number, inside the caller's transaction.

    The row is locked (SELECT … FOR UPDATE on PostgreSQL; SQLite already holds the database's write
    lock, taken by the status change before this), so two issuers never get the same value, and a
    rolled-back issue rolls the counter back with it: no gap.
    """
    key = format_number(s, year, 0, kind)[0]
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    db.exec(upsert(InvoiceCounter).values(key=key, last_value=0).on_conflict_do_nothing(index_elements=["key"]))
    counter = db.exec(select(InvoiceCounter).where(InvoiceCounter.key == key).with_for_update()
                      .execution_options(populate_existing=True)).one()
    counter.last_value += 1
    db.add(counter)
    db.flush()
    return format_number(s, year, counter.last_value, kind)[1]
