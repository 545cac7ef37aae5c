"""Importing invoices issued elsewhere (another billing system), with their PDFs.

One CSV row per invoice, comma or semicolon separated, with a header:

    account_number, number, issue_date, due_date, currency, total, tax, paid, paid_date, pdf, description

`account_number` (the customer number), `number`, `issue_date` (YYYY-MM-DD), `currency` and `total`
are required; `due_date` defaults to the issue date; `tax` to 0; `paid` (already paid, recorded as a
payment) to 0; `pdf` names a file given beside the CSV (a folder's file, or an upload). An invoice
whose number exists is skipped, so the same folder can be imported again. Imported invoices keep
their own numbers and never touch this portal's sequence, so their numbers must not start with its
prefix. No email is sent: history is not news.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from sqlmodel import Session, func, select

from portal_app.core.models.accounts import Account
from portal_app.billing.models import ISSUED, VOID, Invoice, InvoiceLine, Payment
from portal_app.core import audit, clock
from portal_app.billing.amounts import parse_money
from portal_app.billing.payments import allocate
from portal_app.billing.settings import check_currency, get_settings_row
from portal_app.billing.storage import PDF_MAX_BYTES, invoices_dir
from portal_app.core.errors import DomainError
from portal_app.core.auth.staff import StaffContext

MAX_ROWS = 5000
REQUIRED = ("account_number", "number", "issue_date", "currency", "total")


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[tuple[int, str, dict]] = field(default_factory=list)  # (CSV line, catalogue key, params)


def _date(raw: str, line: int) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise DomainError("billing.import.bad_date", line=line) from None


def import_invoices(db: Session, staff: StaffContext, csv_data: bytes, pdfs: dict[str, bytes | Path]) -> ImportReport:
    """Create the rows' invoices; each row stands alone (an error skips that row, not the others)."""
    if not csv_data:
        raise DomainError("billing.import.no_csv")
    rows = read_csv(csv_data)
    if not rows or any(col not in rows[0] for col in REQUIRED):
        raise DomainError("billing.import.columns", columns=", ".join(REQUIRED))
    if len(rows) > MAX_ROWS:
        raise DomainError("billing.import.too_many", max=MAX_ROWS)
    prefix = get_settings_row(db).number_prefix
    report = ImportReport()
    pdf_by_name = {Path(name).name.lower(): data for name, data in pdfs.items()}
    for line_no, row in enumerate(rows, start=2):
        try:  # every check comes before the row's first write: an error leaves nothing behind
            outcome = _import_row(db, staff, row, line_no, prefix, pdf_by_name)
        except DomainError as exc:
            report.errors.append((line_no, exc.key, {k: str(v) for k, v in exc.params.items()}))
            continue
        (report.created if outcome == "created" else report.skipped).append(row.get("number", ""))
    audit.record(db, staff.actor, "invoice.import", created=len(report.created), skipped=len(report.skipped),
                 errors=len(report.errors))
    return report


def _import_row(db: Session, staff: StaffContext, row: dict[str, str], line: int, prefix: str,
                pdfs: dict[str, bytes | Path]) -> str:
    number = row.get("number", "").strip()[:40]
    if not number:
        raise DomainError("billing.import.no_number", line=line)
    if db.exec(select(Invoice.id).where(Invoice.number == number)).first() is not None:
        return "skipped"
    if prefix and number.startswith(prefix):
        raise DomainError("billing.import.own_prefix", line=line, prefix=prefix)
    account = db.exec(select(Account).where(func.lower(Account.number) == row["account_number"].strip().lower())).first()
    if account is None:
        raise DomainError("billing.import.no_account", line=line, number=row["account_number"][:40])
    try:
        currency = check_currency(row["currency"])
    except DomainError:
        raise DomainError("billing.import.bad_currency", line=line) from None
    try:
        total = parse_money(row["total"], currency)
        tax = parse_money(row.get("tax") or "0", currency)
        paid = parse_money(row.get("paid") or "0", currency)
    except DomainError:
        raise DomainError("billing.import.bad_amount", line=line) from None
    if tax > total:
        raise DomainError("billing.import.bad_amount", line=line)
    issued = _date(row["issue_date"], line)
    due = _date(row["due_date"], line) if row.get("due_date") else issued
    paid_on = _date(row["paid_date"], line) if row.get("paid_date") else issued
    pdf_name = None
    wanted = Path(row.get("pdf", "")).name.lower()
    if wanted:
        data = pdfs.get(wanted)
        if data is None:
            raise DomainError("billing.import.pdf_missing", line=line, name=wanted[:100])
        if isinstance(data, Path):  # a staged upload: read only now, one PDF at a time, never past the limit
            if data.stat().st_size > PDF_MAX_BYTES:
                raise DomainError("billing.import.pdf_bad", line=line, name=wanted[:100])
            data = data.read_bytes()
        if not data.startswith(b"%PDF-") or len(data) > PDF_MAX_BYTES:
            raise DomainError("billing.import.pdf_bad", line=line, name=wanted[:100])
        pdf_name = f"{secrets.token_hex(16)}.pdf"
        (invoices_dir() / pdf_name).write_bytes(data)
    net = total - tax
    rate_bp = round(tax * 10000 / net) if net > 0 else 0
    now = clock.now()
    inv = Invoice(account_id=account.id, number=number, status=ISSUED, currency=currency, language="en",
                  issue_date=issued, due_date=due, subtotal_minor=net, tax_minor=tax, total_minor=total,
                  tax_breakdown=[{"rate_bp": rate_bp, "net": net, "tax": tax}] if total else [],
                  pdf_file=pdf_name, source="import", created_at=now,
                  issued_at=datetime(issued.year, issued.month, issued.day, tzinfo=timezone.utc),
                  created_by_staff_id=staff.staff_id)
    db.add(inv)
    db.flush()
    description = (row.get("description") or "").strip()[:500] or number
    db.add(InvoiceLine(invoice_id=inv.id, position=1, description=description, quantity_milli=1000,
                       unit_price_minor=net, tax_rate_bp=rate_bp, net_minor=net))
    if total == 0:
        inv.status = "paid"
    if paid:
        when = paid_on
        p = Payment(account_id=account.id, currency=currency, amount_minor=paid, method="import", status="succeeded",
                    provider="import", reference=number, invoice_ids=[inv.id], created_at=now,
                    received_at=datetime(when.year, when.month, when.day, 12, tzinfo=timezone.utc),
                    recorded_by_staff_id=staff.staff_id)
        db.add(p)
        db.flush()
        p.unallocated_minor = allocate(db, p, [inv], paid)
        db.add(p)
    if (row.get("status") or "").strip().lower() == VOID:
        inv.status = VOID
    db.add(inv)
    db.flush()
    return "created"


def import_folder(db: Session, staff: StaffContext, folder: Path) -> ImportReport:
    """The command-line import: `invoices.csv` (or the only CSV) and the PDFs beside it."""
    folder = Path(folder)
    csvs = sorted(folder.glob("*.csv"))
    chosen = folder / "invoices.csv" if (folder / "invoices.csv").is_file() else (csvs[0] if len(csvs) == 1 else None)
    if chosen is None:
        raise DomainError("billing.import.no_csv")
    pdfs = {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix.lower() == ".pdf" and p.is_file()
            and p.stat().st_size <= PDF_MAX_BYTES}
    return import_invoices(db, staff, chosen.read_bytes(), pdfs)


def read_csv(data: bytes) -> list[dict[str, str]]:
    """Rows of a CSV file (comma or semicolon, UTF-8 or Windows-1252), with trimmed lower-case headers."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    return [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items()} for row in reader]
