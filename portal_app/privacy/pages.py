"""The customer's GDPR space: the business's text and DPO, the company, personal data, consents,
data requests and the access log."""

import reflex as rx

from portal_app.core.ui.api import api_url
from portal_app.core.ui.basics import (alert, brand_button, button_row, column, empty_note, field, form_grid,
                                       keyed_badge, saved_row, select_field, titled_card)
from portal_app.core.states.portal import PortalState
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import NavEntry, portal_page
from portal_app.core.ui.zones import time_zone_form
from portal_app.privacy.state import PrivacyState

S = PrivacyState
STATUS_COLOURS = {"received": "blue", "preparing": "amber", "building": "amber", "ready": "green", "downloaded": "gray",
                  "expired": "gray", "done": "green", "refused": "red", "failed": "red"}


def _line(label_key: str, value) -> rx.Component:
    return rx.hstack(rx.text(t(label_key), weight="medium", size="2", min_width="9em"), rx.text(value, size="2", dir="auto"),
                     wrap="wrap", spacing="2")


def _about() -> rx.Component:
    return titled_card(
        "privacy.about", "shield_check",
        rx.cond(S.intro != "", rx.text(S.intro, white_space="pre-wrap"), empty_note(t("privacy.no_intro"))),
        rx.cond(S.dpo_email != "", _line("privacy.dpo", rx.link(S.dpo_email, href="mailto:" + S.dpo_email))),
        _line("privacy.company", S.company + " (" + S.company_number + ")"),
        rx.cond(S.portal_role == "admin", rx.link(t("team.title"), href="/team", id="team-link")),
    )


def _profile() -> rx.Component:
    form = rx.form(
        column(
            form_grid(
                field("privacy.first_name", "first_name", default_value=S.first_name, max_length=100),
                field("privacy.last_name", "last_name", default_value=S.last_name, max_length=100),
            ),
            select_field("privacy.language", "language",
                         rx.foreach(S.languages, lambda o: rx.el.option(o[1], value=o[0])), value=S.language),
            saved_row(brand_button(t("privacy.save"), type="submit"), S.saved),
            spacing="3",
        ),
        on_submit=S.save_profile,
        key=S.form_version,
    )
    return titled_card(
        "privacy.your_data", "user",
        _line("privacy.email", S.email),
        _line("privacy.mobile", rx.cond(S.mobile != "", S.mobile, "—")),
        _line("privacy.role", S.portal_role),
        _line("privacy.rights", S.rights_text),
        _line("privacy.member_since", S.member_since),
        _line("privacy.last_login", S.last_login),
        form,
        time_zone_form(PortalState.save_time_zone, "/privacy"),
        _change(),
    )


def _change() -> rx.Component:
    start = rx.form(
        rx.hstack(
            rx.el.select(rx.el.option(t("privacy.email"), value="email"), rx.el.option(t("privacy.mobile"), value="mobile"),
                         name="what", aria_label=t("privacy.change_what")),
            rx.input(name="value", aria_label=t("privacy.new_value"), placeholder=t("privacy.new_value"),
                     max_length=254, flex="1", min_width="12em"),
            rx.button(t("privacy.send_code"), type="submit", variant="soft"),
            wrap="wrap", spacing="2", width="100%",
        ),
        on_submit=S.start_change,
        reset_on_submit=True,
    )
    confirm = rx.form(
        rx.vstack(
            rx.text(t("privacy.code_went_to"), " ", rx.code(S.change_to), size="2"),
            rx.hstack(
                rx.input(name="code", aria_label=t("privacy.code"), placeholder="123456", input_mode="numeric",
                         auto_complete="one-time-code", max_length=12),
                rx.button(t("privacy.confirm"), type="submit"),
                rx.button(t("admin.cancel"), type="button", variant="soft", on_click=S.cancel_change),
                wrap="wrap", spacing="2",
            ),
            spacing="2",
        ),
        on_submit=S.confirm_change,
        reset_on_submit=True,
    )
    return rx.vstack(rx.heading(t("privacy.change_title"), size="3", as_="h3"),
                     rx.text(t("privacy.change_help"), size="2", color_scheme="gray"),
                     rx.cond(S.change_what != "", confirm, start), spacing="2", width="100%")


def _purpose(row) -> rx.Component:
    return rx.hstack(
        rx.vstack(rx.text(row.name, weight="medium"), rx.text(row.description, size="2", color_scheme="gray"),
                  rx.cond(row.changed != "", rx.text(t("privacy.changed_on"), " ", row.changed, size="1",
                                                     color_scheme="gray")),
                  spacing="1", flex="1"),
        rx.switch(checked=row.granted, on_change=lambda v: S.set_consent(row.id, v), aria_label=row.name),
        width="100%", align="center", spacing="3",
    )


def _history_row(row) -> rx.Component:
    return rx.table.row(rx.table.cell(row.when), rx.table.cell(row.name),
                        rx.table.cell(rx.cond(row.granted, t("privacy.granted"), t("privacy.withdrawn"))))


def _consents() -> rx.Component:
    return titled_card(
        "privacy.consents", "check_check",
        rx.cond(S.purposes.length() > 0, rx.vstack(rx.foreach(S.purposes, _purpose), spacing="3", width="100%"),
                empty_note(t("privacy.no_purposes"))),
        rx.heading(t("privacy.history"), size="3", as_="h3"),
        rx.cond(S.history.length() > 0,
                rx.table.root(rx.table.header(rx.table.row(
                    rx.table.column_header_cell(t("privacy.when")), rx.table.column_header_cell(t("privacy.purpose")),
                    rx.table.column_header_cell(t("privacy.answer")))),
                    rx.table.body(rx.foreach(S.history, _history_row)), width="100%", id="consent-history"),
                empty_note(t("privacy.no_history"))),
    )


def _request(row) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.text.strong(rx.cond(row.kind == "export", t("privacy.kind_export"), t("privacy.kind_erasure"))),
                  keyed_badge(row.status, "privacy.status_", STATUS_COLOURS), wrap="wrap", spacing="2"),
        rx.text(t("privacy.received"), " ", row.received, size="2"),
        rx.text(t("privacy.deadline"), " ", row.due, size="2"),
        rx.cond((row.status == "preparing") | (row.status == "building"), rx.progress(value=row.progress, max=100, width="100%",
                                                       aria_label=t("privacy.preparing"))),
        rx.cond(row.downloadable, rx.hstack(
            rx.button(rx.el.a(rx.icon("download", size=14), t("privacy.download"),
                              href=api_url(row.href), on_click=S.downloaded),
                      as_child=True, size="2"),
            rx.text(t("privacy.expires"), " ", row.expires, size="1", color_scheme="gray"), align="center", wrap="wrap")),
        spacing="1", width="100%"), width="100%")


def _requests() -> rx.Component:
    return titled_card(
        "privacy.requests", "file_archive",
        rx.text(t("privacy.requests_help"), size="2", color_scheme="gray"),
        button_row(rx.button(t("privacy.request_export"), on_click=S.request_export),
                   rx.button(t("privacy.request_erasure"), on_click=S.request_erasure, variant="soft",
                             color_scheme="red")),
        rx.foreach(S.requests, _request),
    )


def _access() -> rx.Component:
    return titled_card(
        "privacy.access_log", "eye",
        rx.text(t("privacy.access_help"), size="2", color_scheme="gray"),
        rx.cond(S.visits.length() > 0,
                rx.vstack(rx.foreach(S.visits, lambda v: rx.text(
                    v.when, " · ", v.staff, " · ", v.minutes, " ", t("privacy.minutes"),
                    rx.cond(v.actions != "", " · " + v.actions, ""), size="2")), spacing="1"),
                empty_note(t("privacy.no_visits"))),
        rx.heading(t("privacy.access_changes"), size="3", as_="h3"),
        rx.cond(S.access_changes.length() > 0,
                rx.vstack(rx.foreach(S.access_changes, lambda c: rx.text(c.when, " · ", c.staff, " · ", c.action,
                                                                        size="2")), spacing="1"),
                empty_note(t("privacy.no_changes"))),
    )


@portal_page("/privacy", on_load=[S.load_privacy],
             nav=NavEntry("nav.privacy", "/privacy", "shield_check", 80, module="gdpr"))
def privacy_page() -> rx.Component:
    return column(
        rx.heading(t("privacy.title"), size="7", as_="h1"),
        alert(S.error_text, "error"),
        alert(S.notice_text, "success"),
        _about(),
        _profile(),
        _consents(),
        _requests(),
        _access(),
    )
