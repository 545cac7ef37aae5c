"""Console: business settings, branding images, languages."""

import reflex as rx

from portal_app.core.ui.api import api_url
from portal_app.core.ui.dropzone import dropzone
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import admin_page
from portal_app.console.forms import checkbox_group, edit_form, module_label
from portal_app.core.ui.basics import LABEL_STYLE, alert, checkbox_field, column, field, form_grid, options, select_field
from portal_app.console.settings_state import AdminSettingsState
from portal_app.core.states.site import SiteState

S = AdminSettingsState


def _upload(upload_id: str, label_key: str, handler, current) -> rx.Component:
    return rx.vstack(
        rx.text(t(label_key), weight="medium"),
        rx.cond(current != "", rx.image(src=api_url(current), alt=t(label_key), height="60px", width="auto")),
        dropzone(upload_id, "admin.settings.drop_image",
                 accept={"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/webp": [".webp"]},
                 max_files=1),
        rx.hstack(rx.foreach(rx.selected_files(upload_id), lambda f: rx.text(f, size="1")), spacing="2"),
        rx.button(t("admin.settings.upload"), on_click=handler(rx.upload_files_chunk(upload_id=upload_id)),
                  variant="soft"),
        rx.text(t("admin.settings.image_rules"), size="1", color_scheme="gray"),
        spacing="2",
        width="100%",
    )


@admin_page("/admin/settings", on_load=[S.load_settings], area=S.area)
def settings_page() -> rx.Component:
    v = S.view
    form = edit_form(
        form_grid(
            field("admin.settings.name", "name", required=True, default_value=v.name),
            field("admin.settings.sender_name", "sender_name", default_value=v.sender_name),
            rx.vstack(
                rx.el.label(t("admin.settings.brand_color"), html_for="f-brand_color", style=LABEL_STYLE),
                rx.el.input(type="color", id="f-brand_color", name="brand_color", default_value=v.brand_color,
                            style={"width": "80px", "height": "36px"}),
                alert(S.contrast_warning, "info"),
                spacing="1",
            ),
            select_field("admin.settings.default_language", "default_language",
                         rx.foreach(S.shipped, lambda c: rx.el.option(c.name, value=c.code)),
                         value=v.default_language),
            select_field("admin.settings.customer_totp", "customer_totp",
                         *options([("optional", "admin.settings.totp_optional"), ("admins", "admin.settings.totp_admins"),
                                   ("all", "admin.settings.totp_all")]), value=v.customer_totp),
        ),
        rx.vstack(
            rx.el.label(t("admin.settings.login_text"), html_for="f-login_text", style=LABEL_STYLE),
            rx.text_area(id="f-login_text", name="login_text", default_value=v.login_text, width="100%", rows="3"),
            spacing="1",
            width="100%",
        ),
        checkbox_group("admin.settings.languages", S.shipped, lambda c: "lang_" + c.code,
                       lambda c: v.languages.contains(c.code), lambda c: c.name),
        checkbox_field("admin.settings.password_login", "password_login_enabled", v.password_login_enabled),
        checkbox_group("admin.settings.modules", S.module_choices, lambda m: "module_" + m,
                       v.modules.contains, module_label, help_key="admin.settings.modules_help"),
        on_submit=S.save_settings, saved=S.saved, version=S.form_version, spacing="4",
    )
    return column(
        rx.heading(t("admin.nav.settings"), size="6", as_="h1"),
        rx.card(form, width="100%"),
        form_grid(
            rx.card(_upload("logo-upload", "admin.settings.logo", S.upload_logo, SiteState.logo_url)),
            rx.card(_upload("login-image-upload", "admin.settings.login_image", S.upload_login_image,
                            SiteState.login_image_url)),
            spacing="4",
        ),
    )
