"""Where feature packages show themselves to the rest of the portal.

A feature never imports another feature. Instead it registers here, when its modules are imported
(`features.load`): its navigation entries (through the page shells), its home-page cards, its links on the login page, the portal
action kinds its pages serve, its HTTP routes, its background jobs, its demo data and its commands.
The app, the shells and the dashboard read these lists; none of them names a feature."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class NavEntry:
    """A navigation link a page registers for itself (see portal_page / admin_page)."""

    label_key: str
    route: str
    icon: str
    order: int
    # Portal only: shown when the contact may use this module (role, rights, business modules).
    module: str | None = None
    # Console only: shown to the staff roles that may read this area (`core/permissions.py`);
    # `admin_page(..., area=...)` fills it in from the page's own area.
    area: str | None = None
    # Optional small component beside the label (an unread count); it loads its own data.
    badge: Callable[[], Any] | None = None
    # False: shown while the business offers `module`, whatever the contact's rights (a feature every
    # contact may use on their own data, see core.conversations.Kind.right_needed).
    right_needed: bool = True


@dataclass(frozen=True)
class PageLoad:
    """A page's own load handlers (`portal_page(route, on_load=[...])`), run by the shell's one load
    event after its own work. `side`: "portal", "public" (readable without a session) or "staff"."""

    side: str
    loads: tuple = ()


# Route -> its page's loads; filled by the page shells as page modules are imported.
PAGE_LOADS: dict[str, PageLoad] = {}


def page_load(route: str, sides: tuple[str, ...]) -> PageLoad | None:
    """The page at `route` if it is a page of one of `sides` (a browser names the route)."""
    page = PAGE_LOADS.get(route) if isinstance(route, str) else None
    return page if page is not None and page.side in sides else None


@dataclass(frozen=True)
class HomeCard:
    """A card on the customer home page. `render()` returns the component; `on_load` is an event
    handler the home page fires after its own load (the card's state fetches its data)."""

    key: str
    column: str  # "main" (left, wide) or "side" (right, under the portal actions)
    order: int
    render: Callable[[], Any]
    on_load: Any = None
    module: str | None = None


@dataclass(frozen=True)
class PublicLink:
    """A link on the login page to a page anyone may read (the help centre). `render()` returns the
    component; it loads what it needs itself (on mount) and may render nothing."""

    key: str
    order: int
    render: Callable[[], Any]


@dataclass(frozen=True)
class ConsolePanel:
    """A section a feature adds to a console record page: `page` is "contact" or "account" (privacy: a
    contact's consent history, an account's team delegation switch). `render()` returns the component,
    shown once the record is loaded; `on_load` is an event handler the page fires after its own load (the
    panel's state reads the record's id from the URL and checks its own staff area)."""

    page: str
    key: str
    order: int
    render: Callable[[], Any]
    on_load: Any = None


@dataclass(frozen=True)
class PersonalData:
    """What a feature holds about a contact, for the GDPR space: `collect(db, contact)` returns
    (JSON-able data, files) where files are (area, stored_name, title) of files the contact sent;
    `erase(db, contact, actor)` anonymises the contact's free texts and files in the feature's tables and
    keeps what law requires (issued invoices, payments). Both run inside the caller's transaction."""

    key: str
    collect: Callable[[Any, Any], tuple[Any, list[tuple[str, str, str]]]]
    erase: Callable[[Any, Any, Any], None] | None = None


@dataclass
class Registry:
    """Everything the features have declared so far."""

    portal_nav: list[NavEntry] = field(default_factory=list)
    admin_nav: list[NavEntry] = field(default_factory=list)
    home_cards: list[HomeCard] = field(default_factory=list)
    public_links: list[PublicLink] = field(default_factory=list)
    routes: list[Any] = field(default_factory=list)  # starlette Route objects
    lifespan_tasks: list[Callable] = field(default_factory=list)
    demo_seeders: list[tuple[int, Callable[[Any], None]]] = field(default_factory=list)  # (order, fn(db))
    commands: dict[str, Callable[[list[str]], int]] = field(default_factory=dict)
    # Portal action kind -> the customer route that serves it (a kind with no page stays hidden).
    action_destinations: dict[str, str] = field(default_factory=dict)
    # What each feature holds about a contact: the data export and the erasure walk them in order.
    personal_data: list[PersonalData] = field(default_factory=list)
    # Sections features add to the console's contact and account pages.
    console_panels: list[ConsolePanel] = field(default_factory=list)
    # Where the business's own time zone is kept: fn(db) -> an IANA name or None (`core/zones.py`).
    business_zones: list[Callable[[Any], str | None]] = field(default_factory=list)


REGISTRY = Registry()
PORTAL_NAV = REGISTRY.portal_nav
ADMIN_NAV = REGISTRY.admin_nav
HOME_CARDS = REGISTRY.home_cards
PUBLIC_LINKS = REGISTRY.public_links
ROUTES = REGISTRY.routes
LIFESPAN_TASKS = REGISTRY.lifespan_tasks
DEMO_SEEDERS = REGISTRY.demo_seeders
COMMANDS = REGISTRY.commands
ACTION_DESTINATIONS = REGISTRY.action_destinations
PERSONAL_DATA = REGISTRY.personal_data
CONSOLE_PANELS = REGISTRY.console_panels
BUSINESS_ZONES = REGISTRY.business_zones


def _add_once(entries: list, entry):
    """Append `entry` unless one with its key is there already (a module imported twice)."""
    if all(existing.key != entry.key for existing in entries):
        entries.append(entry)
    return entry


def business_zone(source: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    """A feature that keeps the business's time zone (bookings' opening hours) says where: `source(db)`
    returns an IANA name or None. The first source with an answer is the readers' fallback zone."""
    if source not in BUSINESS_ZONES:
        BUSINESS_ZONES.append(source)
    return source


def home_card(card: HomeCard) -> HomeCard:
    return _add_once(HOME_CARDS, card)


def public_link(link: PublicLink) -> PublicLink:
    return _add_once(PUBLIC_LINKS, link)


def console_panel(panel: ConsolePanel) -> ConsolePanel:
    if all((p.page, p.key) != (panel.page, panel.key) for p in CONSOLE_PANELS):
        CONSOLE_PANELS.append(panel)
    return panel


def panels_of(page: str) -> list[ConsolePanel]:
    """The sections registered for a console record page, in their order."""
    return sorted((p for p in CONSOLE_PANELS if p.page == page), key=lambda p: p.order)


def panel_loads(page: str) -> list:
    """Their load events (the page fires them after its own load)."""
    return [p.on_load for p in panels_of(page) if p.on_load]


def action_destination(kind: str, route: str) -> None:
    """The customer page a portal action kind leads to ("pay" -> "/invoices"). A kind no feature serves
    has no destination, and its actions stay hidden (they can still be configured)."""
    ACTION_DESTINATIONS[kind] = route


def demo_seeder(order: int):
    """Decorator: `fn(db)` adds this feature's demo data inside the seed transaction."""

    def register(fn):
        DEMO_SEEDERS.append((order, fn))
        return fn

    return register


def command(name: str):
    """Decorator: `fn(argv) -> exit code` becomes `python -m portal_app.cli <name> ...`."""

    def register(fn):
        COMMANDS[name] = fn
        return fn

    return register


def personal_data(entry: PersonalData) -> PersonalData:
    return _add_once(PERSONAL_DATA, entry)


def job_runs_here(name: str, log) -> bool:
    """Called first by every background job's loop: False (logged) when GUICHET_JOBS leaves `name` out of
    this process. Otherwise the job reads the real clock from here on (`clock.run_on_real_time`)."""
    from portal_app.core import clock
    from portal_app.core.config import get_settings

    if not get_settings().runs_job(name):
        log.info("%s: not run by this process (GUICHET_JOBS)", name)
        return False
    clock.run_on_real_time()
    return True


def periodic_job(run: Callable[[], Any], seconds: float | Callable[[], float], what: str, *, name: str) -> Callable:
    """A lifespan task that calls `run()` every `seconds` (a number, or a function read before each
    wait), off the event loop (in a thread: it may use the database), logging a pass that failed and
    trying again at the next one. `name` is the job's name in GUICHET_JOBS."""
    import asyncio
    import logging

    log = logging.getLogger("guichet.jobs")

    async def loop() -> None:
        if not job_runs_here(name, log):
            return
        while True:
            try:
                done = await asyncio.to_thread(run)
                if done:
                    log.info("%s: %s", what, done)
            except asyncio.CancelledError:
                raise
            except Exception:  # never take the server down
                log.exception("%s failed", what)
            await asyncio.sleep(seconds() if callable(seconds) else seconds)

    loop.__name__ = f"{name}_loop"
    LIFESPAN_TASKS.append(loop)
    return loop
