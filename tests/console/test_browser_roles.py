"""Staff roles in the browser: an owner invites a staff user, changes their role and deactivates them;
an agent does not see the staff users page and is refused when typing its address."""

from __future__ import annotations

import itertools
import re

from playwright.sync_api import expect
from sqlmodel import select

from portal_app.core.db import session_scope
from portal_app.core.models.auth import StaffUser
from portal_app.core.models.notify import OutboundMessage
from tests.support.browser import PHONE, no_horizontal_overflow, staff_page

_n = itertools.count(1)


def test_an_owner_manages_staff_and_an_agent_cannot(browser, app_url, shots):
    n = next(_n)
    invitee = f"new.agent{n}@guichet.example"
    owner = staff_page(browser, app_url, role="owner", viewport={"width": 1280, "height": 900})
    owner.goto(f"{app_url}/admin")
    nav = owner.get_by_role("navigation", name="Menu")
    nav.get_by_role("link", name="Staff users").click()
    expect(owner.get_by_role("heading", name="Staff users")).to_be_visible()

    # invite: the user is created and an email with the link to choose a password goes out
    owner.locator("#invite-staff").click()
    dialog = owner.get_by_role("dialog")
    dialog.get_by_label("Email").fill(invitee)
    dialog.get_by_label("Name").fill("Nina Neu")
    dialog.get_by_label("Role").select_option("agent")
    shots(owner, "staff-users-invite")
    owner.locator("#send-invite").click()
    expect(owner.get_by_text(f"Invitation sent to {invitee}.")).to_be_visible()
    with session_scope() as db:
        user = db.exec(select(StaffUser).where(StaffUser.email == invitee)).one()
        assert user.role == "agent" and user.invite_token_hash is not None
        mail = db.exec(select(OutboundMessage).where(OutboundMessage.recipient == invitee)).one()
    assert re.search(r"/admin/welcome\?token=", mail.body_text)

    # change the role, then deactivate
    owner.get_by_role("textbox", name="Name or email").fill(invitee)
    owner.get_by_role("button", name="Search").click()
    row = owner.get_by_role("row").filter(has_text=invitee)
    expect(row).to_contain_text("Invited")
    row.get_by_role("button", name=re.compile("Manage")).click()
    manage = owner.get_by_role("dialog")
    expect(manage).to_contain_text(invitee)
    manage.get_by_label("Role").select_option("staff")
    manage.get_by_role("button", name="Change role").click()
    expect(manage.get_by_text("Saved")).to_be_visible()
    shots(owner, "staff-users-manage")
    manage.get_by_role("button", name="Deactivate").click()
    owner.locator("#confirm-deactivate").click()
    expect(owner.get_by_text(f"{invitee} is deactivated.")).to_be_visible()
    expect(owner.get_by_role("row").filter(has_text=invitee)).to_contain_text("Deactivated")
    with session_scope() as db:
        user = db.exec(select(StaffUser).where(StaffUser.email == invitee)).one()
        assert (user.role, user.active) == ("staff", False)
    shots(owner, "staff-users-1280")
    owner.set_viewport_size(PHONE)
    owner.reload()
    expect(owner.get_by_role("heading", name="Staff users")).to_be_visible()
    assert no_horizontal_overflow(owner)
    shots(owner, "staff-users-390")

    # an agent: no link to staff users or settings, and the address alone shows the refusal
    agent = staff_page(browser, app_url, role="agent", viewport={"width": 1280, "height": 900})
    agent.goto(f"{app_url}/admin")
    agent_nav = agent.get_by_role("navigation", name="Menu")
    expect(agent_nav.get_by_role("link", name="Inbox")).to_be_visible()
    expect(agent_nav.get_by_role("link", name="Staff users")).to_have_count(0)
    expect(agent_nav.get_by_role("link", name="Settings")).to_have_count(0)
    expect(agent_nav.get_by_role("link", name="Audit log")).to_have_count(0)
    agent.goto(f"{app_url}/admin/staff")
    expect(agent.locator("#role-refused")).to_contain_text("Your role does not give access to this part of the console.")
    expect(agent.get_by_role("button", name="Invite")).to_have_count(0)
    shots(agent, "staff-users-agent-refused-1280")
    agent.set_viewport_size(PHONE)
    agent.reload()
    expect(agent.locator("#role-refused")).to_be_visible()
    assert no_horizontal_overflow(agent)
    shots(agent, "staff-users-agent-refused-390")
