"""Page functions, one module per page; importing this package registers them all."""

from . import billing, bookings, home, login  # noqa: F401
from .admin import accounts, contact, contacts, logs, settings, staff_login  # noqa: F401
from .admin import billing as admin_billing  # noqa: F401
from .admin import bookings as admin_bookings  # noqa: F401
from . import documents, messages  # noqa: F401,E402  (issue 4)
from .admin import actions, inbox  # noqa: F401,E402  (issue 4)
from .admin import documents as admin_documents  # noqa: F401,E402  (issue 4)
