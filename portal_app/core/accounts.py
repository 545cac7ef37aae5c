"""Accounts and contacts: validation, search, access flags and module rights."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import bindparam, or_
from sqlmodel import Session, func, select

from portal_app.core.config import get_settings
from portal_app.core.models.accounts import Account, Contact
from portal_app.core.models.accounts import MEMBER_DEFAULT_RIGHTS, MEMBER_RIGHTS, MODULES, ROLE_ADMIN, ROLES
from portal_app.core import audit, clock
from portal_app.core.db import fetch_page, get_or_not_found, hold
from portal_app.core.errors import DomainError
from portal_app.core.i18n import shipped_languages

PAGE_SIZE = 20


def normalise_email(raw: str) -> str:
    """Trimmed and lower-cased: contacts' emails are unique case-insensitively."""
    return (raw or "").strip().lower()


def check_email(raw: str) -> str:
    email = normalise_email(raw)
    if not email:
        raise DomainError("contact.error.email_required")
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise DomainError("contact.error.email_invalid") from None
    return email


def check_mobile(raw: str | None) -> str | None:
    """E.164, parsed with libphonenumber; must be a mobile (codes go there by SMS)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, get_settings().default_phone_region)
    except phonenumbers.NumberParseException:
        raise DomainError("contact.error.mobile_invalid") from None
    if not phonenumbers.is_valid_number(number):
        raise DomainError("contact.error.mobile_invalid")
    kind = phonenumbers.number_type(number)
    if kind not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise DomainError("contact.error.mobile_not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Two-letter regions CLDR (babel) names that are not ISO 3166-1 countries: "unknown", the EU, the UN,
# pseudo-locales, and exceptionally reserved or user-assigned codes (Kosovo's XK is not in EN 16931's list).
NOT_ISO_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK",
                               "ZZ"})


def check_country(raw: str, error: str = "account.error.country") -> str:
    """An ISO 3166-1 alpha-2 country code, upper-cased; "" when none is given."""
    from babel import Locale

    country = (raw or "").strip().upper()
    if country and (not re.fullmatch(r"[A-Z]{2}", country) or country in NOT_ISO_COUNTRIES
                    or country not in Locale("en").territories):
        raise DomainError(error)
    return country


def _line(raw: str, limit: int, error: str) -> str:
    value = " ".join((raw or "").split())
    if len(value) > limit:
        raise DomainError(error)
    return value


def check_address(*, street: str = "", postcode: str = "", city: str = "", country: str = "") -> dict[str, str]:
    """A postal address, checked: none at all, or at least a street, a city and a country (the postcode
    is optional: some countries have none)."""
    address = {"street": _line(street, 200, "account.error.street"),
               "postcode": _line(postcode, 20, "account.error.postcode"),
               "city": _line(city, 100, "account.error.city"), "country": check_country(country)}
    if address["postcode"] and not re.fullmatch(r"[A-Za-z0-9 -]+", address["postcode"]):
        raise DomainError("account.error.postcode")
    if any(address.values()) and not (address["street"] and address["city"] and address["country"]):
        raise DomainError("account.error.address_incomplete")
    return address


def has_address(account: Account) -> bool:
    return bool(account.street and account.city and account.country)


def role_allows(role: str) -> tuple[str, ...]:
    """The rights a role may hold."""
    return MODULES if role == ROLE_ADMIN else MEMBER_RIGHTS


def default_rights(role: str) -> tuple[str, ...]:
    """The rights a new contact of this role gets."""
    return MODULES if role == ROLE_ADMIN else MEMBER_DEFAULT_RIGHTS


def effective_rights(contact: Contact) -> list[str]:
    """Rights narrow what the role allows; they never widen it."""
    allowed = role_allows(contact.portal_role)
    return [m for m in allowed if m in (contact.rights or [])]


def can_use(contact: Contact, module: str) -> bool:
    return module in effective_rights(contact)


# ---- accounts -------------------------------------------------------------------------------


def list_accounts(db: Session, *, q: str = "", page: int = 1, page_size: int = PAGE_SIZE):
    query = select(Account)
    count = select(func.count()).select_from(Account)
    if q.strip():
        like = f"%{q.strip().lower()}%"
        cond = or_(func.lower(Account.name).like(like), func.lower(Account.number).like(like))
        query, count = query.where(cond), count.where(cond)
    return fetch_page(db, query.order_by(Account.name, Account.id), count, page=page, page_size=page_size)


def get_account(db: Session, account_id: int) -> Account:
    return get_or_not_found(db, Account, account_id)


def save_account(db: Session, actor: audit.Actor, *, account_id: int | None, name: str, number: str,
                 billing_email: str = "", active: bool = True, domains: str = "",
                 send_consumption_statements: bool = True, address: dict | None = None) -> Account:
    """Create or update an account; `address` (street, postcode, city, country) is left as stored when None."""
    name, number = name.strip(), number.strip()
    if not name:
        raise DomainError("account.error.name_required")
    if not number:
        raise DomainError("account.error.number_required")
    billing = check_email(billing_email) if billing_email.strip() else ""
    checked = check_address(**address) if address is not None else None
    clash = db.exec(select(Account).where(func.lower(Account.number) == number.lower())).first()
    if clash and clash.id != account_id:
        raise DomainError("account.error.number_taken", number=number)
    if account_id is None:
        row = Account(name=name, number=number, created_at=clock.now())
        action = "account.create"
    else:
        row = get_account(db, account_id)
        action = "account.update"
    was_active = row.active if account_id is not None else True
    row.name, row.number, row.billing_email = name[:200], number[:40], billing
    row.active, row.domains = bool(active), domains.strip()[:500]
    row.send_consumption_statements = bool(send_consumption_statements)
    if checked is not None:
        for key, value in checked.items():
            setattr(row, key, value)
    db.add(row)
    db.flush()
    if was_active and not row.active:
        from portal_app.core.auth.sessions import revoke_account_sessions

        revoke_account_sessions(db, row.id, "account_inactive")
    audit.record(db, actor, action, target_type="account", target_id=row.id, account_id=row.id)
    return row


# ---- contacts -------------------------------------------------------------------------------


def list_contacts(db: Session, *, q: str = "", account_id: int | None = None, page: int = 1,
                  page_size: int = PAGE_SIZE):
    query = select(Contact, Account).join(Account, Account.id == Contact.account_id)
    count = select(func.count()).select_from(Contact).join(Account, Account.id == Contact.account_id)
    conds = []
    if account_id is not None:
        conds.append(Contact.account_id == account_id)
    if q.strip():
        like = f"%{q.strip().lower()}%"
        conds.append(or_(Contact.email.like(like), func.lower(Contact.first_name).like(like),
                         func.lower(Contact.last_name).like(like), func.lower(Account.name).like(like),
                         Contact.mobile.like(f"%{q.strip()}%")))
    for c in conds:
        query, count = query.where(c), count.where(c)
    return fetch_page(db, query.order_by(Contact.last_name, Contact.first_name, Contact.id), count, page=page,
                      page_size=page_size)


def get_contact(db: Session, contact_id: int) -> Contact:
    return get_or_not_found(db, Contact, contact_id)


@dataclass
class ContactInput:
    account_id: int
    email: str
    first_name: str = ""
    last_name: str = ""
    mobile: str = ""
    language: str = "en"
    active: bool = True
    portal_access: bool = True
    portal_role: str = "member"
    rights: list[str] | None = None


def save_contact(db: Session, actor: audit.Actor, data: ContactInput, contact_id: int | None = None) -> Contact:
    """Create or update a contact. Never sends anything: invitations are a separate action."""
    get_account(db, data.account_id)
    email = check_email(data.email)
    mobile = check_mobile(data.mobile)
    if data.portal_role not in ROLES:
        raise DomainError("contact.error.role")
    if data.language not in shipped_languages():
        raise DomainError("contact.error.language")
    clash = db.exec(select(Contact).where(Contact.email == email)).first()
    if clash and clash.id != contact_id:
        raise DomainError("contact.error.email_taken", email=email)
    rights = list(default_rights(data.portal_role)) if data.rights is None else [
        m for m in MODULES if m in data.rights
    ]
    if contact_id is None:
        row = Contact(account_id=data.account_id, email=email, created_at=clock.now())
        action, before = "contact.create", None
    else:
        row = get_contact(db, contact_id)
        action = "contact.update"
        before = (row.active, row.portal_access, row.email, row.account_id)
    row.account_id = data.account_id
    row.email = email
    row.first_name, row.last_name = data.first_name.strip()[:100], data.last_name.strip()[:100]
    row.mobile = mobile
    row.language = data.language
    row.active, row.portal_access = bool(data.active), bool(data.portal_access)
    row.portal_role = data.portal_role
    row.rights = rights
    db.add(row)
    db.flush()
    if before is not None:
        was_active, had_access, old_email, old_account = before
        # Whoever loses access, or changes identity, loses every open session at once.
        if (was_active and not row.active) or (had_access and not row.portal_access) \
                or old_email != row.email or old_account != row.account_id:
            from portal_app.core.auth.sessions import revoke_contact_sessions

            revoke_contact_sessions(db, row.id, "access_changed")
    audit.record(db, actor, action, target_type="contact", target_id=row.id, account_id=row.account_id)
    return row


# Built once: every code request runs it. The account comes with the contact (`may_log_in` reads it next).
_LOGIN_CONTACT = select(Contact, Account).join(Account, Account.id == Contact.account_id) \
    .where(Contact.email == bindparam("email"))


def find_login_contact(db: Session, email: str) -> Contact | None:
    """The contact with this address, its account read with it and held for the event: one query whether
    the address is known or not."""
    found = db.exec(_LOGIN_CONTACT, params={"email": normalise_email(email)}).first()
    if found is None:
        return None
    contact, account = found
    hold(db, account)
    return contact


def may_log_in(db: Session, contact: Contact | None) -> str:
    """'ok' or why not: unknown, inactive, no_access, account_inactive."""
    return login_status(db, contact)[0]


def login_status(db: Session, contact: Contact | None) -> tuple[str, Account | None]:
    """`may_log_in`'s answer and the account it read (None unless 'ok'), for a login that goes on with it."""
    if contact is None:
        return "unknown", None
    if not contact.active:
        return "inactive", None
    if not contact.portal_access:
        return "no_access", None
    account = db.get(Account, contact.account_id)
    if account is None or not account.active:
        return "account_inactive", None
    return "ok", account


def set_time_zone(db: Session, ctx, raw) -> str:
    """The acting contact's own time zone: "" (as their device) or a known zone name; a bad name is
    refused with the name in the message. Only the contact behind the session is ever changed."""
    from portal_app.core import zones

    name = zones.check_choice(raw)
    contact = get_contact(db, ctx.contact_id)
    if contact.time_zone != name:
        contact.time_zone = name
        db.add(contact)
        audit.record(db, audit.portal_actor(ctx), "contact.time_zone_saved", target_type="contact",
                     target_id=contact.id, account_id=contact.account_id, zone=name or "device")
    return name
