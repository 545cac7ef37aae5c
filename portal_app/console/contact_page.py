"""Console: one contact — details and access, invitation with preview, access diagnosis, impersonation."""

import reflex as rx

from portal_app.core import registries
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import admin_page
from portal_app.core.ui.tables import data_table, text_cell
from portal_app.console.forms import checkbox_group, edit_form, flags, module_label
from portal_app.core.ui.basics import (brand_button, button_row, checkbox_field, column, field, form_grid, options,
                                      page_header, select_field, status_badge)
from portal_app.console.contacts_state import AdminContactState
from portal_app.console.layout import detail_page
from portal_app.console.signin_methods import signin_methods_card
from portal_app.console.signin_state import ContactSignInState
from portal_app.core.states.site import SiteState

S = AdminContactState


def _form() -> rx.Component:
    v = S.contact
    return edit_form(
        form_grid(
            field("admin.contact.first_name", "first_name", default_value=v.first_name),
            field("admin.contact.last_name", "last_name", default_value=v.last_name),
            field("admin.contact.email", "email", type="email", required=True, default_value=v.email),
            field("admin.contact.mobile", "mobile", type="tel", default_value=v.mobile,
                  placeholder="+33 6 12 34 56 78"),
            select_field("admin.contact.language", "language",
                         rx.foreach(S.language_choices, lambda c: rx.el.option(c.name, value=c.code)),
                         value=v.language),
            select_field("admin.contact.role", "portal_role",
                         *options([("admin", "admin.role.admin"), ("member", "admin.role.member")]),
                         value=v.portal_role),
        ),
        flags(checkbox_field("admin.contact.active", "active", v.active),
              checkbox_field("admin.contact.portal_access", "portal_access", v.portal_access)),
        checkbox_group("admin.contact.rights", S.module_choices, lambda m: "right_" + m,
                       v.rights.to(list[str]).contains, module_label, help_key="admin.contact.rights_help"),
        on_submit=S.save_contact, saved=S.saved, version=S.form_version, button_id="save-contact",
        note_key="admin.contact.save_sends_nothing", spacing="4",
    )


def _invitation_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("admin.contact.invitation_preview")),
            rx.text(t("admin.contact.to"), ": ", S.preview_to, size="2"),
            rx.text(t("admin.contact.subject"), ": ", S.invitation.subject, size="2", weight="bold"),
            rx.el.iframe(src_doc=S.invitation.html, sandbox="", title=t("admin.contact.invitation_preview"),
                         style={"width": "100%", "height": "320px", "border": "1px solid var(--gray-5)",
                                "border_radius": "6px", "background": "white"}),
            button_row(
                rx.button(t("admin.cancel"), on_click=S.close_dialog, variant="soft"),
                # From the offer, the same email also turns portal access on ("Give access").
                rx.cond(S.dialog == "give_access",
                        brand_button(rx.icon("send", size=16), t("admin.contact.send_invitation_now"),
                                     on_click=S.give_access, id="confirm-give-access"),
                        brand_button(rx.icon("send", size=16), t("admin.contact.send_invitation_now"),
                                     on_click=S.send_invitation, id="confirm-invitation")),
                margin_top="1em",
            ),
            max_width="640px",
        ),
        open=S.preview_open,
    )


def _access_offer() -> rx.Component:
    """After a right was granted to a contact with no way in yet: an offer, never a send on save."""
    return rx.callout(
        rx.hstack(
            rx.text(t("admin.contact.access_offer"), size="2"),
            rx.button(rx.icon("send", size=14), t("admin.contact.give_access_now"), on_click=S.open_give_access,
                      size="1", id="give-access"),
            spacing="3", align="center", wrap="wrap",
        ),
        icon="mail", color_scheme="blue", role="status", id="access-offer", width="100%",
    )


def _recent(title_key: str, rows: rx.Var, fields: list, empty_key: str) -> tuple[rx.Component, rx.Component]:
    """A heading and the table of the contact's recent messages or attempts: each field is shown under
    the log's heading of the same name (or a (heading, field) pair)."""
    pairs = [(f, f) if isinstance(f, str) else f for f in fields]
    return (rx.heading(t(title_key), size="3", as_="h3"),
            data_table(rows, [("admin.log." + key, text_cell(name)) for key, name in pairs], empty_key=empty_key))


def _failing_mark(which: str, reason: rx.Var) -> rx.Component:
    """An address the providers reported as failing, why, and the button that clears the mark."""
    return rx.cond(
        reason != "",
        rx.callout(
            rx.vstack(
                rx.text(t(f"admin.contact.{which}_failing"), size="2"),
                rx.text(reason, size="2", weight="medium"),
                rx.button(t("admin.contact.clear_mark"), on_click=S.clear_failing_mark(which), size="1",
                          variant="soft", id=f"clear-{which}-mark"),
                spacing="2",
            ),
            icon="triangle_alert", color_scheme="red", role="alert", id=f"{which}-failing",
        ),
    )


def _diagnosis() -> rx.Component:
    return rx.card(
        column(
            rx.hstack(
                rx.heading(t("admin.diagnose.title"), size="4", as_="h2"),
                status_badge(S.diagnosis.can_log_in, "admin.diagnose.can_log_in", "admin.diagnose.cannot_log_in"),
                rx.spacer(),
                rx.button(rx.icon("refresh_cw", size=14), t("admin.diagnose.refresh"),
                          on_click=S.refresh_diagnosis, variant="soft", size="1"),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            rx.el.ul(
                rx.foreach(S.diagnosis.checks, lambda c: rx.el.li(
                    rx.hstack(
                        rx.cond(c.ok, rx.icon("circle_check", color="var(--green-9)", size=18),
                                rx.icon("circle_x", color="var(--red-9)", size=18)),
                        rx.text(SiteState.tr[c.key].to(str), weight="medium", size="2"),
                        rx.text(c.detail, size="2", color_scheme="gray"),
                        align="center",
                        spacing="2",
                    ),
                    style={"list_style": "none", "padding": "0.2em 0"},
                )),
                id="diagnosis",
                style={"padding": "0", "margin": "0"},
            ),
            _failing_mark("email", S.diagnosis.email_failing),
            _failing_mark("mobile", S.diagnosis.mobile_failing),
            *_recent("admin.diagnose.messages", S.diagnosis.messages,
                     ["when", "channel", ("to", "recipient"), "template", "status", "reason",
                      ("provider_answer", "provider")],
                     "admin.diagnose.no_messages"),
            rx.link(t("admin.diagnose.all_deliveries"), href="/admin/deliveries?contact=" + S.contact_id.to(str),
                    size="2"),
            *_recent("admin.diagnose.attempts", S.diagnosis.attempts, ["when", "kind", "outcome", "ip"],
                     "admin.diagnose.no_attempts"),
            spacing="3",
        ),
        width="100%",
    )


@admin_page("/admin/contact", on_load=[AdminContactState.load_contact, ContactSignInState.load_signin],
            area=AdminContactState.area)
def contact_page() -> rx.Component:
    return detail_page(
        S.account_id > 0, S.account_name, "/admin/account?id=" + S.account_id.to(str),
        page_header(
            rx.cond(S.contact_id > 0, S.contact.email, t("admin.contacts.new")),
            rx.cond(
                S.contact_id > 0,
                rx.hstack(
                    rx.button(rx.icon("mail", size=16), t("admin.contact.send_invitation"),
                              on_click=S.open_invitation, variant="soft", id="open-invitation"),
                    rx.button(rx.icon("eye", size=16), t("admin.contact.impersonate"), on_click=S.impersonate,
                              variant="soft", color_scheme="amber", id="impersonate"),
                    rx.button(rx.icon("log_out", size=16), t("admin.contact.sign_out_everywhere"),
                              on_click=S.sign_out_everywhere, variant="soft", color_scheme="red",
                              id="sign-out-everywhere"),
                    spacing="2",
                    wrap="wrap",
                ),
            ),
        ),
        rx.cond(S.invited_at != "", rx.text(t("admin.contact.invited_at"), " ", S.invited_at, size="2",
                                            color_scheme="gray")),
        rx.cond(S.offer_access & ~S.invitation_sent, _access_offer()),
        rx.cond(S.invitation_sent, rx.callout(t("admin.contact.invitation_queued"), icon="circle_check",
                                              color_scheme="green", role="status")),
        rx.card(_form(), width="100%"),
        rx.cond(S.contact_id > 0, signin_methods_card()),
        rx.cond(S.contact_id > 0, _diagnosis()),
        # Sections the feature packages add (privacy: the consent history).
        *[rx.cond(S.contact_id > 0, p.render()) for p in registries.panels_of("contact")],
        _invitation_dialog(),
    )
