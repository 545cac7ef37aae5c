"""Billing from the command line.   python -m portal_app.billing_cli --help

  import-invoices FOLDER --staff EMAIL   invoices issued elsewhere: FOLDER/invoices.csv and its PDFs
  seed-demo                              a few issued invoices for the demo accounts (make run's data)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlmodel import select

from .db import session_scope
from .services.errors import DomainError


def _staff_context(db, email: str):
    from .models import StaffUser
    from .services.staff import StaffContext

    user = db.exec(select(StaffUser).where(StaffUser.email == email.strip().lower())).first()
    if user is None or not user.active:
        raise SystemExit(f"error: no active staff user {email!r}")
    return StaffContext(staff_id=user.id, email=user.email, name=user.name, role=user.role, mfa_passed=True,
                        totp_enabled=user.totp_enabled)


def import_folder(folder: str, staff_email: str) -> int:
    from .services import billing_import, i18n

    with session_scope() as db:
        ctx = _staff_context(db, staff_email)
        try:
            report = billing_import.import_folder(db, ctx, Path(folder))
        except DomainError as exc:
            print(f"error: {i18n.t('en', exc.key, **exc.params)}", file=sys.stderr)
            return 2
    print(f"{len(report.created)} imported, {len(report.skipped)} already there, {len(report.errors)} refused")
    for _line, key, params in report.errors:
        print(f"  {i18n.t('en', key, **params)}")
    return 0 if not report.errors else 1


def seed_demo() -> int:
    """Issued invoices for the demo accounts, if they have none yet."""
    from .cli import DEMO_STAFF_EMAIL
    from .models import Account, Invoice
    from .services import billing

    with session_scope() as db:
        if db.exec(select(Invoice.id)).first() is not None:
            print("invoices already exist: demo invoices not added")
            return 0
        ctx = _staff_context(db, DEMO_STAFF_EMAIL)
        s = billing.get_settings_row(db)
        s.bank_beneficiary, s.bank_iban, s.bank_bic = "Demo Télécom SAS", "FR7630006000011234567890189", "AGRIFRPP"
        s.issuer_details = "12 rue de la Gare, 69002 Lyon\nTVA FR12 345678901"
        db.add(s)
        for number in ("C-1001", "C-1002"):
            account = db.exec(select(Account).where(Account.number == number)).first()
            if account is None:
                continue
            for month, calls in ((1, "38.40"), (2, "52.10"), (3, "12.00")):
                inv = billing.create_draft(db, ctx, account.id)
                billing.save_line(db, ctx, inv.id, line_id=None, description="Fibre Pro 1 Gb/s", quantity="1",
                                  unit_price="59.90", tax_rate="20")
                billing.save_line(db, ctx, inv.id, line_id=None, description="Appels hors forfait", quantity="1",
                                  unit_price=calls, tax_rate="20", is_usage=True)
                billing.issue_invoice(db, ctx, inv.id)  # emails are queued, not dispatched: demo only
                if month == 1:
                    billing.record_manual_payment(db, ctx, inv.id, amount="118.20", received_on="",
                                                  reference="VIR DEMO")
    print("demo invoices added")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal_app.billing_cli")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("import-invoices", help="import invoices issued elsewhere, with their PDFs")
    p.add_argument("folder")
    p.add_argument("--staff", required=True, help="the staff member recorded as importing them")
    sub.add_parser("seed-demo", help="issued invoices for the demo accounts")
    args = parser.parse_args(argv)
    if args.cmd == "import-invoices":
        return import_folder(args.folder, args.staff)
    return seed_demo()


if __name__ == "__main__":
    sys.exit(main())
