"""Command line: demo data, staff users and the commands features register.  python -m portal_app.cli --help"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import tarfile
from pathlib import Path

from sqlmodel import func, select

from portal_app.core.db import session_scope
from portal_app.core.models.accounts import Account
from portal_app.core import accounts, audit, business
from portal_app.core.auth import staff
from portal_app import features
from portal_app.core import registries
from portal_app.core.errors import DomainError
from portal_app.core.models.auth import StaffUser

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
    from portal_app.core.config import get_settings

    if get_settings().is_production:
        return False
    features.load("cli")
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
        try:
            demo_staff = staff.create_staff(db, email=DEMO_STAFF_EMAIL, password=DEMO_STAFF_PASSWORD,
                                            name="Demo Admin", role="owner")
        except DomainError:
            demo_staff = db.exec(select(StaffUser).where(StaffUser.email == DEMO_STAFF_EMAIL)).one()
        ctx = staff.StaffContext(staff_id=demo_staff.id, email=demo_staff.email, name=demo_staff.name,
                                 role=demo_staff.role, mfa_passed=True, totp_enabled=demo_staff.totp_enabled)
        # Each feature's demo data (booking services, portal actions, invoices...), in its declared order.
        for _order, seed in sorted(registries.DEMO_SEEDERS, key=lambda item: item[0]):
            seed(db, ctx)
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


@registries.command("backup")
def backup_command(argv: list[str]) -> int:
    """back up the database and the data dir's files into one archive (--to DIR, default ./backups)"""
    from portal_app.core import backup

    parser = argparse.ArgumentParser(prog="python -m portal_app.cli backup")
    parser.add_argument("--to", default=os.environ.get("GUICHET_BACKUP_DIR", "backups"))
    args = parser.parse_args(argv)
    try:
        archive = backup.create_backup(Path(args.to))
    except backup.BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 2
    manifest = backup.read_manifest(archive)
    print(f"{archive}: {sum(manifest['database']['rows'].values())} rows, {len(manifest['files'])} files "
          f"(the secret key is not in it: keep it apart)")
    return 0


@registries.command("restore")
def restore_command(argv: list[str]) -> int:
    """restore a backup archive (refuses to overwrite data without --force); stop the portal first"""
    from portal_app.core import backup

    parser = argparse.ArgumentParser(prog="python -m portal_app.cli restore")
    parser.add_argument("archive")
    parser.add_argument("--force", action="store_true", help="replace a database that has rows and the data dir's files")
    args = parser.parse_args(argv)
    try:
        manifest = backup.restore_backup(Path(args.archive), force=args.force)
    except (backup.BackupError, OSError, tarfile.TarError) as exc:
        print(f"restore refused: {exc}", file=sys.stderr)
        return 2
    print(f"restored {args.archive}: {sum(manifest['database']['rows'].values())} rows, "
          f"{len(manifest['files'])} files, revision {manifest['database']['revision'] or '-'} "
          f"(run `reflex db migrate` if the code is newer)")
    return 0


def main(argv: list[str] | None = None) -> int:
    features.load("cli")
    parser = argparse.ArgumentParser(prog="python -m portal_app.cli")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("seed", help="load demo data into an empty database")
    p = sub.add_parser("create-staff", help="create a staff user")
    p.add_argument("--email", required=True)
    p.add_argument("--name", default="")
    p.add_argument("--role", default="staff", choices=staff.STAFF_ROLES)
    p.add_argument("--password-env", help="read the password from this environment variable")
    for name, run in registries.COMMANDS.items():
        sub.add_parser(name, help=(run.__doc__ or "").strip().split("\n")[0] or None, add_help=False)
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in registries.COMMANDS:
        return registries.COMMANDS[argv[0]](argv[1:])
    args = parser.parse_args(argv)
    from portal_app.core.config import get_settings

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

    from portal_app.core.models.auth import StaffUser

    try:
        with session_scope() as db:
            return db.exec(_select(StaffUser.id).where(StaffUser.email == DEMO_STAFF_EMAIL)).first() is not None
    except Exception:  # noqa: BLE001 - no database yet: nothing to refuse
        return False
