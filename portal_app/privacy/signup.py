"""Self-service sign-up (a business option, off by default), linked from the login page: an email, then
the code sent to it, then a name. The new contact gets the GDPR space only, on the account whose email
domains match; with no single match they wait for staff. Staff are told either way.

The answers never tell whether an address is known: every request walks the same path (a challenge
row, one email queued, sent after the commit); a known address gets a "you already have access" email
instead of a code, so its code can never be typed right. Abuse limits: sign-ups per client address and
per email address per hour, five tries per code, ten minutes per code."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, func, select

from portal_app.core import access, accounts, audit, clock, i18n, notify
from portal_app.core.accounts import check_email, normalise_email
from portal_app.core.auth.staff import StaffContext
from portal_app.core.db import fetch_page
from portal_app.core.business import branding, business_view
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.models.accounts import ROLE_MEMBER, Account, Contact
from portal_app.core.models.auth import StaffUser
from portal_app.core.security import hashes_equal, hmac_hash, new_code, only_ascii_digits
from portal_app.privacy.models import SignupChallenge
from portal_app.privacy.settings import get_settings_row

CODE_TTL_SECONDS = 10 * 60
MAX_CODE_ATTEMPTS = 5
MAX_SIGNUPS_PER_IP_PER_HOUR = 5
MAX_SIGNUPS_PER_EMAIL_PER_HOUR = 3
NAME_MAX_CHARS = 100
HOUR = timedelta(hours=1)
CODE_PURPOSE = "signup-code"
SIGNUP_RIGHTS = ["gdpr"]  # the GDPR space only; staff widen it
REVIEW_ROUTE = "/admin/signups"  # the console page where staff attach or reject waiting sign-ups
REVIEW_PAGE_SIZE = 20
ACCOUNT_CHOICES_LIMIT = 500


def enabled(db: Session) -> bool:
    return get_settings_row(db).signup_enabled


def _code_hash(challenge_id: int, code: str) -> str:
    return hmac_hash(f"{challenge_id}:{code}", CODE_PURPOSE)


def start(db: Session, raw_email: str, client_ip: str = "") -> tuple[int, list[notify.Delivery]]:
    """Step one: (the challenge's id, kept server-side by the caller; the deliveries to dispatch after the
    commit). Raises only for a switched-off option, a malformed address or the rate limits."""
    if not enabled(db):
        raise DomainError("signup.error.off")
    email = normalise_email(raw_email)
    try:
        check_email(email)
    except DomainError:
        raise DomainError("login.error.email_invalid") from None
    now = clock.now()
    recent = select(func.count()).select_from(SignupChallenge).where(SignupChallenge.created_at > now - HOUR)
    if db.exec(recent.where(SignupChallenge.client_ip == client_ip[:64])).one() >= MAX_SIGNUPS_PER_IP_PER_HOUR \
            or db.exec(recent.where(SignupChallenge.email == email)).one() >= MAX_SIGNUPS_PER_EMAIL_PER_HOUR:
        raise DomainError("login.error.too_many_requests")
    known = db.exec(select(Contact).where(Contact.email == email)).first()
    row = SignupChallenge(email=email, client_ip=client_ip[:64], created_at=now,
                          expires_at=now + timedelta(seconds=CODE_TTL_SECONDS))
    db.add(row)
    db.flush()
    code = new_code()
    # A known address: its code is never sent (the email says "log in instead"), so it cannot be typed.
    row.code_hash = _code_hash(row.id, code if known is None else new_code() + "x")
    db.add(row)
    brand, default = branding(db), business_view(db).default_language  # read for every address alike
    lang = known.language if known else default
    if known is None:
        mail = notify.render_email("signup_code", lang, brand, code=code, minutes=CODE_TTL_SECONDS // 60)
    else:
        mail = notify.render_email("signup_existing", lang, brand, link=notify.portal_url("/login"))
    delivery = notify.queue_email(db, to=email, template="signup_code" if known is None else "signup_existing",
                                  language=lang, rendered=mail, sender_name=brand.sender_name, sensitive=True,
                                  redact=(code,), contact_id=known.id if known else None,
                                  account_id=known.account_id if known else None)
    audit.record(db, audit.Actor("system", None, "sign-up", client_ip=client_ip), "signup.started",
                 target_type="signup", target_id=row.id)
    return row.id, [delivery]


def _open(db: Session, challenge_id: int) -> SignupChallenge:
    row = db.get(SignupChallenge, challenge_id) if isinstance(challenge_id, int) else None
    if row is None or row.used_at is not None or row.expires_at <= clock.now() \
            or row.attempts >= MAX_CODE_ATTEMPTS:
        raise DomainError("signup.error.expired")
    return row


def verify(db: Session, challenge_id: int, typed: str) -> None:
    """Step two: the code. Five wrong tries end the sign-up (the caller commits the count)."""
    row = _open(db, challenge_id)
    if row.verified_at is not None:
        return
    if not hashes_equal(row.code_hash, _code_hash(row.id, only_ascii_digits(typed))):
        row.attempts += 1
        db.add(row)
        raise DomainError("login.error.wrong_code")
    row.verified_at = clock.now()
    db.add(row)


def domain_of(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower()


def matching_accounts(db: Session, email: str) -> list[Account]:
    """Active accounts one of whose email domains (comma- or space-separated, "@" optional) is the address's."""
    wanted = domain_of(email)
    if not wanted:
        return []
    candidates = db.exec(select(Account).where(Account.active.is_(True), Account.domains.contains(wanted))).all()
    return [a for a in candidates
            if wanted in {d.strip().lstrip("@").lower() for d in a.domains.replace(",", " ").split()}]


def finish(db: Session, challenge_id: int, *, first_name: str, last_name: str,
           language: str) -> tuple[Contact | None, list[notify.Delivery]]:
    """Step three: the name. Returns the new contact (None: waiting for staff) and the staff's emails."""
    row = _open(db, challenge_id)
    if row.verified_at is None:
        raise DomainError("signup.error.expired")
    first, last = first_name.strip()[:NAME_MAX_CHARS], last_name.strip()[:NAME_MAX_CHARS]
    if not (first or last):
        raise DomainError("privacy.error.name_required")
    if language not in business_view(db).languages:
        language = business_view(db).default_language
    if db.exec(select(Contact.id).where(Contact.email == row.email)).first() is not None:
        raise DomainError("signup.error.expired")  # taken meanwhile (staff created it): log in instead
    row.used_at, row.first_name, row.last_name, row.language = clock.now(), first, last, language
    matches = matching_accounts(db, row.email)
    contact = None
    if len(matches) == 1:
        contact = Contact(account_id=matches[0].id, email=row.email, first_name=first, last_name=last,
                          language=language, portal_role=ROLE_MEMBER, rights=list(SIGNUP_RIGHTS),
                          created_at=clock.now())
        db.add(contact)
        db.flush()
        row.contact_id = contact.id
        audit.record(db, audit.Actor("contact", contact.id, contact.email), "signup.done", target_type="contact",
                     target_id=contact.id, account_id=contact.account_id)
    else:
        row.waiting = True
        audit.record(db, audit.Actor("system", None, "sign-up"), "signup.waiting", target_type="signup",
                     target_id=row.id, matches=len(matches))
    db.add(row)
    return contact, _tell_staff(db, row, contact)


def _tell_staff(db: Session, row: SignupChallenge, contact: Contact | None) -> list[notify.Delivery]:
    brand = branding(db)
    lang = business_view(db).default_language
    account = db.get(Account, contact.account_id) if contact else None
    path = f"/admin/contact?id={contact.id}" if contact else REVIEW_ROUTE
    mail = notify.render_email("signup_staff", lang, brand, link=notify.portal_url(path),
                               name=f"{row.first_name} {row.last_name}".strip(), email=row.email,
                               account=account.name if account else i18n.t(lang, "signup.no_account"))
    staff = db.exec(select(StaffUser.email).where(StaffUser.active.is_(True), StaffUser.role.in_(("owner", "staff")))
                    .order_by(StaffUser.id)).all()
    return [notify.queue_email(db, to=to, template="signup_staff", language=lang, rendered=mail,
                               sender_name=brand.sender_name) for to in staff]


def waiting(db: Session, limit: int = 50) -> list[SignupChallenge]:
    """Sign-ups with no matching account, for staff (newest first)."""
    return list(db.exec(select(SignupChallenge).where(SignupChallenge.waiting.is_(True))
                        .order_by(SignupChallenge.id.desc()).limit(limit)).all())


# ---- staff: the waiting sign-ups (console page /admin/signups) ----------------------------------------


def waiting_page(db: Session, *, page: int = 1, page_size: int = REVIEW_PAGE_SIZE):
    """One page of the waiting sign-ups, the oldest first (they have waited longest), and their count."""
    query = select(SignupChallenge).where(SignupChallenge.waiting.is_(True)).order_by(SignupChallenge.id)
    count = select(func.count()).select_from(SignupChallenge).where(SignupChallenge.waiting.is_(True))
    return fetch_page(db, query, count, page=page, page_size=page_size)


def waiting_count(db: Session) -> int:
    return db.exec(select(func.count()).select_from(SignupChallenge).where(SignupChallenge.waiting.is_(True))).one()


def _waiting_row(db: Session, signup_id) -> SignupChallenge:
    """A sign-up still waiting for staff; a handled, unfinished or missing one is the same NotFound."""
    row = db.get(SignupChallenge, signup_id) if isinstance(signup_id, int) else None
    if row is None or not row.waiting:
        raise NotFound()
    return row


def account_choices(db: Session, signup_id) -> list[tuple[int, str, bool]]:
    """The accounts a waiting sign-up may be attached to: (id, label, its domains match the address),
    the matching ones first (several matched, or an inactive one did), then every active account."""
    row = _waiting_row(db, signup_id)
    matched = {a.id for a in matching_accounts(db, row.email)}
    found = db.exec(select(Account.id, Account.name, Account.number).where(Account.active.is_(True))
                    .order_by(Account.name, Account.id).limit(ACCOUNT_CHOICES_LIMIT)).all()
    choices = [(aid, f"{name} ({number})", aid in matched) for aid, name, number in found]
    return sorted(choices, key=lambda c: not c[2])


def attach(db: Session, staff: StaffContext, signup_id, account_id, *,
           send_access: bool) -> tuple[Contact, list[notify.Delivery]]:
    """Staff put a waiting sign-up on an account: the contact is made with the GDPR space only (as a
    matched sign-up is), and, when asked, gets the access email. Returns the deliveries to dispatch."""
    row = _waiting_row(db, signup_id)
    account = accounts.get_account(db, account_id)
    if not account.active:
        raise DomainError("signup.error.account_inactive")
    language = row.language if row.language in business_view(db).languages else business_view(db).default_language
    contact = accounts.save_contact(db, staff.actor, accounts.ContactInput(
        account_id=account.id, email=row.email, first_name=row.first_name, last_name=row.last_name,
        language=language, portal_role=ROLE_MEMBER, rights=list(SIGNUP_RIGHTS)))
    row.waiting, row.contact_id, row.handled_at = False, contact.id, clock.now()
    db.add(row)
    audit.record(db, staff.actor, "signup.attached", target_type="contact", target_id=contact.id,
                 account_id=account.id, signup_id=row.id)
    return contact, (access.send_invitation(db, staff.actor, contact.id) if send_access else [])


def reject(db: Session, staff: StaffContext, signup_id) -> list[notify.Delivery]:
    """Staff decline a waiting sign-up: no contact is made, the name is forgotten, and the person is told
    (the waiting page promised an answer by email). Returns the delivery to dispatch."""
    row = _waiting_row(db, signup_id)
    row.waiting, row.handled_at, row.first_name, row.last_name = False, clock.now(), "", ""
    db.add(row)
    audit.record(db, staff.actor, "signup.rejected", target_type="signup", target_id=row.id)
    brand = branding(db)
    lang = row.language or business_view(db).default_language
    mail = notify.render_email("signup_declined", lang, brand)
    return [notify.queue_email(db, to=row.email, template="signup_declined", language=lang, rendered=mail,
                               sender_name=brand.sender_name)]
