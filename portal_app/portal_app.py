"""The Guichet app: theme, the pages and routes the feature packages declare, start-up guards."""

import logging
import sys

import reflex as rx
from reflex.config import get_config

from portal_app import features
from portal_app.core.config import allowed_origins, get_settings
from portal_app.core.middleware import SecurityHeaders
from portal_app.core.origins import log_refused_origins
from portal_app.core.registries import LIFESPAN_TASKS
from portal_app.core.routes import build_api

features.load("pages")  # every page registers itself with rx.page through its shell
features.load("jobs")
features.load("routes")

_problems = get_settings().check_production_ready()
if get_settings().is_production:
    from portal_app.cli import DEMO_STAFF_EMAIL, demo_staff_present

    if demo_staff_present():
        _problems.append(f"the demo staff user {DEMO_STAFF_EMAIL} exists: delete it before going live")
if _problems:
    for problem in _problems:
        logging.getLogger("guichet").critical("refusing to start: %s", problem)
    sys.exit("Guichet refuses to start in production: " + "; ".join(_problems))

_origins = list(get_config().cors_allowed_origins)
if not get_settings().is_production:
    logging.getLogger("guichet").warning("Guichet: open %s (also %s)", get_settings().base_url,
                                         ", ".join(o for o in allowed_origins() if o != get_settings().base_url))
else:
    logging.getLogger("guichet").warning("Guichet: browsers may open the portal at %s only (GUICHET_BASE_URL, "
                                         "GUICHET_CORS_ORIGINS)", ", ".join(_origins))

app = rx.App(
    # direction.css/.js: right-to-left (Hebrew) and Thai pages, the document's `lang` and `dir` kept live.
    stylesheets=["/guichet.css", "/direction.css"],
    # The browser side of passkeys (navigator.credentials): a file of this repository, no CDN.
    # focus.js: focus follows the content after a navigation or a step (accessibility).
    head_components=[rx.script(src="/passkeys.js"), rx.script(src="/live.js"), rx.script(src="/direction.js"),
                     rx.script(src="/focus.js")],
    # Our routes; the security headers around everything the backend serves (pages included); outermost,
    # a line telling an operator which origin was refused and which setting to change.
    api_transformer=[build_api(), SecurityHeaders, log_refused_origins(_origins)],
)
for task in LIFESPAN_TASKS:
    app.register_lifespan_task(task)
