"""Time zones per reader: the rules (conversion across DST, the names accepted, the fallbacks), the
customer's and the staff member's choice (their own only, refused when it is not a zone), the browser's
zone reported by the shell, and the page formatted again in the new zone at once."""

from __future__ import annotations

import itertools
from datetime import datetime, timezone

import pytest
from sqlmodel import select

from portal_app.console.staff_state import AdminStaffState
from portal_app.core import accounts, i18n, registries, zones
from portal_app.core.auth import impersonation, sessions as portal_sessions, staff as staff_auth, staff_users
from portal_app.core.db import session_scope
from portal_app.core.errors import DomainError
from portal_app.core.models.accounts import Contact
from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.auth import StaffSession, StaffUser
from portal_app.core.states.portal import PortalState
from portal_app.core.states.staff import StaffState
from portal_app.privacy.state import PrivacyState
from tests.factories import make_account, make_contact, portal_ctx, staff_ctx, staff_session
from tests.support.states import _router, sub

UTC = timezone.utc
ROUTE = "/test-zones"
_n = itertools.count(1)
# 1 July 2026, 10:05 UTC: 12:05 in Paris (CEST), 17:05 in Bangkok, 06:05 in New York (EDT).
JOINED = datetime(2026, 7, 1, 10, 5, tzinfo=UTC)


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


def in_zone(name: str, value: datetime, lang: str = "en") -> str:
    with zones.reading(lambda: name):
        return plain(i18n.format_datetime(value, lang))


# ---- rules ----------------------------------------------------------------------------------------


def test_a_moment_reads_in_the_readers_zone_across_daylight_saving():
    # New York, 8 March 2026: 02:00 EST jumps to 03:00 EDT.
    assert in_zone("America/New_York", datetime(2026, 3, 8, 6, 30, tzinfo=UTC)) == "Mar 8, 2026, 1:30:00 AM"
    assert in_zone("America/New_York", datetime(2026, 3, 8, 7, 30, tzinfo=UTC)) == "Mar 8, 2026, 3:30:00 AM"
    # Paris, 29 March 2026: 02:00 CET jumps to 03:00 CEST; 25 October: 03:00 CEST goes back to 02:00 CET.
    assert in_zone("Europe/Paris", datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "fr") == "29 mars 2026, 01:30:00"
    assert in_zone("Europe/Paris", datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "fr") == "29 mars 2026, 03:00:00"
    assert in_zone("Europe/Paris", datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "fr") == "25 oct. 2026, 02:30:00"
    assert in_zone("Europe/Paris", datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "fr") == "25 oct. 2026, 02:30:00"
    # Bangkok has no DST; the day can be the next one.
    assert in_zone("Asia/Bangkok", datetime(2026, 11, 28, 20, 5, tzinfo=UTC)) == "Nov 29, 2026, 3:05:00 AM"
    with zones.reading(lambda: "Asia/Bangkok"):
        assert i18n.format_day(datetime(2026, 11, 28, 20, 5, tzinfo=UTC), "en") == "Nov 29, 2026"


def test_outside_an_event_and_with_an_explicit_zone():
    assert zones.reader_zone() == "UTC"
    assert plain(i18n.format_datetime(JOINED, "en")) == "Jul 1, 2026, 10:05:00 AM"
    assert plain(i18n.format_datetime(JOINED, "en", "Asia/Bangkok")) == "Jul 1, 2026, 5:05:00 PM"
    with zones.reading(lambda: "Not/AZone"):  # never trusted: UTC
        assert zones.reader_zone() == "UTC"


def test_abbreviations_beside_a_time_of_day():
    winter, summer = datetime(2026, 1, 15, 12, tzinfo=UTC), datetime(2026, 7, 15, 12, tzinfo=UTC)
    assert [zones.abbreviation(winter, z) for z in ("Europe/Paris", "America/New_York", "Asia/Bangkok")] == \
        ["CET", "EST", "UTC+07"]
    assert [zones.abbreviation(summer, z) for z in ("Europe/Paris", "America/New_York", "UTC")] == \
        ["CEST", "EDT", "UTC"]


@pytest.mark.parametrize("bad", ["Mars/Olympus_Mons", "../../etc/passwd", "<script>alert(1)</script>",
                                 "europe/paris", "Etc/GMT+7", "x" * 5000, "Europe/Paris\x00"])
def test_a_name_that_is_not_a_zone_is_refused_with_a_clear_message(bad):
    with pytest.raises(DomainError) as err:
        zones.check_choice(bad)
    assert err.value.key == "zone.error.unknown"
    assert err.value.params["zone"] == bad.strip()[:64]
    message = i18n.t("en", err.value.key, **err.value.params)
    assert "is not a time zone we know" in message and len(message) < 300


@pytest.mark.parametrize("garbage", [None, 12, ["Europe/Paris"], {"x": 1}, True])
def test_garbage_of_another_type_is_refused(garbage):
    with pytest.raises(DomainError) as err:
        zones.check_choice(garbage)
    assert err.value.key == "zone.error.unknown" and err.value.params == {"zone": ""}


def test_empty_means_the_device_and_names_are_trimmed():
    assert zones.check_choice("") == zones.check_choice("   ") == ""
    assert zones.check_choice("  Asia/Bangkok ") == "Asia/Bangkok"


def test_the_fallbacks(db):
    assert zones.effective("Asia/Bangkok", "Europe/Paris", "UTC") == "Asia/Bangkok"
    assert zones.effective("", "Europe/Paris", "UTC") == "Europe/Paris"
    assert zones.effective("", "Bogus/Zone", "America/New_York") == "America/New_York"
    assert zones.effective("", "", "") == "UTC"
    # The business's zone is the opening hours' (bookings registers it; core does not import it).
    assert registries.BUSINESS_ZONES and zones.business_zone(db) == "Europe/Paris"


def test_a_contact_sets_only_their_own_zone(db):
    me, other = make_contact(db), make_contact(db)
    ctx = portal_ctx(db, me)
    assert accounts.set_time_zone(db, ctx, "Asia/Bangkok") == "Asia/Bangkok"
    db.flush()
    assert db.get(Contact, me.id).time_zone == "Asia/Bangkok" and db.get(Contact, other.id).time_zone == ""
    with pytest.raises(DomainError):
        accounts.set_time_zone(db, ctx, "Atlantis/Capital")
    assert db.get(Contact, me.id).time_zone == "Asia/Bangkok"
    accounts.set_time_zone(db, ctx, "")
    assert db.get(Contact, me.id).time_zone == ""
    saved = db.exec(select(AuditEvent).where(AuditEvent.action == "contact.time_zone_saved")
                    .where(AuditEvent.target_id == me.id)).all()
    assert len(saved) == 2


# ---- the customer's page --------------------------------------------------------------------------


def _customer(**kw) -> tuple[str, int]:
    n = next(_n)
    with session_scope() as db:
        contact = make_contact(db, make_account(db, name=f"Zone Co {n}"), email=f"zone{n}@example.com",
                               portal_role="admin", language="en", **kw)
        contact.created_at = JOINED
        db.add(contact)
        return portal_sessions.open_session(db, contact.id), contact.id


def _privacy_page(root, monkeypatch) -> tuple[PortalState, PrivacyState]:
    monkeypatch.setitem(registries.PAGE_LOADS, ROUTE, registries.PageLoad("portal", (PrivacyState.load_privacy,)))
    for cls in (PortalState, PrivacyState):
        sub(root, cls).router = _router(ROUTE, {})
    return sub(root, PortalState), sub(root, PrivacyState)


def _stored(contact_id: int) -> str:
    with session_scope() as db:
        return db.get(Contact, contact_id).time_zone


def test_the_page_follows_the_device_then_the_chosen_zone_at_once(root, monkeypatch):
    portal, page = _privacy_page(root, monkeypatch)
    portal.portal_sid, contact_id = _customer()
    events = portal.open_page(ROUTE)
    # Nothing known yet: the business's zone, and the shell asks the browser for its own.
    assert plain(page.member_since) == "Jul 1, 2026, 12:05:00 PM" and portal.time_zone == "Europe/Paris"
    assert any("Intl.DateTimeFormat" in str(e) for e in events or [])

    portal.set_device_zone("Asia/Bangkok", ROUTE)
    assert portal.device_zone == portal.time_zone == "Asia/Bangkok"
    assert plain(page.member_since) == "Jul 1, 2026, 5:05:00 PM"
    assert portal.zone_automatic_label == "Automatic (this device: Asia/Bangkok)"
    assert not any("Intl" in str(e) for e in portal.open_page(ROUTE) or [])  # asked once per tab

    portal.save_time_zone({"time_zone": "America/New_York", "route": ROUTE})
    assert _stored(contact_id) == "America/New_York" and portal.chosen_zone == "America/New_York"
    assert plain(page.member_since) == "Jul 1, 2026, 6:05:00 AM" and portal.flash_key == "zone.saved"
    assert portal.zone_shown_text == "Times are shown in America/New York time."

    portal.choose_language("fr", ROUTE)  # another language: still New York's time
    assert page.member_since == "1 juil. 2026, 06:05:00"

    portal.save_time_zone({"time_zone": "", "route": ROUTE})  # back to the device
    assert _stored(contact_id) == "" and portal.time_zone == "Asia/Bangkok"
    assert page.member_since == "1 juil. 2026, 17:05:00"


def test_a_new_session_reads_in_the_stored_zone(root, monkeypatch):
    portal, page = _privacy_page(root, monkeypatch)
    portal.portal_sid, _ = _customer()
    with session_scope() as db:
        ctx = portal_sessions.resolve_session(db, portal.portal_sid)
        accounts.set_time_zone(db, ctx, "Asia/Bangkok")
    portal.open_page(ROUTE)
    assert portal.time_zone == "Asia/Bangkok" and plain(page.member_since) == "Jul 1, 2026, 5:05:00 PM"
    portal.set_device_zone("Europe/Paris", ROUTE)  # the choice wins over the device
    assert portal.time_zone == "Asia/Bangkok"


HOSTILE = ["Mars/Base", "", None, 12, 3.5, True, ["Asia/Bangkok"], {"zone": "Asia/Bangkok"},
           "<img src=x onerror=alert(1)>", "A" * 100_000, "Europe/Paris'; DROP TABLE contact;--"]


def test_hostile_values_from_the_browser(root, monkeypatch):
    portal, page = _privacy_page(root, monkeypatch)
    portal.portal_sid, contact_id = _customer()
    portal.open_page(ROUTE)
    portal.save_time_zone({"time_zone": "Asia/Bangkok", "route": ROUTE})
    for value in HOSTILE:
        portal.set_device_zone(value, ROUTE)
        portal.set_device_zone("Asia/Tokyo", value)  # a route that is no page: nothing runs again
        portal.save_time_zone({"time_zone": value, "route": value})
        assert _stored(contact_id) == ("" if value == "" else "Asia/Bangkok")
        portal.save_time_zone({"time_zone": "Asia/Bangkok"})
    for form in (None, "Asia/Tokyo", ["Asia/Tokyo"], 7):
        portal.save_time_zone(form)
        assert _stored(contact_id) == "Asia/Bangkok"
    portal.save_time_zone({"time_zone": "Mars/Base", "route": ROUTE})
    assert portal.flash_key == "zone.error.unknown" and portal.flash_params == {"zone": "Mars/Base"}
    assert portal.device_zone == "Asia/Tokyo"  # only a known zone was ever taken


def test_no_session_no_change_and_another_contacts_id_is_ignored(root, monkeypatch):
    portal, page = _privacy_page(root, monkeypatch)
    _, victim = _customer()
    portal.portal_sid, me = _customer()
    # The handler takes no contact id: whatever the form names, only the session's contact changes.
    portal.save_time_zone({"time_zone": "Asia/Bangkok", "route": ROUTE, "contact_id": str(victim), "id": victim})
    assert _stored(me) == "Asia/Bangkok" and _stored(victim) == ""
    portal.portal_sid = "ended-or-unknown"
    portal.save_time_zone({"time_zone": "America/New_York", "route": ROUTE})
    assert portal.flash_key == "error.session_over" and _stored(me) == "Asia/Bangkok"
    page.member_since = ""
    assert portal.set_device_zone("America/New_York", ROUTE) is None and page.member_since == ""


def test_staff_impersonating_cannot_change_the_contacts_zone(root, monkeypatch):
    portal, _ = _privacy_page(root, monkeypatch)
    _, contact_id = _customer()
    with session_scope() as db:
        portal.portal_sid = impersonation.start(db, staff_ctx(db, role="agent"), contact_id)
    portal.save_time_zone({"time_zone": "Asia/Bangkok", "route": ROUTE})
    assert portal.flash_key == "impersonation.error.refused" and _stored(contact_id) == ""


# ---- the console -----------------------------------------------------------------------------------


def test_staff_choose_their_own_zone_and_the_console_page_follows(root, monkeypatch):
    monkeypatch.setitem(registries.PAGE_LOADS, ROUTE, registries.PageLoad("staff", (AdminStaffState.load_list,)))
    console = sub(root, StaffState)
    with session_scope() as db:
        console.staff_sid = staff_session(db)
        other = staff_auth.create_staff(db, email=f"other{next(_n)}@guichet.example", password="correct horse battery")
        other_id = other.id
    with session_scope() as db:
        my_email = db.exec(select(StaffUser.email).join(StaffSession, StaffSession.staff_id == StaffUser.id)
                           .where(StaffSession.token_hash == staff_auth.hmac_hash(console.staff_sid,
                                                                                  staff_auth.TOKEN_PURPOSE))).one()
    # The database is shared with the whole suite: the list is narrowed to this staff member, as a search
    # would, so their row is on the first page however many staff other tests made.
    real_list = staff_users.list_staff
    monkeypatch.setattr(staff_users, "list_staff",
                        lambda db, q="", status="", page=1, **kw: real_list(db, q=my_email, status=status, page=page, **kw))
    listed = sub(root, AdminStaffState)
    listed.router = console.router = _router(ROUTE, {})
    console.open_page(ROUTE)
    with session_scope() as db:
        me = db.exec(select(StaffUser).where(StaffUser.email == my_email)).one()
        my_id, last_login = me.id, me.last_login_at
    mine = lambda: next(r for r in listed.rows if r.me)  # noqa: E731
    assert plain(mine().last_login) == in_zone("Europe/Paris", last_login)

    console.save_time_zone({"time_zone": "Asia/Bangkok", "route": ROUTE})
    with session_scope() as db:
        assert db.get(StaffUser, my_id).time_zone == "Asia/Bangkok" and db.get(StaffUser, other_id).time_zone == ""
    assert plain(mine().last_login) == in_zone("Asia/Bangkok", last_login)
    console.save_time_zone({"time_zone": "Nowhere/Land", "route": ROUTE})
    assert console.flash_key == "zone.error.unknown"
    console.staff_sid = "revoked"
    console.save_time_zone({"time_zone": "UTC", "route": ROUTE})
    with session_scope() as db:
        assert db.get(StaffUser, my_id).time_zone == "Asia/Bangkok"


def test_every_role_may_set_its_own_zone(root):
    for role in ("owner", "staff", "agent"):
        console = sub(root, StaffState)
        with session_scope() as db:
            console.staff_sid = staff_session(db, role=role)
        console.save_time_zone({"time_zone": "Asia/Bangkok", "route": "/nowhere"})
        assert console.flash_key == "zone.saved", role
