"""The dashboard's demo data: four portal actions."""

from __future__ import annotations

from portal_app.core import audit, registries
from portal_app.dashboard import actions as portal_actions

DEMO_ACTIONS = (
    ("pay", "credit_card", {"en": "Pay my bill", "fr": "Payer ma facture", "de": "Rechnung bezahlen"}),
    ("book", "calendar_plus", {"en": "Book a technician", "fr": "Réserver un technicien", "de": "Techniker buchen"}),
    ("message", "message_square", {"en": "Write to us", "fr": "Nous écrire", "de": "Schreiben Sie uns"}),
    ("documents", "folder_open", {"en": "My documents", "fr": "Mes documents", "de": "Meine Dokumente"}),
)


@registries.demo_seeder(order=20)
def seed_demo(db, _ctx) -> None:
    for kind, icon, labels in DEMO_ACTIONS:
        portal_actions.save_action(db, audit.SYSTEM, portal_actions.ActionInput(kind=kind, labels=labels, icon=icon))
