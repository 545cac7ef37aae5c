"""The conversation engine: what messages to the business and support tickets share.

A conversation is between one account (the contact who opened it) and the business. It has entries
(the opening text, replies from both sides, staff internal notes customers never see), files attached
to entries, one read marker per side, and emails and dashboard notices in each reader's language.
Each feature registers its *kind* (`register_kind`): the contact right it needs, where its files are
kept, and who in an account reads every conversation of that kind. The feature keeps its own
workflow (a message is open or handled; a ticket has statuses, priorities, an assignee) in its own
package, on top of these tables.

    models       the tables
    engine       opening, writing, reading, visibility, unread markers, notices
    attachments  staging (bound to what is being written), claiming, opening files
    rows         typed display rows
    state        the thread-and-files state mixin both sides' pages use
"""

from portal_app.core.conversations.engine import (  # noqa: F401  (the engine's public face)
    Author, EntryView, Kind, KINDS, clean_body, entries, excerpt, for_contact, for_staff, register_kind,
    usable_modules,
)
