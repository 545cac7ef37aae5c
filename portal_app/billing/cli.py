"""Billing's commands and demo data.

  python -m portal_app.cli import-invoices FOLDER --staff EMAIL
      invoices issued elsewhere: FOLDER/invoices.csv and its PDFs
The demo seed (`python -m portal_app.cli seed`) adds a few issued invoices to the demo accounts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlmodel import select

from portal_app.core.db import session_scope
from portal_app.core import registries
from portal_app.core.errors import DomainError


def _staff_context(db, email: str):
    from portal_app.core.models.auth import StaffUser
    from portal_app.core.auth.staff import StaffContext

    user = db.exec(select(StaffUser).where(StaffUser.email == email.strip().lower())).first()
    if user is None or not user.active:
        raise SystemExit(f"error: no active staff user {email!r}")
    return StaffContext(staff_id=user.id, email=user.email, name=user.name, role=user.role, mfa_passed=True,
                        totp_enabled=user.totp_enabled)


def import_folder(folder: str, staff_email: str) -> int:
    from portal_app.billing import imports as billing_import
    from portal_app.core import i18n

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


@registries.demo_seeder(order=50)
def seed_demo(db, ctx) -> None:
    """Issued invoices for the demo accounts, if they have none yet (`ctx`: the demo staff user)."""
    from portal_app.billing import payments, rules, settings
    from portal_app.billing.models import Invoice
    from portal_app.core.models.accounts import Account

    if db.exec(select(Invoice.id)).first() is not None:
        return
    s = settings.get_settings_row(db)
    s.bank_beneficiary, s.bank_iban, s.bank_bic = "Demo Télécom SAS", "FR7630006000011234567890189", "AGRIFRPP"
    s.issuer_details = "12 rue de la Gare, 69002 Lyon\nTVA FR12 345678901"
    db.add(s)
    for number in ("C-1001", "C-1002"):
        account = db.exec(select(Account).where(Account.number == number)).first()
        if account is None:
            continue
        for month, calls in ((1, "38.40"), (2, "52.10"), (3, "12.00")):
            inv = rules.create_draft(db, ctx, account.id)
            rules.save_line(db, ctx, inv.id, line_id=None, description="Fibre Pro 1 Gb/s", quantity="1",
                              unit_price="59.90", tax_rate="20")
            rules.save_line(db, ctx, inv.id, line_id=None, description="Appels hors forfait", quantity="1",
                              unit_price=calls, tax_rate="20", is_usage=True)
            rules.issue_invoice(db, ctx, inv.id)  # emails are queued, not dispatched: demo only
            if month == 1:
                payments.record_manual_payment(db, ctx, inv.id, amount="118.20", received_on="",
                                              reference="VIR DEMO")


@registries.command("import-invoices")
def import_invoices_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal_app.cli import-invoices",
                                     description="import invoices issued elsewhere, with their PDFs")
    parser.add_argument("folder")
    parser.add_argument("--staff", required=True, help="the staff member recorded as importing them")
    args = parser.parse_args(argv)
    return import_folder(args.folder, args.staff)
