"""Privacy's HTTP routes: the contact's data archive, once, within its day, through their own session; the
same archive prepared for a staff member, through the console's session."""

from __future__ import annotations

from starlette.routing import Route

from portal_app.core import registries
from portal_app.core.routes import stored_file_route
from portal_app.privacy import requests

# Unlike other downloads, this GET spends the link: the opener records the download and marks the
# archive taken in the same transaction, before the file is sent.
registries.ROUTES.extend([
    Route("/api/privacy/archive/{request_id:int}/{token:str}",
          stored_file_route(requests.open_archive, "request_id", area=requests.AREA, staff_side=False)),
    # The same archive prepared for a staff member (the contact page's panel): their console session, a
    # role that may change contacts, their own export, once, within its day.
    Route("/api/admin/privacy/archive/{request_id:int}/{token:str}",
          stored_file_route(requests.open_staff_archive, "request_id", area=requests.AREA, staff_side=True,
                            permission="accounts.write")),
])
