"""Page functions, one module per page; importing this package registers them all."""

from . import home, login  # noqa: F401
from .admin import accounts, contact, contacts, logs, settings, staff_login  # noqa: F401
from . import documents, messages  # noqa: F401,E402  (issue 4)
from .admin import actions, inbox  # noqa: F401,E402  (issue 4)
from .admin import documents as admin_documents  # noqa: F401,E402  (issue 4)
