"""Command line: demo data and staff users.  python -m portal_app.cli --help"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from sqlmodel import func, select

from .db import session_scope
from .models import Account
from .services import accounts, audit, business, staff
from .services.errors import DomainError

DEMO_STAFF_EMAIL = "admin@guichet.example"
DEMO_STAFF_PASSWORD = "demo-console-2026"

DEMO_ACCOUNTS = [
    ("Boulangerie Martin", "C-1001", "compta@boulangerie-martin.example", [
        dict(first_name="Alice", last_name="Martin", email="alice@boulangerie-martin.example",
             mobile="+33612345678", language="fr", portal_role="admin"),
        dict(first_name="Bruno", last_name="Martin", email="bruno@boulangerie-martin.example",
             language="en", portal_role="member"),
    ]),
    ("Müller IT GmbH", "C-1002", "buchhaltung@mueller-it.example", [
        dict(first_name="Claudia", last_name="Müller", email="claudia@mueller-it.example", language="de",
             portal_role="admin"),
        dict(first_name="Dieter", last_name="Schmidt", email="dieter@mueller-it.example", language="de",
             portal_role="member", active=False),
    ]),
    ("Studio Lumière", "C-1003", "", [
        dict(first_name="Emma", last_name="Leroy", email="emma@studio-lumiere.example", language="fr",
             portal_role="admin", portal_access=False),
    ]),
]


def seed_demo() -> bool:
    """Load the demo business when the database has no account yet. Returns whether it did.

    Never in production: the demo staff password is published in the README."""
    from .config import get_settings

    if get_settings().is_production:
        return False
    with session_scope() as db:
        if db.exec(select(func.count()).select_from(Account)).one() > 0:
            return False
        row = business.get_business(db)
        row.name, row.brand_color = "Demo Télécom", "#0f766e"
        row.login_text = "Invoices, documents and support for Demo Télécom customers."
        row.languages, row.default_language, row.sender_name = ["en", "fr", "de"], "en", "Demo Télécom"
        db.add(row)
        for name, number, billing, contacts in DEMO_ACCOUNTS:
            acc = accounts.save_account(db, audit.SYSTEM, account_id=None, name=name, number=number,
                                        billing_email=billing)
            for c in contacts:
                accounts.save_contact(db, audit.SYSTEM, accounts.ContactInput(account_id=acc.id, **c))
        from .services import bookings, portal_actions

        bookings.seed_demo(db)
        for kind, icon, labels in (
            ("pay", "credit_card", {"en": "Pay my bill", "fr": "Payer ma facture", "de": "Rechnung bezahlen"}),
            ("book", "calendar_plus", {"en": "Book a technician", "fr": "Réserver un technicien",
                                       "de": "Techniker buchen"}),
            ("message", "message_square", {"en": "Write to us", "fr": "Nous écrire", "de": "Schreiben Sie uns"}),
            ("documents", "folder_open", {"en": "My documents", "fr": "Mes documents", "de": "Meine Dokumente"}),
        ):
            portal_actions.save_action(db, audit.SYSTEM, portal_actions.ActionInput(kind=kind, labels=labels,
                                                                                    icon=icon))
        try:
            staff.create_staff(db, email=DEMO_STAFF_EMAIL, password=DEMO_STAFF_PASSWORD, name="Demo Admin",
                               role="owner")
        except DomainError:
            pass
    from .billing_cli import seed_demo as seed_demo_invoices

    seed_demo_invoices()  # a few issued invoices, so the billing pages have something to show
    return True


def print_demo_identities(base_url: str) -> None:
    print(f"""
Guichet demo
  Customer portal : {base_url}/login
    alice@boulangerie-martin.example  (mobile on file: code by SMS, shown in the console outbox)
    bruno@boulangerie-martin.example  (no mobile: code by email)
    claudia@mueller-it.example        (German, account admin)
    dieter@mueller-it.example         (inactive: gets the same screen, no code)
    emma@studio-lumiere.example       (no portal access)
  Staff console   : {base_url}/admin/login
    {DEMO_STAFF_EMAIL} / {DEMO_STAFF_PASSWORD}  (first login enrols TOTP with a QR code)
  Codes with the console provider appear in the server log and in Console > Deliveries.
""")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal_app.cli")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("seed", help="load demo data into an empty database")
    p = sub.add_parser("create-staff", help="create a staff user")
    p.add_argument("--email", required=True)
    p.add_argument("--name", default="")
    p.add_argument("--role", default="staff", choices=staff.STAFF_ROLES)
    p.add_argument("--password-env", help="read the password from this environment variable")
    args = parser.parse_args(argv)
    from .config import get_settings

    if args.cmd == "seed":
        if get_settings().is_production:
            print("production: no demo data (create staff with `make create-staff`)")
            return 0
        did = seed_demo()
        print("demo data loaded" if did else "database already has data: demo not loaded")
        print_demo_identities(get_settings().base_url)
        return 0
    password = os.environ.get(args.password_env, "") if args.password_env else getpass.getpass("Password: ")
    try:
        with session_scope() as db:
            user = staff.create_staff(db, email=args.email, password=password, name=args.name, role=args.role)
            print(f"staff user {user.email} created (role {user.role}); TOTP is enrolled at first login")
    except DomainError as exc:
        print(f"error: {exc.key} {exc.params}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())


def demo_staff_present() -> bool:
    """True when the demo console account (published password) exists: refused in production."""
    from sqlmodel import select as _select

    from .models import StaffUser

    try:
        with session_scope() as db:
            return db.exec(_select(StaffUser.id).where(StaffUser.email == DEMO_STAFF_EMAIL)).first() is not None
    except Exception:  # noqa: BLE001 - no database yet: nothing to refuse
        return False
