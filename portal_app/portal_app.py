"""The Guichet app: theme, pages and the HTTP routes beside them."""

import logging
import sys

import reflex as rx

from . import models  # noqa: F401  (every table registered before migrations look)
from . import pages  # noqa: F401  (registers every page)
from .api import build_api
from .jobs import booking_reminders_loop
from .config import get_settings

_problems = get_settings().check_production_ready()
if get_settings().is_production:
    from .cli import DEMO_STAFF_EMAIL, demo_staff_present

    if demo_staff_present():
        _problems.append(f"the demo staff user {DEMO_STAFF_EMAIL} exists: delete it before going live")
if _problems:
    for problem in _problems:
        logging.getLogger("guichet").critical("refusing to start: %s", problem)
    sys.exit("Guichet refuses to start in production: " + "; ".join(_problems))

app = rx.App(
    stylesheets=["/guichet.css"],
    api_transformer=build_api(),
)
app.register_lifespan_task(booking_reminders_loop)
