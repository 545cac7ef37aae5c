"""Bookings' HTTP route: one booking as an .ics calendar file."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal_app.bookings import customer
from portal_app.core import registries
from portal_app.core.config import get_settings
from portal_app.core.db import session_scope
from portal_app.core.errors import DomainError
from portal_app.core.routes import NO_STORE, file_headers, portal_context, refusal


def booking_calendar_file(request: Request) -> Response:
    """One booking as an .ics file, for a contact of its account with the bookings right. Without a
    session the browser is sent to log in; another account's booking is 'not found', like no booking."""
    with session_scope() as db:
        ctx = portal_context(db, request)
        if ctx is None:
            return RedirectResponse(f"{get_settings().base_url}/login", status_code=303, headers=NO_STORE)
        try:
            name, data = customer.calendar_file(db, ctx, request.path_params["booking_id"])
        except DomainError:
            return refusal()
    return Response(data, media_type="text/calendar; charset=utf-8",
                    headers={**file_headers("text/calendar", inline=False),
                             "Content-Disposition": f'attachment; filename="{name}"'})


registries.ROUTES.append(Route("/api/bookings/{booking_id:int}.ics", booking_calendar_file))
