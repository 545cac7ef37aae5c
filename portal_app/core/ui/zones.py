"""The time zone field: the list of zone names and the form a person chooses their zone with."""

from __future__ import annotations

import reflex as rx

from portal_app.core import zones
from portal_app.core.states.site import SiteState
from portal_app.core.ui.basics import brand_button
from portal_app.core.ui.i18n import t

ZONE_LIST_ID = "zone-names"


def zone_datalist() -> rx.Component:
    """Every zone name the portal accepts, for an input's `list=` (the browser filters as one types)."""
    return rx.el.datalist(*[rx.el.option(value=name) for name in zones.zone_names()], id=ZONE_LIST_ID)


def time_zone_form(save, route: str) -> rx.Component:
    """"Time zone": empty is "Automatic (this device: …)", else a zone name typed or picked from the list.
    `save` is the side's `save_time_zone` (PortalState, StaffState); `route` is the page's own, which
    loads again in the new zone."""
    return rx.form(
        rx.vstack(
            rx.el.label(t("zone.label"), html_for="f-time_zone", style={"font_weight": "500", "font_size": "0.9em"}),
            rx.hstack(
                rx.input(id="f-time_zone", name="time_zone", list=ZONE_LIST_ID, default_value=SiteState.chosen_zone,
                         placeholder=SiteState.zone_automatic_label, max_length=zones.ZONE_MAX_CHARS,
                         auto_complete="off", size="3", flex="1", min_width="12em",
                         custom_attrs={"aria-describedby": "zone-shown"}),
                brand_button(t("zone.save"), type="submit", size="3"),
                wrap="wrap", spacing="2", width="100%",
            ),
            rx.text(SiteState.zone_automatic_label, " · ", SiteState.zone_shown_text, id="zone-shown", size="2",
                    color_scheme="gray"),
            zone_datalist(),
            rx.el.input(type="hidden", name="route", value=route),
            spacing="1",
            width="100%",
        ),
        on_submit=save,
        key=SiteState.chosen_zone,
    )
