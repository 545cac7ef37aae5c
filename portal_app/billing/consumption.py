"""Consumption files (call records and the like) attached to invoices: staff attach and remove them;
customers see them when their account has statements on. Files received for a subscription's billing
period (`usage_files.py`) join their invoice when it is issued, and are seen from then on."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, func, select

from portal_app.billing.access import denied, invoice_row, require_billing
from portal_app.billing.amounts import as_id
from portal_app.billing.models import ConsumptionFile, DRAFT, Invoice, VOID
from portal_app.billing.storage import CONSUMPTION_MAX_BYTES, consumption_dir, safe_filename, sniff_upload, stored_path
from portal_app.core import audit, clock
from portal_app.core.auth.sessions import PortalContext
from portal_app.core.auth.staff import StaffContext
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.models.accounts import Account


def attach_consumption_file(db: Session, staff: StaffContext, invoice_id: int, filename: str,
                            data: bytes) -> ConsumptionFile:
    inv = invoice_row(db, invoice_id)
    if inv.status == VOID:
        raise DomainError("billing.error.void")
    row = store_file(db, staff, filename, data, invoice_id=inv.id, account_id=inv.account_id)
    audit.record(db, staff.actor, "consumption.attach", target_type="consumption_file", target_id=row.id,
                 account_id=inv.account_id, invoice_id=inv.id)
    return row


def store_file(db: Session, staff: StaffContext, filename: str, data: bytes, **fields) -> ConsumptionFile:
    """Check (size, sniffed type), write under a generated name and add the row with `fields`."""
    if len(data) > CONSUMPTION_MAX_BYTES:
        raise DomainError("billing.error.file_too_large", max_mb=CONSUMPTION_MAX_BYTES // (1024 * 1024))
    ext, content_type = sniff_upload(data)
    stored = f"{secrets.token_hex(16)}.{ext}"
    (consumption_dir() / stored).write_bytes(data)
    shown = safe_filename(filename, f"consumption.{ext}")
    if not shown.lower().endswith(f".{ext}"):
        shown = f"{shown.rsplit('.', 1)[0] if '.' in shown else shown}.{ext}"
    row = ConsumptionFile(filename=shown[:200], stored_name=stored, content_type=content_type, size_bytes=len(data),
                          created_at=clock.now(), uploaded_by_staff_id=staff.staff_id, **fields)
    db.add(row)
    db.flush()
    return row


def delete_consumption_file(db: Session, staff: StaffContext, file_id: int) -> None:
    row = db.get(ConsumptionFile, as_id(file_id) or 0)
    if row is None:
        raise NotFound()
    path = stored_path(consumption_dir(), row.stored_name)
    db.delete(row)
    db.flush()
    audit.record(db, staff.actor, "consumption.delete", target_type="consumption_file", target_id=file_id,
                 account_id=row.account_id, invoice_id=row.invoice_id)
    if path is not None:
        path.unlink(missing_ok=True)


def invoice_numbers(db: Session, invoice_ids: list[int]) -> dict[int, str]:
    """{invoice id: number} in one query."""
    if not invoice_ids:
        return {}
    return {i: n or "" for i, n in db.exec(select(Invoice.id, Invoice.number).where(Invoice.id.in_(invoice_ids))).all()}


def files_of(db: Session, invoice_id: int) -> list[ConsumptionFile]:
    return list(db.exec(select(ConsumptionFile).where(ConsumptionFile.invoice_id == invoice_id)
                        .order_by(ConsumptionFile.id)).all())


def consumption_file_for_staff(db: Session, staff: StaffContext, file_id) -> tuple[ConsumptionFile, Path]:
    key = as_id(file_id)
    row = db.get(ConsumptionFile, key) if key else None
    path = stored_path(consumption_dir(), row.stored_name) if row else None
    if row is None or path is None:
        raise NotFound()
    return row, path


def consumption_file_for_customer(db: Session, ctx: PortalContext, file_id,
                                  client_ip: str = "") -> tuple[ConsumptionFile, Path]:
    """A consumption file of one of the account's visible invoices, when statements are on."""
    require_billing(db, ctx, client_ip)
    key = as_id(file_id)
    row = db.get(ConsumptionFile, key) if key else None
    inv = db.get(Invoice, row.invoice_id) if row and row.invoice_id else None  # a period file: not billed yet
    if row is None or inv is None or row.account_id != ctx.account_id or inv.account_id != ctx.account_id \
            or inv.status == DRAFT or not consumption_allowed(db, ctx):
        raise denied(db, ctx, "consumption_file", file_id, client_ip)
    path = stored_path(consumption_dir(), row.stored_name)
    if path is None:
        raise NotFound()
    return row, path


def consumption_counts(db: Session, ctx: PortalContext, invoice_ids: list[int]) -> dict[int, int]:
    """How many consumption files each invoice has, or nothing when the account has statements off."""
    if not invoice_ids:
        return {}
    rows = db.exec(_consumption_count_statement(),
                   params={"ids": list(invoice_ids), "account_id": ctx.account_id}).all()
    return {int(i): int(n) for i, n in rows}


@lru_cache(maxsize=1)
def _consumption_count_statement():
    # The account's flag in the same statement: one round trip for the list's paperclips.
    return (select(ConsumptionFile.invoice_id, func.count())
            .join(Account, Account.id == ConsumptionFile.account_id)
            .where(ConsumptionFile.invoice_id.in_(sa.bindparam("ids", expanding=True)),
                   ConsumptionFile.account_id == sa.bindparam("account_id"),
                   Account.send_consumption_statements.is_(True))
            .group_by(ConsumptionFile.invoice_id))


def consumption_allowed(db: Session, ctx: PortalContext) -> bool:
    account = db.get(Account, ctx.account_id)
    return bool(account and account.send_consumption_statements)
