"""Portal actions: the dashboard buttons the business configures, and which of them a contact sees."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlmodel import Session, func, select

from portal_app.dashboard.models import PortalAction
from portal_app.dashboard.models import AUDIENCE_ADMINS, AUDIENCE_EVERYONE
from portal_app.core import audit, clock, conversations, registries
from portal_app.core.business import business_view
from portal_app.core.db import SharedRead
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.auth.sessions import PortalContext

KINDS = ("pay", "book", "ticket", "message", "documents", "link")
AUDIENCES = (AUDIENCE_EVERYONE, AUDIENCE_ADMINS)
# The module a kind belongs to: a contact without it (role, rights or the business's modules) never sees it.
KIND_MODULES: dict[str, str | None] = {
    "pay": "invoices",
    "book": "bookings",
    "ticket": "tickets",
    "message": "messages",
    "documents": "documents",
    "link": None,
}
# Where each kind leads: the feature that serves a kind registers its page (core.registries); a kind
# without one stays hidden but can be configured.
DESTINATIONS = registries.ACTION_DESTINATIONS
# The icon picker's choices (lucide names); the dashboard renders exactly these.
ICONS = ("credit_card", "calendar_plus", "life_buoy", "message_square", "folder_open", "external_link",
         "file_text", "phone", "mail", "circle_help", "shopping_cart", "download", "map_pin", "star",
         "circle_arrow_right", "wrench")
DEFAULT_ICONS = {"pay": "credit_card", "book": "calendar_plus", "ticket": "life_buoy", "message": "message_square",
                 "documents": "folder_open", "link": "external_link"}
LABEL_MAX_CHARS = 60
TARGET_MAX_CHARS = 500


@dataclass(frozen=True)
class ActionSnapshot:
    """A plain copy of an enabled action, safe to keep between requests."""

    id: int
    kind: str
    labels: dict
    icon: str
    target: str
    audience: str
    enabled: bool = True


def _read_enabled_actions(db: Session) -> tuple[ActionSnapshot, ...]:
    rows = db.exec(select(PortalAction).where(PortalAction.enabled.is_(True))
                   .order_by(PortalAction.position, PortalAction.id)).all()
    return tuple(ActionSnapshot(id=r.id, kind=r.kind, labels=dict(r.labels or {}), icon=r.icon, target=r.target,
                                audience=r.audience) for r in rows)


# Every dashboard load shows the actions; they change a few times a year. This worker sees a change as
# soon as it is committed, another worker within SHARED_READ_SECONDS.
_enabled_actions = SharedRead(_read_enabled_actions, PortalAction)


def forget_cached_actions() -> None:
    """For a change made outside the ORM (a test's raw SQL, a restore)."""
    _enabled_actions.forget()


def register_destination(kind: str, route: str) -> None:
    """A page that serves a kind declares it (the tickets page, when it exists)."""
    if kind not in KINDS or kind == "link":
        raise ValueError(kind)
    registries.action_destination(kind, route)


@dataclass(frozen=True)
class ActionInput:
    kind: str
    labels: dict[str, str]
    icon: str = ""
    target: str = ""
    audience: str = AUDIENCE_EVERYONE
    enabled: bool = True

    @classmethod
    def of(cls, row: PortalAction) -> "ActionInput":
        """What the editor's form starts from for a stored action."""
        return cls(row.kind, {str(k): str(v) for k, v in (row.labels or {}).items()}, row.icon, row.target,
                   row.audience, row.enabled)


NEW_ACTION = ActionInput(kind="message", labels={}, icon="message_square")  # the editor's form for a new one


@dataclass(frozen=True)
class ShownAction:
    """One button as a contact sees it."""

    id: int
    label: str
    icon: str
    href: str
    external: bool
    kind: str


def check_external_url(raw: str) -> str:
    """An external link must be an absolute http(s) URL with a host (no javascript:, data:, //x)."""
    url = (raw or "").strip()
    if not url:
        raise DomainError("actions.error.target_required")
    if len(url) > TARGET_MAX_CHARS or any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise DomainError("actions.error.target_invalid")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise DomainError("actions.error.target_invalid") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise DomainError("actions.error.target_scheme")
    if not parts.hostname:
        raise DomainError("actions.error.target_invalid")
    return url


def _validate(db: Session, data: ActionInput) -> tuple[dict[str, str], str, str]:
    if data.kind not in KINDS:
        raise DomainError("actions.error.kind")
    if data.audience not in AUDIENCES:
        raise DomainError("actions.error.audience")
    biz = business_view(db)
    labels = {lang: " ".join(str(text).split())[:LABEL_MAX_CHARS]
              for lang, text in (data.labels or {}).items() if isinstance(lang, str) and len(lang) <= 8}
    labels = {lang: text for lang, text in labels.items() if text}
    if not labels.get(biz.default_language):
        raise DomainError("actions.error.label_required", language=biz.default_language)
    icon = data.icon or DEFAULT_ICONS[data.kind]
    if icon not in ICONS:
        raise DomainError("actions.error.icon")
    target = check_external_url(data.target) if data.kind == "link" else ""
    return labels, icon, target


def list_actions(db: Session) -> list[PortalAction]:
    """Every action in order (the editor's list; a few dozen at most)."""
    return list(db.exec(select(PortalAction).order_by(PortalAction.position, PortalAction.id)).all())


def get_action(db: Session, action_id: int) -> PortalAction:
    row = db.get(PortalAction, action_id) if isinstance(action_id, int) else None
    if row is None:
        raise NotFound()
    return row


def save_action(db: Session, actor: audit.Actor, data: ActionInput, action_id: int | None = None) -> PortalAction:
    labels, icon, target = _validate(db, data)
    now = clock.now()
    if action_id is None:
        last = db.exec(select(func.max(PortalAction.position))).one()
        row = PortalAction(kind=data.kind, position=(last or 0) + 1, created_at=now)
        action = "portal_action.create"
    else:
        row = get_action(db, action_id)
        action = "portal_action.update"
    row.kind, row.labels, row.icon, row.target = data.kind, labels, icon, target
    row.audience, row.enabled, row.updated_at = data.audience, bool(data.enabled), now
    db.add(row)
    db.flush()
    audit.record(db, actor, action, target_type="portal_action", target_id=row.id, kind=row.kind)
    return row


def set_enabled(db: Session, actor: audit.Actor, action_id: int, enabled: bool) -> PortalAction:
    row = get_action(db, action_id)
    row.enabled, row.updated_at = bool(enabled), clock.now()
    db.add(row)
    db.flush()
    audit.record(db, actor, "portal_action.enable" if enabled else "portal_action.disable",
                 target_type="portal_action", target_id=row.id)
    return row


def delete_action(db: Session, actor: audit.Actor, action_id: int) -> None:
    row = get_action(db, action_id)
    db.delete(row)
    db.flush()
    audit.record(db, actor, "portal_action.delete", target_type="portal_action", target_id=action_id, kind=row.kind)


def move_action(db: Session, actor: audit.Actor, action_id: int, delta: int) -> None:
    """Move one place up (delta -1) or down (+1); positions are renumbered 1..n."""
    rows = list_actions(db)
    index = next((i for i, r in enumerate(rows) if r.id == action_id), None)
    if index is None:
        raise NotFound()
    other = index + (1 if delta > 0 else -1)
    if 0 <= other < len(rows):
        rows[index], rows[other] = rows[other], rows[index]
    _renumber(db, rows)
    audit.record(db, actor, "portal_action.move", target_type="portal_action", target_id=action_id,
                 position=min(max(other, 0), len(rows) - 1) + 1)


def reorder(db: Session, actor: audit.Actor, ordered_ids: list[int]) -> None:
    """Put the actions in the given order (drag and drop); ids not given keep their order after."""
    rows = list_actions(db)
    by_id = {r.id: r for r in rows}
    wanted = [by_id[i] for i in dict.fromkeys(ordered_ids) if i in by_id]
    rest = [r for r in rows if r not in wanted]
    _renumber(db, wanted + rest)
    audit.record(db, actor, "portal_action.reorder", target_type="portal_action")


def _renumber(db: Session, rows: list[PortalAction]) -> None:
    for i, row in enumerate(rows, start=1):
        if row.position != i:
            row.position = i
            db.add(row)
    db.flush()


def label_for(labels: dict, lang: str, default_language: str) -> str:
    """The label in the reader's language, else the business's default language (always present)."""
    return labels.get(lang) or labels.get(default_language) or next(iter(labels.values()), "")


def destination(row: PortalAction | ActionSnapshot) -> str | None:
    return row.target if row.kind == "link" else DESTINATIONS.get(row.kind)


def shown_for(rows: list[PortalAction] | list[ActionSnapshot], *, lang: str, default_language: str, role: str,
              rights: tuple[str, ...] | list[str]) -> list[ShownAction]:
    """The actions a contact with this role and these rights sees, in order, in `lang`."""
    shown = []
    for row in rows:
        if not row.enabled:
            continue
        if row.audience == AUDIENCE_ADMINS and role != "admin":
            continue
        module = KIND_MODULES.get(row.kind)
        if module is not None and module not in rights:
            continue
        href = destination(row)
        if not href:
            continue
        shown.append(ShownAction(id=row.id, label=label_for(row.labels or {}, lang, default_language),
                                 icon=row.icon if row.icon in ICONS else DEFAULT_ICONS.get(row.kind, "circle_arrow_right"),
                                 href=href, external=row.kind == "link", kind=row.kind))
    return shown


def visible_actions(db: Session, ctx: PortalContext, lang: str) -> list[ShownAction]:
    """The dashboard's right column for this contact (rights already include the business's modules; a
    conversation kind every contact may use counts as a right)."""
    return shown_for(list(_enabled_actions(db)), lang=lang, default_language=business_view(db).default_language,
                     role=ctx.role, rights=conversations.usable_modules(ctx))


def preview(db: Session, *, lang: str, role: str) -> list[ShownAction]:
    """What a contact with every module the business offers would see (the editor's live preview)."""
    from portal_app.core.accounts import role_allows

    biz = business_view(db)
    rights = tuple(m for m in role_allows(role) if m in biz.modules)
    return shown_for(list_actions(db), lang=lang, default_language=biz.default_language, role=role, rights=rights)
