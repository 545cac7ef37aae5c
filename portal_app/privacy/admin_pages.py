"""Console privacy pages: the GDPR texts, the consent purposes, and the data requests queue."""

import reflex as rx

from portal_app.core.ui.basics import (LABEL_STYLE, alert, brand_button, button_row, checkbox_field, column,
                                       confirm_dialog, field, form_dialog, keyed_badge, page_header, saved_row)
from portal_app.core import registries
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import NavEntry, admin_page, if_permitted
from portal_app.core.ui.unread import count_badge
from portal_app.core.ui.api import api_url
from portal_app.core.states.staff import StaffState
from portal_app.core.ui.tables import data_table, list_page, text_cell
from portal_app.privacy.admin_state import (AdminConsentHistoryState, AdminConsentPurposesState, AdminDataExportState,
                                            AdminPrivacyRequestsState, AdminPrivacySettingsState, AdminSignupsState,
                                            AdminTeamDelegationState, SignupCountState)
from portal_app.privacy.signup import REVIEW_ROUTE
from portal_app.privacy.pages import STATUS_COLOURS


def _text_area(label, name, value, rows: str = "4") -> rx.Component:
    return rx.vstack(rx.el.label(label, html_for="f-" + name, style=LABEL_STYLE),
                     rx.text_area(id="f-" + name, name=name, default_value=value, rows=rows, width="100%"),
                     spacing="1", width="100%")


@admin_page("/admin/privacy-settings", on_load=[AdminPrivacySettingsState.load_settings],
            nav=NavEntry("admin.nav.privacy_settings", "/admin/privacy-settings", "shield_check", 95),
            area=AdminPrivacySettingsState.area)
def privacy_settings_page() -> rx.Component:
    s = AdminPrivacySettingsState
    form = rx.form(
        column(
            field("admin.privacy.dpo_email", "dpo_email", type="email", default_value=s.dpo_email),
            checkbox_field("admin.privacy.signup_enabled", "signup_enabled", s.signup_enabled),
            rx.foreach(s.intro_languages, lambda code: _text_area(t("admin.privacy.intro") + " (" + code + ")",
                                                                  "intro_" + code, s.intro[code])),
            saved_row(brand_button(t("admin.save"), type="submit"), s.saved),
            spacing="3",
        ),
        on_submit=s.save_settings,
        key=s.form_version,
        width="100%",
    )
    return column(page_header("admin.nav.privacy_settings"), rx.card(form, width="100%"),
                  rx.link(t("admin.privacy.purposes"), href="/admin/consent-purposes"))


def _purpose_form() -> rx.Component:
    s = AdminConsentPurposesState
    return form_dialog(
        "admin.privacy.purpose",
        rx.foreach(s.purpose_languages, lambda code: rx.vstack(
            rx.el.label(t("admin.privacy.purpose_name") + " (" + code + ")", html_for="f-name_" + code,
                        style=LABEL_STYLE),
            rx.input(id="f-name_" + code, name="name_" + code, default_value=s.edit_names[code], width="100%",
                     max_length=200),
            _text_area(t("admin.privacy.purpose_description") + " (" + code + ")", "description_" + code,
                       s.edit_descriptions[code], rows="2"),
            spacing="1", width="100%")),
        checkbox_field("admin.privacy.active", "active", s.edit_active),
        alert(s.error_text, "error"),
        open=s.dialog == "purpose", on_cancel=s.close_dialog, on_submit=s.save_purpose,
        key=s.editing_id.to(str) + s.dialog,
    )


@admin_page("/admin/consent-purposes", on_load=[AdminConsentPurposesState.load_purposes],
            area=AdminConsentPurposesState.area)
def consent_purposes_page() -> rx.Component:
    s = AdminConsentPurposesState
    return column(
        page_header("admin.privacy.purposes",
                    brand_button(t("admin.privacy.new_purpose"), on_click=s.edit_purpose(0))),
        alert(s.error_text, "error"),
        data_table(s.purposes, [
            ("admin.privacy.purpose_name", text_cell("name")),
            ("admin.privacy.active", lambda r: rx.cond(r.active, t("admin.yes"), t("admin.no"))),
            ("", lambda r: rx.button(t("admin.privacy.edit"), size="1", variant="soft", on_click=s.edit_purpose(r.id))),
        ], "admin.privacy.no_purposes"),
        _purpose_form(),
    )


def _queue_head(s, title_key: str, help_key: str) -> tuple[rx.Component, ...]:
    """A staff queue's title, its error and done messages, and what it is for."""
    return (page_header(title_key), alert(s.error_text, "error"), alert(s.notice_text, "success"),
            rx.text(t(help_key), size="2", color_scheme="gray"))


def _deadline(row) -> rx.Component:
    return rx.hstack(rx.text(row.due, size="2"),
                     rx.cond(row.overdue, rx.badge(t("admin.privacy.overdue"), color_scheme="red"),
                             rx.cond((row.status == "received") | (row.status == "preparing"),
                                     rx.badge(row.days_left, " ", t("admin.privacy.days_left"),
                                              color_scheme=rx.cond(row.days_left < 7, "amber", "gray")))),
                     spacing="2", wrap="wrap")


def _actions(row) -> rx.Component:
    s = AdminPrivacyRequestsState
    return rx.cond((row.kind == "erasure") & (row.status == "received"), button_row(
        rx.button(t("admin.privacy.erase"), size="1", color_scheme="red", on_click=s.choose(row.id, "erase")),
        rx.button(t("admin.privacy.refuse"), size="1", variant="soft", on_click=s.choose(row.id, "refuse"))),
        rx.cond(row.kind == "export", if_permitted("accounts.write", rx.button(
            t("admin.privacy.staff_copy"), size="1", variant="soft", on_click=s.staff_copy(row.id)))))


def _contact_cell(row) -> rx.Component:
    return rx.link(row.contact, href="/admin/contact?id=" + row.contact_id.to(str), size="2")


@admin_page("/admin/privacy-requests", on_load=[AdminPrivacyRequestsState.load_list],
            nav=NavEntry("admin.nav.privacy_requests", "/admin/privacy-requests", "shield_alert", 26),
            area=AdminPrivacyRequestsState.area)
def privacy_requests_page() -> rx.Component:
    s = AdminPrivacyRequestsState
    return column(
        *_queue_head(s, "admin.nav.privacy_requests", "admin.privacy.queue_help"),
        list_page(s, [
            ("admin.privacy.contact", _contact_cell),
            ("admin.privacy.kind", lambda r: rx.text(rx.cond(r.kind == "export", t("privacy.kind_export"),
                                                              t("privacy.kind_erasure")))),
            ("admin.privacy.status", lambda r: keyed_badge(r.status, "privacy.status_", STATUS_COLOURS)),
            ("admin.privacy.received", text_cell("received")),
            ("admin.privacy.deadline", _deadline),
            ("", _actions),
        ], filters=[rx.el.select(rx.el.option(t("admin.privacy.open_only"), value=""),
                                 rx.el.option(t("admin.privacy.all"), value="all"), name="status",
                                 aria_label=t("admin.privacy.status"))], empty_key="admin.privacy.no_requests"),
        confirm_dialog("admin.privacy.erase", "admin.privacy.erase_confirm", open=s.dialog == "erase",
                       on_cancel=s.close_dialog, on_confirm=s.fulfil, confirm_key="admin.privacy.erase"),
        form_dialog("admin.privacy.refuse", field("admin.privacy.note", "note", required=True),
                    open=s.dialog == "refuse", on_cancel=s.close_dialog, on_submit=s.refuse,
                    submit_key="admin.privacy.refuse"),
    )


def consent_history_panel() -> rx.Component:
    """On the console's contact page: the contact's consent history, newest first."""
    return rx.card(column(
        rx.heading(t("admin.privacy.consent_history"), size="4", as_="h2"),
        data_table(AdminConsentHistoryState.consent_history, [
            ("privacy.when", text_cell("when")),
            ("privacy.purpose", text_cell("name")),
            ("privacy.answer", lambda r: rx.text(rx.cond(r.granted, t("privacy.granted"), t("privacy.withdrawn")),
                                                 size="2")),
            ("admin.privacy.by", text_cell("by")),
        ], "privacy.no_history"),
        spacing="3"), width="100%", id="consent-history-panel")


def team_delegation_panel() -> rx.Component:
    """On the console's account page: may the account's administrators manage their colleagues?"""
    s = AdminTeamDelegationState
    return rx.card(column(
        rx.heading(t("admin.team.title"), size="4", as_="h2"),
        rx.text(t("admin.team.help"), size="2", color_scheme="gray"),
        rx.hstack(rx.switch(checked=s.delegation, on_change=s.set_delegation, id="team-delegation",
                            aria_label=t("admin.team.switch")),
                  rx.text(t("admin.team.switch"), size="2"), align="center", spacing="2"),
        spacing="2"), width="100%", id="team-delegation-panel")


def _export_line(row) -> rx.Component:
    s = AdminDataExportState
    return rx.hstack(
        rx.text(row.requested, size="2"),
        keyed_badge(row.status, "privacy.status_", STATUS_COLOURS),
        rx.cond((row.status == "preparing") | (row.status == "building"),
                rx.progress(value=row.progress, max=100, width="8em", aria_label=t("admin.privacy.export_progress"))),
        rx.cond(row.href != "", rx.hstack(
            rx.button(rx.el.a(rx.icon("download", size=14), t("admin.privacy.export_download"),
                              href=api_url(row.href), on_click=s.staff_downloaded),
                      as_child=True, size="1", variant="soft"),
            rx.text(t("privacy.expires"), " ", row.expires, size="1", color_scheme="gray"),
            spacing="2", align="center", wrap="wrap")),
        spacing="3", align="center", wrap="wrap", width="100%",
    )


def staff_export_panel() -> rx.Component:
    """On the console's contact page: the contact's data archive, prepared for the staff member who asks
    (the roles that may change contacts), downloaded once within its day."""
    s = AdminDataExportState
    return if_permitted("accounts.write", rx.card(column(
        rx.hstack(rx.heading(t("admin.privacy.export_title"), size="4", as_="h2"), rx.spacer(),
                  rx.button(rx.icon("archive", size=14), t("admin.privacy.export_prepare"), size="1",
                            variant="soft", on_click=s.prepare_staff_export, id="prepare-staff-export"),
                  width="100%", align="center", wrap="wrap"),
        rx.text(t("admin.privacy.export_help"), size="2", color_scheme="gray"),
        rx.foreach(s.staff_exports, _export_line),
        spacing="2"), width="100%", id="staff-export-panel"))


def _signups_badge() -> rx.Component:
    return count_badge(SignupCountState.count, SignupCountState.load_signup_count, StaffState.staff_authed)


def _signup_actions(row) -> rx.Component:
    s = AdminSignupsState
    return if_permitted("accounts.write", button_row(
        rx.button(t("admin.signups.attach"), size="1", on_click=s.choose_signup(row.id, "attach")),
        rx.button(t("admin.signups.reject"), size="1", variant="soft", color_scheme="red",
                  on_click=s.choose_signup(row.id, "reject"))))


def _attach_dialog() -> rx.Component:
    s = AdminSignupsState
    return form_dialog(
        "admin.signups.attach",
        rx.text(s.chosen_email, size="2", weight="medium"),
        rx.vstack(
            rx.el.label(t("admin.signups.account"), html_for="f-account_id", style=LABEL_STYLE),
            rx.el.select(rx.foreach(s.account_options, lambda o: rx.el.option(
                rx.cond(o.matched, o.label + " ✓", o.label), value=o.value)),
                id="f-account_id", name="account_id", required=True,
                style={"width": "100%", "padding": "0.4em", "border_radius": "6px",
                       "border": "1px solid var(--gray-7)"}),
            rx.text(t("admin.signups.matched_help"), size="1", color_scheme="gray"),
            spacing="1", width="100%"),
        checkbox_field("admin.signups.send_access", "send_access", True),
        rx.text(t("admin.signups.attach_help"), size="2", color_scheme="gray"),
        alert(s.error_text, "error"),
        open=s.dialog == "attach", on_cancel=s.close_dialog, on_submit=s.attach_signup,
        submit_key="admin.signups.attach", key=s.chosen_id.to(str) + s.dialog,
    )


@admin_page(REVIEW_ROUTE, on_load=[AdminSignupsState.load_list],
            nav=NavEntry("admin.nav.signups", REVIEW_ROUTE, "user_plus", 27, badge=_signups_badge),
            area=AdminSignupsState.area)
def signups_page() -> rx.Component:
    s = AdminSignupsState
    return column(
        *_queue_head(s, "admin.nav.signups", "admin.signups.help"),
        list_page(s, [
            ("admin.signups.email", text_cell("email")),
            ("admin.signups.name", text_cell("name")),
            ("admin.signups.when", text_cell("when")),
            ("", _signup_actions),
        ], empty_key="admin.signups.none"),
        _attach_dialog(),
        confirm_dialog("admin.signups.reject", "admin.signups.reject_confirm", open=s.dialog == "reject",
                       on_cancel=s.close_dialog, on_confirm=s.reject_signup, confirm_key="admin.signups.reject"),
    )


registries.console_panel(registries.ConsolePanel("contact", "staff_export", 60, staff_export_panel,
                                                 AdminDataExportState.load_staff_exports))
registries.console_panel(registries.ConsolePanel("contact", "consent_history", 50, consent_history_panel,
                                                 AdminConsentHistoryState.load_consent_history))
registries.console_panel(registries.ConsolePanel("account", "team_delegation", 50, team_delegation_panel,
                                                 AdminTeamDelegationState.load_delegation))
