"""HTTP routes beside the Reflex app: branding images, the staff TOTP enrolment QR code, the stored-file
download every feature uses, and the table of routes the features registered."""

from __future__ import annotations

import io
import logging

import segno
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from portal_app.core import audit
from portal_app.core.db import session_scope
from portal_app.core import business, i18n, permissions, registries, webapp
from portal_app.core.auth import sessions as portal_sessions, staff, totp as customer_totp
from portal_app.core.errors import DomainError
from portal_app.core.states.portal import PORTAL_COOKIE
from portal_app.core.states.staff import STAFF_COOKIE

log = logging.getLogger("guichet.api")
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


def brand_image(request: Request) -> Response:
    """The logo and login image are public: they are on the login page before anyone logs in."""
    which = request.path_params["which"]
    with session_scope() as db:
        path = business.branding_image_path(db, which)
    if path is None:
        return refusal()
    media = MEDIA_TYPES.get(path.suffix.lstrip("."), "application/octet-stream")
    return FileResponse(path, media_type=media,
                        headers={**file_headers(media, inline=True), "Cache-Control": "public, max-age=300",
                                 "Content-Disposition": "inline"})


async def web_manifest(request: Request) -> Response:
    """The web app manifest: public, like the logo (the login page is where a phone installs the portal)."""
    from starlette.responses import JSONResponse

    with session_scope() as db:
        body = webapp.manifest(db)
    return JSONResponse(body, media_type="application/manifest+json",
                        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"})


async def app_icon(request: Request) -> Response:
    """A home-screen icon drawn from the logo (webapp.ICON_SIZES only)."""
    with session_scope() as db:
        png = webapp.icon_png(db, request.path_params["size"])
    if png is None:
        return refusal()
    return Response(png, media_type="image/png",
                    headers={**file_headers("image/png", inline=True), "Cache-Control": "public, max-age=300"})


def _totp_qr(uri: str | None) -> Response:
    """The QR code of an otpauth:// URI, with the key in text under it."""
    if uri is None:
        return Response(status_code=404, headers=NO_STORE)
    qr = segno.make(uri, error="m")
    buf = io.BytesIO()
    qr.save(buf, kind="svg", scale=6, border=2, title="TOTP")
    grouped = _grouped_key(uri)
    svg = buf.getvalue().decode()
    width, height = qr.symbol_size(scale=6, border=2)
    # The key in text under the code, for authenticator apps typed in by hand.
    box = max(width, 360)
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {box} {height + 40}">'
           f'<rect width="100%" height="100%" fill="#fff"/>'
           f'<g transform="translate({(box - width) // 2},0)">'
           f'{svg[svg.index(">", svg.index("<svg")) + 1:svg.rindex("</svg>")]}</g>'
           f'<text x="50%" y="{height + 25}" text-anchor="middle" font-family="monospace" font-size="14">'
           f"{grouped}</text></svg>")
    return Response(svg, media_type="image/svg+xml", headers={**NO_STORE, "Content-Security-Policy": "default-src 'none'"})


def _grouped_key(uri: str) -> str:
    secret = uri.split("secret=")[1].split("&")[0]
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _totp_key_text(uri: str | None) -> Response:
    """The key alone as selectable text (shown in a frame beside the QR code), for manual entry."""
    if uri is None:
        return Response(status_code=404, headers=NO_STORE)
    page = (f'<!doctype html><meta charset="utf-8"><body style="margin:0;font:16px monospace;'
            f'word-spacing:0.3em;user-select:all" id="key">{_grouped_key(uri)}</body>')
    return Response(page, media_type="text/html; charset=utf-8",
                    headers={**NO_STORE, "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})


def _staff_enrolment_uri(request: Request) -> str | None:
    with session_scope() as db:
        return staff.enrolment_uri(db, request.cookies.get(STAFF_COOKIE))


def _portal_enrolment_uri(request: Request) -> str | None:
    """A pending customer TOTP enrolment of the session's contact (never while impersonating)."""
    with session_scope() as db:
        return customer_totp.enrolment_uri(db, portal_context(db, request))


def totp_enrolment_qr(request: Request) -> Response:
    """The QR code (and key) for a staff member between password and first TOTP; the secret never
    enters Reflex state."""
    return _totp_qr(_staff_enrolment_uri(request))


def totp_enrolment_key(request: Request) -> Response:
    return _totp_key_text(_staff_enrolment_uri(request))


def portal_totp_qr(request: Request) -> Response:
    return _totp_qr(_portal_enrolment_uri(request))


def portal_totp_key(request: Request) -> Response:
    return _totp_key_text(_portal_enrolment_uri(request))


# Every file the portal serves is data, never a page: an attachment runs in a sandbox with nothing
# allowed; an image shown inline may only be itself. A PDF shown inline (the preview's iframe) cannot
# be sandboxed, because Chrome's PDF viewer refuses to run in a sandboxed document: it gets a policy
# that loads nothing but its own plugin, and only the portal's own pages may frame it (docs/security.md).
ATTACHMENT_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
IMAGE_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def inline_pdf_csp() -> str:
    from portal_app.core.middleware import own_origins

    ancestors = " ".join(["'self'", *own_origins()])
    return f"default-src 'none'; object-src 'self'; style-src 'unsafe-inline'; frame-ancestors {ancestors}"


def file_headers(mime_type: str, *, inline: bool) -> dict[str, str]:
    """The headers of any served file (stored documents and attachments, invoice PDFs, receipts,
    consumption files, calendar files, brand images): the CSP for its type, nosniff, no shared caching."""
    if inline and mime_type == "application/pdf":
        csp = inline_pdf_csp()
    elif inline and mime_type.startswith("image/"):
        csp = IMAGE_CSP
    else:
        csp = ATTACHMENT_CSP
    return {"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}


# One refusal for every file route: no session, a missing id, another account's id, a file gone from
# disk — all the same bytes, status and headers.
REFUSAL_HEADERS = {**file_headers("", inline=False)}


def refusal() -> Response:
    return Response("Not found", status_code=404, headers=REFUSAL_HEADERS, media_type="text/plain")


def _file_response(area: str, stored_name: str, title: str, mime_type: str, inline: bool) -> Response:
    """A stored file, streamed from disk in chunks. Inline only for the preview allow-list (PDF and
    raster images); everything else is an attachment, sandboxed."""
    from urllib.parse import quote

    from portal_app.core import files as file_intake

    path = file_intake.stored_path(area, stored_name)
    if path is None:
        return refusal()
    show_inline = inline and mime_type in file_intake.INLINE_TYPES
    disposition = (f'{"inline" if show_inline else "attachment"}; filename="{file_intake.download_name(title)}"; '
                   f"filename*=UTF-8''{quote(title, safe='')}")
    headers = {**file_headers(mime_type, inline=show_inline), "Content-Disposition": disposition}
    media = mime_type if show_inline or mime_type != "text/plain" else "text/plain; charset=utf-8"
    return FileResponse(path, media_type=media, headers=headers)


async def read_body_capped(request: Request, max_bytes: int) -> bytes | None:
    """The request's body, or None as soon as it is over `max_bytes` (a declared Content-Length over the
    cap is refused before reading; a chunked body is read piece by piece and dropped at the first piece
    that crosses the cap, so at most the cap plus one piece is ever held)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > max_bytes):
        return None
    body = bytearray()
    async for piece in request.stream():
        body += piece
        if len(body) > max_bytes:
            return None
    return bytes(body)


def portal_context(db, request: Request):
    """The customer's portal session from the request's cookie, or None."""
    return portal_sessions.resolve_session(db, request.cookies.get(PORTAL_COOKIE))


def console_actor(db, request: Request, permission: str):
    """The request's console session, or None; a role without `permission` is refused (audited,
    `permissions.RoleForbidden`) before any object is looked at, so the answer says nothing about ids."""
    ctx = staff.resolve(db, request.cookies.get(STAFF_COOKIE))
    if ctx is not None:
        permissions.require(db, ctx, permission, request.url.path)
    return ctx


def role_forbidden() -> Response:
    """A console route refused to this role: 403 with the console's message."""
    return Response(i18n.t("en", "error.role_forbidden"), status_code=403, media_type="text/plain",
                    headers=NO_STORE)


def open_or_record(db, actor, opener, object_id, *, target_type: str, args=(), **kwargs):
    """`opener(db, actor, object_id, *args)`; a refusal no rule recorded (the id does not exist) is recorded
    here as one for another account's id is by its rule, so both take the same path and the same work:
    one audit row, committed, then the same response."""
    try:
        return opener(db, actor, object_id, *args, **kwargs)
    except DomainError as exc:
        if not getattr(exc, "recorded", False):
            who = actor.actor if hasattr(actor, "staff_id") else audit.portal_actor(actor)
            audit.record(db, who, "security.refused", target_type=target_type,
                         target_id=object_id if isinstance(object_id, int) and 0 < object_id < 2**63 else None,
                         account_id=getattr(actor, "account_id", None), reason="missing")
            db.commit()
        raise


def stored_file_route(opener, param: str, *, area: str, staff_side: bool, permission: str | None = None):
    """A download route for a stored file of `area`: the customer's session (or the staff console's,
    whose role must hold `permission`), then the feature's own `opener(db, actor, id)`, which checks
    account, sharing and rights and returns the file's row. Anything refused is the same 404 as a
    missing id; a console role without the permission gets 403 before any id is looked at."""
    if staff_side:
        permissions.split(permission or "")  # a console route names its permission (ValueError if not)

    def look_up(request: Request) -> Response | tuple:
        try:
            with session_scope() as db:
                actor = (console_actor(db, request, permission) if staff_side
                         else portal_context(db, request))
                if actor is None:
                    return refusal()
                # Other path parameters (a link's token) go to the opener by name.
                extra = {k: v for k, v in request.path_params.items() if k != param}
                stored = open_or_record(db, actor, opener, request.path_params[param], target_type=area, **extra)
                return (stored.stored_name, stored.title, stored.mime_type)
        except permissions.RoleForbidden:
            return role_forbidden()
        except DomainError:
            return refusal()

    async def download(request: Request) -> Response:
        inline = request.query_params.get("inline") == "1"
        found = await run_in_threadpool(look_up, request)  # the database, in a thread: never on the event loop
        if isinstance(found, Response):
            return found
        return _file_response(area, *found, inline=inline)

    # The role walk (tests/console/test_security_roles.py) calls every route that declares this.
    download.console_permission = permission if staff_side else None
    return download


def build_api() -> Starlette:
    """The core routes, then every route a feature registered (`features.load("routes")` first)."""
    return Starlette(routes=[
        Route("/api/brand/{which:str}", brand_image),
        Route(webapp.MANIFEST_ROUTE, web_manifest),
        Route("/api/icons/{size:int}.png", app_icon),
        Route("/api/admin/totp-enrol.svg", totp_enrolment_qr),
        Route("/api/admin/totp-key", totp_enrolment_key),
        Route("/api/portal/totp-enrol.svg", portal_totp_qr),
        Route("/api/portal/totp-key", portal_totp_key),
        *registries.ROUTES,
    ])
