"""Tickets' demo data: the default settings and a few tickets, with a staff reply and an internal note."""

from __future__ import annotations

from sqlmodel import func, select

from portal_app.core import registries
from portal_app.core.models.accounts import Account, Contact
from portal_app.helpdesk import ticket_rules as rules, ticket_settings as settings
from portal_app.helpdesk.ticket_inbound import acting_by_email
from portal_app.helpdesk.ticket_models import Ticket

DEMO_TICKETS = (
    ("The card terminal no longer prints receipts", "incident", "high",
     "Since this morning the terminal at the counter accepts payments but prints nothing."),
    ("Can we add a second delivery address?", "question", "normal",
     "We are opening a second shop in May. Can deliveries go to both addresses?"),
    ("Please update our invoice address", "request", "low", "Our new address is 12 rue des Lilas, 69003 Lyon."),
)


@registries.demo_seeder(order=60)
def seed_demo(db, staff) -> None:
    """Three tickets on the first account with contacts, when there are none yet."""
    settings.config(db)
    if db.exec(select(func.count()).select_from(Ticket)).one():
        return
    found = db.exec(select(Contact, Account).join(Account, Account.id == Contact.account_id)
                    .where(Contact.active.is_(True)).order_by(Account.id, Contact.id)).first()
    if found is None:
        return
    ctx = acting_by_email(db, found[0])
    opened = [rules.open_ticket(db, ctx, title=title, type=kind, priority=priority, body=body)[0]
              for title, kind, priority, body in DEMO_TICKETS]
    rules.reply_as_staff(db, staff, opened[0].id, "Checked remotely: the printer driver needs an update.",
                         internal=True)
    rules.reply_as_staff(db, staff, opened[0].id, "We are sending a technician this afternoon. Sorry for the trouble!")
    rules.update_ticket(db, staff, opened[0].id, status="pending", assignee_staff_id=staff.staff_id)
    rules.reply_as_staff(db, staff, opened[2].id, "Done: your next invoice goes to the new address.")
    rules.update_ticket(db, staff, opened[2].id, status="resolved")
