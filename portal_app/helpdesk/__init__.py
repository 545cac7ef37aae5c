"""Help desk: support tickets (files `ticket_*`) and the knowledge base (files `kb_*`).

Tickets are conversations of kind "ticket" (core/conversations) with their own workflow table."""

from portal_app.core import registries

# The portal action kind this feature serves: a dashboard button of that kind leads here.
registries.action_destination("ticket", "/tickets/new")
