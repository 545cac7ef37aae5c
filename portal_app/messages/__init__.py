"""Messages: threads between a contact and the business, with attachments, and the staff inbox."""

from portal_app.core import registries

# The portal action kind this feature serves: a dashboard button of that kind leads here.
registries.action_destination("message", "/messages/new")
