"""Staff side of privacy and self-service: waiting sign-ups attached to an account or rejected (rules and
the console list), exports staff prepare and download themselves (rules and the contact page's panel),
and the contact page's "Give access" offer after a right is granted."""

from __future__ import annotations

import io
import itertools
import json
import time
import zipfile

import pytest
from sqlmodel import func, select

from portal_app.console.contacts_state import AdminContactState
from portal_app.core import access, accounts, clock, files
from portal_app.core.auth import sessions, staff as staff_auth
from portal_app.core.db import session_scope
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.models.accounts import Contact
from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.notify import OutboundMessage
from portal_app.privacy import access_log, requests, signup
from portal_app.privacy.admin_state import AdminDataExportState, AdminPrivacyRequestsState, AdminSignupsState
from portal_app.privacy.models import PrivacyRequest, SignupChallenge
from tests.factories import make_account, make_contact, staff_ctx, staff_session
from tests.privacy.conftest import ctx_of
from tests.support.states import router_data, run_background, sub

_n = itertools.count(1)


def _domain() -> str:
    return f"wait{next(_n)}-{time.time_ns() % 10**9}.example"


def waiting_signup(db, *, email: str | None = None, first="Ines", last="Waiting", language="fr") -> int:
    """A sign-up that went through email, code and name and matched no account (the flow itself is tested
    in test_signup.py)."""
    now = clock.now()
    row = SignupChallenge(email=email or f"ines{next(_n)}@{_domain()}", created_at=now, expires_at=now,
                          verified_at=now, used_at=now, waiting=True, first_name=first, last_name=last,
                          language=language)
    db.add(row)
    db.flush()
    return row.id


def _messages(recipient: str, template: str) -> list[OutboundMessage]:
    with session_scope() as db:
        return list(db.exec(select(OutboundMessage).where(OutboundMessage.recipient == recipient,
                                                          OutboundMessage.template == template)).all())


def _audited(action: str, **where) -> list[AuditEvent]:
    with session_scope() as db:
        query = select(AuditEvent).where(AuditEvent.action == action)
        for name, value in where.items():
            query = query.where(getattr(AuditEvent, name) == value)
        return list(db.exec(query).all())


# ---- 1. waiting sign-ups -----------------------------------------------------------------------------


def test_a_waiting_sign_up_keeps_its_language_and_staff_are_pointed_to_the_sign_ups_page():
    from tests.privacy.test_signup import _code, _ip
    from portal_app.privacy import settings
    from tests.factories import make_staff

    email = f"solo@{_domain()}"
    with session_scope() as db:
        settings.update_settings(db, staff_ctx(db).actor, intro={}, dpo_email="", signup_enabled=True)
        owner = make_staff(db, email=f"signups-owner{next(_n)}@guichet.example").email
    try:
        with session_scope() as db:
            signup_id, _ = signup.start(db, email, _ip())
        with session_scope() as db:
            signup.verify(db, signup_id, _code(email))
            contact, told = signup.finish(db, signup_id, first_name="Sam", last_name="Solo", language="de")
            assert contact is None and told
    finally:
        with session_scope() as db:
            settings.update_settings(db, staff_ctx(db).actor, intro={}, dpo_email="", signup_enabled=False)
    with session_scope() as db:
        assert db.get(SignupChallenge, signup_id).language == "de"
    mail = _messages(owner, "signup_staff")[-1]
    assert "/admin/signups" in mail.body_text and email in mail.body_text


def test_staff_attach_a_waiting_sign_up_with_the_gdpr_space_only_and_it_is_audited():
    with session_scope() as db:
        account = make_account(db, name="Attach Ltd")
        signup_id = waiting_signup(db, first="Ines", last="Attach", language="fr")
        email = db.get(SignupChallenge, signup_id).email
        account_id = account.id
    with session_scope() as db:
        staff = staff_ctx(db)
        contact, deliveries = signup.attach(db, staff, signup_id, account_id, send_access=True)
        assert len(deliveries) == 1
        assert (contact.account_id, contact.portal_role, contact.language) == (account_id, "member", "fr")
        assert accounts.effective_rights(contact) == ["gdpr"] and contact.portal_access and contact.invited_at
        contact_id = contact.id
    with session_scope() as db:
        row = db.get(SignupChallenge, signup_id)
        assert (row.waiting, row.contact_id) == (False, contact_id) and row.handled_at is not None
        assert signup_id not in [w.id for w in signup.waiting(db)]
        assert accounts.may_log_in(db, db.get(Contact, contact_id)) == "ok"
    assert len(_messages(email, "invitation")) == 1
    done = _audited("signup.attached", target_id=contact_id)
    assert len(done) == 1 and done[0].actor_type == "staff" and done[0].account_id == account_id
    with session_scope() as db, pytest.raises(NotFound):  # handled: it cannot make a second contact
        signup.attach(db, staff_ctx(db), signup_id, account_id, send_access=False)


def test_attaching_without_the_access_email_sends_nothing():
    with session_scope() as db:
        account_id = make_account(db, name="Quiet Ltd").id
        signup_id = waiting_signup(db)
        email = db.get(SignupChallenge, signup_id).email
    with session_scope() as db:
        contact, deliveries = signup.attach(db, staff_ctx(db), signup_id, account_id, send_access=False)
        assert deliveries == [] and contact.invited_at is None
    assert _messages(email, "invitation") == []


def test_attaching_refuses_an_inactive_or_missing_account_and_an_address_taken_meanwhile():
    with session_scope() as db:
        inactive = make_account(db, name="Closed Ltd", active=False).id
        active = make_account(db, name="Open Ltd").id
        signup_id = waiting_signup(db)
        email = db.get(SignupChallenge, signup_id).email
    for account_id, error in ((inactive, "signup.error.account_inactive"), (999999999, "error.not_found")):
        with session_scope() as db, pytest.raises(DomainError) as refused:
            signup.attach(db, staff_ctx(db), signup_id, account_id, send_access=True)
        assert refused.value.key == error
    with session_scope() as db:
        make_contact(db, db.get(accounts.Account, active), email=email)  # staff made it by hand meanwhile
    with session_scope() as db, pytest.raises(DomainError) as taken:
        signup.attach(db, staff_ctx(db), signup_id, active, send_access=True)
    assert taken.value.key == "contact.error.email_taken"
    with session_scope() as db:
        assert db.get(SignupChallenge, signup_id).waiting is True  # still waiting: nothing half done
    for bad in ("1", None, -1, 999999999):
        with session_scope() as db, pytest.raises(NotFound):
            signup.attach(db, staff_ctx(db), bad, active, send_access=False)


def test_rejecting_forgets_the_name_tells_the_person_and_is_audited():
    with session_scope() as db:
        signup_id = waiting_signup(db, first="Rex", last="Rejected", language="nl")
        email = db.get(SignupChallenge, signup_id).email
    with session_scope() as db:
        assert len(signup.reject(db, staff_ctx(db), signup_id)) == 1
    with session_scope() as db:
        row = db.get(SignupChallenge, signup_id)
        assert (row.waiting, row.contact_id, row.first_name, row.last_name) == (False, None, "", "")
        assert db.exec(select(Contact).where(Contact.email == email)).first() is None
    declined = _messages(email, "signup_declined")
    assert len(declined) == 1 and declined[0].language == "nl"
    assert len(_audited("signup.rejected", target_id=signup_id)) == 1
    with session_scope() as db, pytest.raises(NotFound):
        signup.reject(db, staff_ctx(db), signup_id)


def test_the_accounts_offered_list_the_matching_ones_first():
    d = _domain()
    with session_scope() as db:
        first = make_account(db, name="AAA first by name").id
        one = make_account(db, name="ZZZ Match one", domains=d).id
        two = make_account(db, name="ZZZ Match two", domains=f"@{d}").id
        make_account(db, name="Closed", active=False, domains=d)
        signup_id = waiting_signup(db, email=f"both@{d}")
    with session_scope() as db:
        choices = signup.account_choices(db, signup_id)
    assert [c[0] for c in choices[:2]] == [one, two] and all(c[2] for c in choices[:2])
    assert first in [c[0] for c in choices[2:]] and not any(c[2] for c in choices[2:])


def test_the_sign_ups_page_lists_attaches_and_rejects(root):
    with session_scope() as db:
        account_id = make_account(db, name="Page Ltd").id
        keep, drop = waiting_signup(db, first="Keep"), waiting_signup(db, first="Drop")
        owner = staff_session(db)
    page = sub(root, AdminSignupsState)
    page.staff_sid = owner
    page.router = router_data("/admin/signups", {})
    page.load_list()
    assert page.error_key == "" and {keep, drop} <= {r.id for r in page.rows}
    with session_scope() as db:
        assert page.total == signup.waiting_count(db)
    page.choose_signup(keep, "attach")
    assert page.dialog == "attach" and str(account_id) in [o.value for o in page.account_options]
    page.attach_signup({"account_id": str(account_id), "send_access": "on"})
    assert page.error_key == "" and page.notice_key == "admin.signups.attached" and page.dialog == ""
    assert keep not in [r.id for r in page.rows]
    page.choose_signup(drop, "reject")
    assert page.dialog == "reject"
    page.reject_signup()
    assert page.notice_key == "admin.signups.rejected" and drop not in [r.id for r in page.rows]
    for bad in ("1 or 1=1", -1, 999999999, keep):  # a handled sign-up is no longer there
        page.choose_signup(bad, "attach")
        assert page.error_key == "error.not_found"


def test_an_agent_reads_the_sign_ups_but_attaches_and_rejects_nothing(root):
    with session_scope() as db:
        account_id = make_account(db, name="Agent Ltd").id
        signup_id = waiting_signup(db)
        agent = staff_session(db, role="agent")
    page = sub(root, AdminSignupsState)
    page.staff_sid = agent
    page.router = router_data("/admin/signups", {})
    page.load_list()
    assert page.error_key == "" and signup_id in [r.id for r in page.rows]
    page.chosen_id = signup_id
    page.attach_signup({"account_id": str(account_id), "send_access": "on"})
    assert page.error_key == "error.role_forbidden"
    page.reject_signup()
    assert page.error_key == "error.role_forbidden"
    with session_scope() as db:
        assert db.get(SignupChallenge, signup_id).waiting is True
    page.staff_sid = "forged"
    page.load_list()
    assert page.error_key == "error.session_over"


# ---- 2. exports staff prepare ------------------------------------------------------------------------


@pytest.fixture
def contact_with_data():
    with session_scope() as db:
        c = make_contact(db, make_account(db, name=f"Export {next(_n)}"), email=f"export{next(_n)}@example.com",
                         rights=["gdpr"])
        return c.id, c.account_id


def _owner(db):
    """A fresh owner's console token and context (each test its own: exports belong to one staff member)."""
    token = staff_session(db)
    return token, staff_auth.resolve(db, token)


def test_a_staff_export_is_the_contacts_archive_kept_apart_from_their_own_requests(contact_with_data):
    contact_id, account_id = contact_with_data
    with session_scope() as db:
        _, staff = _owner(db)
        row = requests.request_staff_export(db, staff, contact_id)
        request_id = row.id
        with pytest.raises(DomainError):  # one open at a time per staff member and contact
            requests.request_staff_export(db, staff, contact_id)
    # The contact's own page does not build it, the builder for this staff member does.
    assert requests.build_next_archive(contact_id) is None
    assert requests.build_next_archive(contact_id, staff.staff_id) == request_id
    with session_scope() as db:
        built = db.get(PrivacyRequest, request_id)
        assert built.status == "ready" and built.requested_by_staff_id == staff.staff_id
        with zipfile.ZipFile(io.BytesIO(files.stored_path(requests.AREA, built.stored_name).read_bytes())) as z:
            data = json.loads(z.read("data.json"))
        contact = db.get(Contact, contact_id)
        assert set(data) == set(requests.collect(db, contact)[0])  # the same sections as the contact's own
        # Not the contact's: not in their list, not in the legal queue, and it does not block their own request.
        ctx = ctx_of(db, sessions.open_session(db, contact_id))
        assert requests.list_for_contact(db, ctx) == []
        found, _ = requests.staff_queue(db, status="all", page=1, page_size=500)
        assert request_id not in [r.id for r, _ in found]
        assert requests.create_request(db, ctx, "export").requested_by_staff_id is None
    asked = _audited("privacy.staff_export_requested", target_id=contact_id)
    assert len(asked) == 1 and asked[0].actor_type == "staff" and asked[0].account_id == account_id


def test_the_contact_sees_in_their_access_log_that_staff_exported_their_data(contact_with_data):
    contact_id, _ = contact_with_data
    with session_scope() as db:
        _, staff = _owner(db)
        requests.request_staff_export(db, staff, contact_id)
        ctx = ctx_of(db, sessions.open_session(db, contact_id))
        assert "privacy.staff_export_requested" in [c.action for c in access_log.access_changes(db, ctx)]


def test_the_contact_page_panel_prepares_builds_and_links_the_export(contact_with_data, root):
    contact_id, _ = contact_with_data
    with session_scope() as db:
        token, _ = _owner(db)
    panel = sub(root, AdminDataExportState)
    panel.staff_sid = token
    panel.router = router_data("/admin/contact", {"id": contact_id})
    assert panel.load_staff_exports() is None and panel.staff_exports == []
    assert panel.prepare_staff_export() == AdminDataExportState.watch_staff_export
    assert panel.staff_exports[0].status == "preparing" and panel.staff_exports[0].href == ""
    run_background(panel, "watch_staff_export")
    row = panel.staff_exports[0]
    assert row.status == "ready" and row.progress == 100 and not panel.building
    assert row.href.startswith(f"/api/admin/privacy/archive/{row.id}/") and len(row.href.rsplit("/", 1)[1]) == 64
    for bad in ("999999999", "1 or 1=1", "-3"):
        panel.router = router_data("/admin/contact", {"id": bad})
        panel.load_staff_exports()
        assert panel.staff_exports == [] and panel.flash_key == "error.not_found"


def test_the_queue_offers_a_staff_copy_of_a_contacts_export(contact_with_data, root):
    contact_id, _ = contact_with_data
    with session_scope() as db:
        own = requests.create_request(db, ctx_of(db, sessions.open_session(db, contact_id)), "export")
        own_id = own.id
        token, staff = _owner(db)
    queue = sub(root, AdminPrivacyRequestsState)
    queue.staff_sid = token
    queue.router = router_data("/admin/privacy-requests", {})
    queue.load_list()
    redirect = queue.staff_copy(own_id)
    assert queue.error_key == "" and f"/admin/contact?id={contact_id}" in str(redirect)
    with session_scope() as db:
        assert [r.requested_by_staff_id for r in requests.staff_exports(db, staff, contact_id)] == [staff.staff_id]
        mine = requests.staff_exports(db, staff, contact_id)[0].id
    queue.staff_copy(mine)  # a staff export is not in the queue
    assert queue.error_key == "error.not_found"
    with session_scope() as db:
        agent = staff_session(db, role="agent")
    queue.staff_sid = agent
    queue.staff_copy(own_id)
    assert queue.error_key == "error.role_forbidden"


# ---- 3. "Give access" after granting a right ---------------------------------------------------------


def _contact_form(contact: accounts.ContactInput, rights) -> dict:
    form = {"email": contact.email, "first_name": contact.first_name, "last_name": contact.last_name,
            "mobile": contact.mobile, "language": contact.language, "portal_role": contact.portal_role,
            "active": "on" if contact.active else ""}
    if contact.portal_access:
        form["portal_access"] = "on"
    return form | {f"right_{m}": "on" for m in rights}


def _open_contact(root, token, contact_id):
    page = sub(root, AdminContactState)
    page.staff_sid = token
    page.router = router_data("/admin/contact", {"id": contact_id})
    page.load_contact()
    return page


def test_granting_a_right_to_a_contact_without_access_offers_it_and_sends_only_when_asked(root):
    with session_scope() as db:
        c = make_contact(db, make_account(db, name="Offer Ltd"), email=f"offer{next(_n)}@example.com",
                         portal_access=False, rights=["messages"])
        contact_id, email = c.id, c.email
        owner = staff_session(db)
    page = _open_contact(root, owner, contact_id)
    assert page.offer_access is False
    page.save_contact(_contact_form(page.contact, ["messages"]))  # no new right: no offer
    assert page.saved and page.offer_access is False
    page.save_contact(_contact_form(page.contact, ["messages", "gdpr"]))
    assert page.saved and page.offer_access is True
    assert _messages(email, "invitation") == []  # saving sends nothing
    page.open_give_access()
    assert page.dialog == "give_access" and page.preview_open and page.preview_to == email
    page.give_access()
    assert page.flash_key == "" and page.invitation_sent and page.offer_access is False and page.dialog == ""
    assert len(_messages(email, "invitation")) == 1
    with session_scope() as db:
        assert db.get(Contact, contact_id).portal_access is True and db.get(Contact, contact_id).invited_at
    assert len(_audited("contact.access_given", target_id=contact_id)) == 1
    assert len(_audited("contact.invite", target_id=contact_id)) == 1
    page.save_contact(_contact_form(page.contact, ["messages", "gdpr", "tickets"]))  # invited now: no offer
    assert page.saved and page.offer_access is False


def test_a_contact_who_already_logged_in_is_not_offered_the_access_email(root):
    with session_scope() as db:
        c = make_contact(db, make_account(db, name="Known Ltd"), email=f"known{next(_n)}@example.com",
                         rights=["messages"])
        c.last_login_at = clock.now()
        db.add(c)
        contact_id = c.id
        assert not access.needs_access_email(c)
        owner = staff_session(db)
    page = _open_contact(root, owner, contact_id)
    page.save_contact(_contact_form(page.contact, ["messages", "gdpr"]))
    assert page.saved and page.offer_access is False


def test_a_new_contact_is_offered_the_access_email_on_its_own_page_only(root):
    with session_scope() as db:
        account_id = make_account(db, name="New Offer Ltd").id
        other = make_contact(db, email=f"other-offer{next(_n)}@example.com").id
        owner = staff_session(db)
    page = sub(root, AdminContactState)
    page.staff_sid = owner
    page.router = router_data("/admin/contact", {"account": account_id})
    page.load_contact()
    email = f"brand-new{next(_n)}@example.com"
    redirect = page.save_contact(_contact_form(accounts.ContactInput(account_id, email, portal_access=True),
                                               ["messages"]))
    new_id = page.contact_id
    assert redirect is not None and new_id
    page.router = router_data("/admin/contact", {"id": new_id})
    page.load_contact()
    assert page.offer_access is True  # kept across the redirect to its page
    page.router = router_data("/admin/contact", {"id": other})
    page.load_contact()
    assert page.offer_access is False
    assert _messages(email, "invitation") == []


def test_giving_access_needs_the_rights_of_both_acts(root):
    with session_scope() as db:
        c = make_contact(db, make_account(db, name="Agent Offer Ltd"), email=f"agent-offer{next(_n)}@example.com",
                         portal_access=False)
        contact_id, email = c.id, c.email
        agent = staff_session(db, role="agent")
    page = _open_contact(root, agent, contact_id)
    page.give_access()  # an agent sends invitations but does not change a contact's access
    assert page.flash_key == "error.role_forbidden"
    page.staff_sid = "forged"
    page.give_access()
    assert page.flash_key == "error.session_over"
    with session_scope() as db:
        assert db.get(Contact, contact_id).portal_access is False
        assert db.exec(select(func.count()).select_from(OutboundMessage)
                       .where(OutboundMessage.recipient == email)).one() == 0


# ---- what the issue asks of the console that had no test of its own -----------------------------------


def test_staff_write_the_gdpr_texts_per_language_and_the_contact_reads_theirs(root):
    """The settings page (area settings: owners only) saves an intro per language and the DPO's email; a
    contact reads the intro in their language, else in the business's default language."""
    from portal_app.core.business import business_view
    from portal_app.privacy import settings
    from portal_app.privacy.admin_state import AdminPrivacySettingsState

    with session_scope() as db:
        owner, staff_member = staff_session(db), staff_session(db, role="staff")
        default = business_view(db).default_language
    page = sub(root, AdminPrivacySettingsState)
    page.staff_sid = owner
    page.load_settings()
    assert set(page.intro_languages) >= {"en", "fr", "de"}
    try:
        page.save_settings({"dpo_email": " DPO@Example.com ", f"intro_{default}": "Default words",
                            "intro_fr": "Vos données, vos choix."})
        assert page.saved and page.dpo_email == "dpo@example.com" and page.intro["fr"] == "Vos données, vos choix."
        with session_scope() as db:
            row = settings.get_settings_row(db)
            assert settings.text_in(row.intro, "fr", default) == "Vos données, vos choix."
            other = next(code for code in ("de", "nl", "da") if code != default)
            assert settings.text_in(row.intro, other, default) == "Default words"
        page.save_settings({"dpo_email": "not an email"})
        assert not page.saved and page.flash_key == "privacy.error.dpo_email"
        page.staff_sid = staff_member  # the business's settings are the owner's
        page.save_settings({"dpo_email": ""})
        assert page.flash_key == "error.role_forbidden"
    finally:
        with session_scope() as db:
            settings.update_settings(db, staff_ctx(db).actor, intro={}, dpo_email="")


def test_staff_edit_consent_purposes_per_language(root):
    from portal_app.privacy import consents
    from portal_app.privacy.admin_state import AdminConsentPurposesState

    with session_scope() as db:
        owner, agent = staff_session(db), staff_session(db, role="agent")
    page = sub(root, AdminConsentPurposesState)
    page.staff_sid = owner
    page.load_purposes()
    page.edit_purpose(0)
    assert page.dialog == "purpose" and page.editing_id == 0
    name = f"Surveys {_domain()}"
    page.save_purpose({"name_en": name, "name_fr": "Enquêtes", "description_en": "Twice a year", "active": "on"})
    assert page.error_key == "" and page.dialog == ""
    saved = next(p for p in page.purposes if p.name == name)
    assert saved.names["fr"] == "Enquêtes" and saved.active
    page.edit_purpose(saved.id)
    page.save_purpose({"name_en": name, "name_fr": "Enquêtes"})  # unticked: withdrawn from the customers' page
    with session_scope() as db:
        assert not next(p for p in consents.list_purposes(db) if p.id == saved.id).active
    for bad in ("1 or 1=1", -1):
        page.edit_purpose(bad)
        assert page.error_key == "error.not_found"
    page.staff_sid = agent
    page.save_purpose({"name_en": "Agent's"})
    assert page.error_key == "error.role_forbidden"


def test_the_contacts_download_and_an_erasure_are_in_the_audit_log(contact_with_data):
    """The issue asks both to be audited; the other tests check what they do, this one what they record."""
    from portal_app.privacy import erasure

    contact_id, account_id = contact_with_data
    with session_scope() as db:
        ctx = ctx_of(db, sessions.open_session(db, contact_id))
        export = requests.create_request(db, ctx, "export").id
    requests.build_next_archive(contact_id)
    with session_scope() as db:
        ctx = ctx_of(db, sessions.open_session(db, contact_id))
        row = db.get(PrivacyRequest, export)
        requests.open_archive(db, ctx, export, requests.archive_token(row))
        erase = requests.create_request(db, ctx, "erasure").id
    taken = _audited("privacy.archive_downloaded", target_id=export)
    assert len(taken) == 1 and taken[0].actor_type == "contact" and taken[0].account_id == account_id
    with session_scope() as db:
        erasure.fulfil_erasure(db, staff_ctx(db), erase)
    done = _audited("privacy.erasure_done", target_id=contact_id)
    assert len(done) == 1 and done[0].actor_type == "staff" and done[0].account_id == account_id
