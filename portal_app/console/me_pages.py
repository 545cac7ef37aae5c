"""`/admin/me`: what a staff member sets for themselves (the time zone the console shows times in)."""

from __future__ import annotations

import reflex as rx

from portal_app.core.states.staff import StaffState
from portal_app.core.ui.basics import column, page_header, titled_card
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import admin_page
from portal_app.core.ui.zones import time_zone_form

ROUTE = "/admin/me"


@admin_page(ROUTE, area="me")
def my_settings_page() -> rx.Component:
    return column(
        page_header("admin.me.title"),
        titled_card(
            "admin.me.you", "user",
            rx.text(StaffState.staff_name, size="2"),
            rx.text(t("admin.me.intro"), size="2", color_scheme="gray"),
            time_zone_form(StaffState.save_time_zone, ROUTE),
        ),
    )
