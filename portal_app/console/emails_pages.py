"""Console › Customer emails: pick an email and a language, rewrite it, see the preview, save or reset."""

import reflex as rx

from portal_app.console.emails_state import AdminEmailsState
from portal_app.core.registries import NavEntry
from portal_app.core.ui.basics import brand_button, button_row, page_header
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import admin_page

S = AdminEmailsState


def _chooser() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.el.select(rx.foreach(S.template_choices, lambda c: rx.el.option(c, value=c)), name="template",
                         value=S.template, aria_label=t("settings.emails.template"), id="f-template"),
            rx.el.select(rx.foreach(S.language_choices, lambda c: rx.el.option(c, value=c)), name="language",
                         value=S.language, aria_label=t("settings.emails.language"), id="f-language"),
            rx.button(t("settings.emails.open"), type="submit", variant="soft"),
            spacing="2", wrap="wrap",
        ),
        on_submit=S.choose,
    )


def _editor() -> rx.Component:
    return rx.vstack(
        rx.el.label(t("settings.emails.subject"), html_for="f-subject"),
        rx.input(default_value=S.draft_subject, id="f-subject", name="subject", width="100%",
                 on_change=S.edit_subject.debounce(400)),
        rx.el.label(t("settings.emails.body"), html_for="f-body"),
        rx.text_area(default_value=S.draft_body, id="f-body", name="body", rows="10", width="100%",
                     on_change=S.edit_body.debounce(400)),
        rx.text(t("settings.emails.placeholders"), " ", S.placeholders.join(" "), size="1", color_scheme="gray"),
        button_row(
            brand_button(t("admin.save"), on_click=S.save_email, id="save-email"),
            rx.button(t("settings.emails.reset"), on_click=S.reset_email, variant="soft", color_scheme="gray",
                      disabled=~S.customised, id="reset-email"),
        ),
        key=S.form_version.to(str),
        width="100%",
        spacing="2",
    )


def _preview() -> rx.Component:
    return rx.vstack(
        rx.heading(t("settings.emails.preview"), size="3", as_="h2"),
        rx.cond(S.preview_error != "",
                rx.callout(S.preview_error, icon="triangle_alert", color_scheme="red", role="alert",
                           id="template-error")),
        rx.text(t("admin.contact.subject"), ": ", rx.el.strong(S.preview_subject, id="preview-subject"), size="2"),
        # No frame before there is a document, and a new frame per preview (see preview_version).
        rx.cond(S.preview_html != "", rx.el.iframe(
            src_doc=S.preview_html, sandbox="", title=t("settings.emails.preview"), key=S.preview_version.to(str),
            style={"width": "100%", "height": "360px", "border": "1px solid var(--gray-5)",
                   "border_radius": "6px", "background": "white"})),
        width="100%",
    )


@admin_page("/admin/settings/emails", on_load=[S.load_emails], area=S.area,
            nav=NavEntry("admin.nav.emails", "/admin/settings/emails", "mail", 97))
def emails_page() -> rx.Component:
    return rx.vstack(
        page_header("admin.nav.emails"),
        rx.text(t("settings.emails.intro"), color_scheme="gray", size="2"),
        _chooser(),
        rx.grid(rx.card(_editor()), rx.card(_preview()), columns=rx.breakpoints(initial="1", md="2"),
                spacing="4", width="100%"),
        spacing="4",
        width="100%",
    )
