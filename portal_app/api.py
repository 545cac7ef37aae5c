"""HTTP routes beside the Reflex app: branding images, the staff TOTP enrolment QR code, and the
authorised downloads of documents and message attachments."""

from __future__ import annotations

import io
import logging

import segno
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from .config import get_settings
from .billing_api import billing_routes
from .db import session_scope
from .services import bookings, business, portal_sessions, staff
from .services.errors import DomainError
from .states.portal import PORTAL_COOKIE
from .states.staff import STAFF_COOKIE

log = logging.getLogger("guichet.api")
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


async def brand_image(request: Request) -> Response:
    """The logo and login image are public: they are on the login page before anyone logs in."""
    which = request.path_params["which"]
    with session_scope() as db:
        path = business.branding_image_path(db, which)
    if path is None:
        return Response(status_code=404)
    return FileResponse(path, media_type=MEDIA_TYPES.get(path.suffix.lstrip("."), "application/octet-stream"),
                        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff",
                                 "Content-Disposition": "inline"})


async def totp_enrolment_qr(request: Request) -> Response:
    """The QR code (and key) for a staff member between password and first TOTP; the secret never
    enters Reflex state."""
    with session_scope() as db:
        uri = staff.enrolment_uri(db, request.cookies.get(STAFF_COOKIE))
    if uri is None:
        return Response(status_code=404, headers=NO_STORE)
    qr = segno.make(uri, error="m")
    buf = io.BytesIO()
    qr.save(buf, kind="svg", scale=6, border=2, title="TOTP")
    secret = uri.split("secret=")[1].split("&")[0]
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
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


async def booking_calendar_file(request: Request) -> Response:
    """One booking as an .ics file, for a contact of its account with the bookings right. Without a
    session the browser is sent to log in; another account's booking is 'not found', like no booking."""
    with session_scope() as db:
        ctx = portal_sessions.resolve_session(db, request.cookies.get(PORTAL_COOKIE))
        if ctx is None:
            return RedirectResponse(f"{get_settings().base_url}/login", status_code=303, headers=NO_STORE)
        try:
            name, data = bookings.calendar_file(db, ctx, request.path_params["booking_id"])
        except DomainError:
            return Response(status_code=404, headers=NO_STORE)
    return Response(data, media_type="text/calendar; charset=utf-8",
                    headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'})
# ---- documents and message attachments (issue 4) ----------------------------------------------------


def _file_response(area: str, stored_name: str, title: str, mime_type: str, inline: bool) -> Response:
    """A stored file, streamed from disk in chunks. Inline only for the preview allow-list (PDF and
    raster images); everything else is an attachment. nosniff, no caching by shared caches."""
    from urllib.parse import quote

    from .services import file_intake

    path = file_intake.stored_path(area, stored_name)
    if path is None:
        return Response(status_code=404, headers=NO_STORE)
    show_inline = inline and mime_type in file_intake.INLINE_TYPES
    disposition = (f'{"inline" if show_inline else "attachment"}; filename="{file_intake.download_name(title)}"; '
                   f"filename*=UTF-8''{quote(title, safe='')}")
    headers = {"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff",
               "Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}
    if show_inline and mime_type.startswith("image/"):
        headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    media = mime_type if show_inline or mime_type != "text/plain" else "text/plain; charset=utf-8"
    return FileResponse(path, media_type=media, headers=headers)


def _portal_context(db, request: Request):
    from .services import portal_sessions

    return portal_sessions.resolve_session(db, request.cookies.get(PORTAL_COOKIE))


def _not_found() -> Response:
    return Response(status_code=404, headers=NO_STORE)


def _stored_file_route(service: str, opener: str, param: str, *, staff_side: bool):
    """A download route for a stored file: the customer's session (or the staff console's), then the
    service's own opener, which checks account, sharing and rights. Anything refused is the same 404 as
    a missing id."""

    async def download(request: Request) -> Response:
        import importlib

        from .services.errors import DomainError

        module = importlib.import_module(f".services.{service}", __package__)
        inline = request.query_params.get("inline") == "1"
        try:
            with session_scope() as db:
                actor = (staff.resolve(db, request.cookies.get(STAFF_COOKIE)) if staff_side
                         else _portal_context(db, request))
                if actor is None:
                    return _not_found()
                stored = getattr(module, opener)(db, actor, request.path_params[param])
                found = (stored.stored_name, stored.title, stored.mime_type)
        except DomainError:
            return _not_found()
        return _file_response(module.AREA, *found, inline=inline)

    return download


# A customer's document: their session, their account, shared, and the documents right.
document_download = _stored_file_route("documents", "open_for_contact", "doc_id", staff_side=False)
admin_document_download = _stored_file_route("documents", "open_for_staff", "doc_id", staff_side=True)
# A message attachment: a thread the customer may read, or any thread for staff.
attachment_download = _stored_file_route("messages", "open_attachment_for_contact", "att_id", staff_side=False)
admin_attachment_download = _stored_file_route("messages", "open_attachment_for_staff", "att_id", staff_side=True)


def build_api() -> Starlette:
    return Starlette(routes=[
        Route("/api/brand/{which:str}", brand_image),
        Route("/api/admin/totp-enrol.svg", totp_enrolment_qr),
        Route("/api/bookings/{booking_id:int}.ics", booking_calendar_file),
        *billing_routes(),
        Route("/api/documents/{doc_id:int}", document_download),
        Route("/api/message-attachments/{att_id:int}", attachment_download),
        Route("/api/admin/documents/{doc_id:int}", admin_document_download),
        Route("/api/admin/message-attachments/{att_id:int}", admin_attachment_download),
    ])
