"""What every page shows: the business's branding and the current language's catalogue."""

from __future__ import annotations

import logging

import reflex as rx

from portal_app.core import business, contrast, i18n, registries, zones
from portal_app.core.errors import DomainError
from portal_app.core.states.handlers import public_event, run_page_loads

log = logging.getLogger("guichet.ui")
ONE_YEAR_SECONDS = 365 * 86400


class SiteState(rx.State):
    # The visitor's language choice, remembered by the browser. Kept apart from `lang`: the browser
    # re-sends its cookies on every navigation, and `tr` (the whole catalogue) follows `lang`.
    lang_pref: str = rx.Cookie("", name="guichet_lang", max_age=ONE_YEAR_SECONDS, same_site="lax")
    lang: str = ""
    # The language `tr` is in: it follows `lang` (`_set`), but starts as the catalogue the pages are compiled
    # with, so a new tab whose language turns out to be that one is not sent the whole catalogue again.
    tr_lang: str = "en"
    brand_name: str = ""
    brand_color: str = "#2563eb"
    logo_url: str = ""
    login_image_url: str = ""
    login_text: str = ""
    language_options: list[dict[str, str]] = []
    _offered: list[str] = []
    _default_language: str = "en"
    # The page's message: a refusal or a confirmation, translated, shown by the shell.
    flash_key: str = ""
    flash_params: dict[str, str] = {}
    flash_kind: str = "info"  # info | error
    # The reader's time zones (core/zones.py): the browser's own, asked once per tab by the shell, and the
    # one every time on the page is shown in (their choice, else the device's, else the business's).
    device_zone: str = ""
    time_zone: str = ""
    chosen_zone: str = ""  # what the person chose ("" = as their device), for the profile's field

    @rx.var
    def flash_text(self) -> str:
        return i18n.t(self.lang or "en", self.flash_key, **self.flash_params) if self.flash_key else ""

    def _flash(self, key: str, kind: str = "info", **params) -> None:
        self.flash_key, self.flash_kind = key, kind
        self.flash_params = {k: str(v) for k, v in params.items()}

    def _flash_error(self, exc: DomainError) -> None:
        self._flash(exc.key, "error", **exc.params)

    def _fail(self, exc: DomainError) -> None:
        """How the handler helper shows a refusal; a state with its own message place overrides it."""
        self._flash_error(exc)

    @rx.var
    def tr(self) -> dict[str, str]:
        """The current language's catalogue; components index it by key."""
        return i18n.catalogue(self.tr_lang)

    @rx.var
    def brand_text_color(self) -> str:
        """The text colour written on the brand colour (buttons): white, or dark on a pale brand colour."""
        return contrast.text_on(self.brand_color)

    @rx.var
    def zone_automatic_label(self) -> str:
        """The time zone field's empty choice: "Automatic (this device: Europe/Paris)"."""
        device = self.device_zone if zones.is_zone(self.device_zone) else "?"
        return i18n.t(self.lang or self._default_language, "zone.automatic", zone=device.replace("_", " "))

    @rx.var
    def zone_shown_text(self) -> str:
        """"Times are shown in Asia/Bangkok time." under the time zone field."""
        if not self.time_zone:
            return ""
        return i18n.t(self.lang or self._default_language, "zone.shown_in", zone=self.time_zone.replace("_", " "))

    @rx.var
    def text_dir(self) -> str:
        return "rtl" if self.lang in i18n.RTL_LANGUAGES else "ltr"

    def _t(self, key: str, **params) -> str:
        return i18n.t(self.lang or self._default_language, key, **params)

    def _set(self, **values) -> None:
        """Assign only what changed: Reflex sends every assigned var, and `tr` is the whole catalogue."""
        if values.get("lang"):
            values["tr_lang"] = values["lang"]
        for name, value in values.items():
            if getattr(self, name) != value:
                setattr(self, name, value)

    def _load_branding(self, db) -> None:
        row = business.business_view(db)
        offered = business.offered_languages(row)
        self._set(
            brand_name=row.name,
            brand_color=row.brand_color,
            logo_url=f"/api/brand/logo?v={row.logo_file}" if row.logo_file else "",
            login_image_url=f"/api/brand/login_image?v={row.login_image_file}" if row.login_image_file else "",
            login_text=row.login_text,
            _offered=offered,
            _default_language=row.default_language,
            language_options=[{"code": c, "name": i18n.LANGUAGE_NAMES.get(c, c)} for c in offered],
            lang=i18n.pick_language(self.lang or self.lang_pref, offered, row.default_language),
        )

    @public_event
    def load_site(self, db):
        self._load_branding(db)

    def _on_offer(self, lang) -> bool:
        """A language the browser asks for: offered by the business and shipped with a catalogue (a
        stored language that is neither would break dates, money and PDFs)."""
        return isinstance(lang, str) and lang in self._offered and lang in i18n.shipped_languages()

    @public_event
    def set_language(self, db, lang: str):
        if self._on_offer(lang):
            self._set(lang=lang, lang_pref=lang)

    def _relabel_page(self, db, route, sides: tuple[str, ...]) -> list | None:
        """After the picker changed the language: the page at `route` runs its own loads again (as its
        opening event does, `run_page_loads`), so every row they formatted on the server (dates, amounts,
        month names, labels) is formatted again in the new language. A route that is not a page of
        `sides` runs nothing."""
        page = registries.page_load(route, sides)
        if page is None:
            return None
        forms = _form_versions(self)
        events = run_page_loads(self, db, page.loads)
        for state, name, version in forms:  # the values are the same: the forms stay as typed
            if getattr(state, name) != version:
                setattr(state, name, version)
        return events or None

    def _reader_zone(self) -> str:
        """The zone this tab's reader reads times in (the handler helper makes it the event's)."""
        return self.time_zone

    def _use_zone(self, db, chosen: str) -> None:
        """The reader's effective zone, from their choice and the device's (the business's zone, read
        only when neither is known)."""
        chosen = chosen if zones.is_zone(chosen) else ""
        known = chosen or (self.device_zone if zones.is_zone(self.device_zone) else "")
        self._set(chosen_zone=chosen, time_zone=known or zones.business_zone(db))

    def _ask_device_zone(self, route: str) -> list:
        """The shell asks the browser for its zone once per tab; the answer comes back to
        `set_device_zone` with the page's route, so the page can be formatted again."""
        if self.device_zone:
            return []
        return [rx.call_script(zones.ZONE_SCRIPT, callback=lambda name: type(self).set_device_zone(name, route))]

    def _device_zone_reported(self, db, name, chosen: str) -> bool:
        """The browser's zone (anything that is not a known zone is ignored); True when the zone the
        page is shown in changed."""
        if not zones.is_zone(name) or name == self.device_zone:
            return False
        before = self.time_zone
        self._set(device_zone=name)
        self._use_zone(db, chosen)
        return self.time_zone != before

    def _client_ip(self) -> str:
        return self.router.session.client_ip or ""


def _form_versions(state: rx.State) -> list[tuple[rx.State, str, int]]:
    """Every form version (`EditedForm.form_version` and its kin) of the tab's loaded states. A page
    formatted again (another language, another zone) shows the same stored values: its loads must not
    re-create the forms, or what the person was typing (or had typed just before the browser reported
    its zone) is lost."""
    root = state
    while root.parent_state is not None:
        root = root.parent_state
    found, pending = [], [root]
    while pending:
        current = pending.pop()
        found += [(current, name, getattr(current, name)) for name in type(current).base_vars
                  if name.endswith("form_version")]
        pending += current.substates.values()
    return found


class PageMessage(rx.State, mixin=True):
    """A page's own place for a refusal, shown in the page rather than in the shell: `error_text`,
    translated with its parameters. The handler helper calls `_fail`; `_clear` says what a refusal
    takes off the page (nothing by default)."""

    error_key: str = ""
    error_params: dict[str, str] = {}

    @rx.var
    def error_text(self) -> str:
        return i18n.t(self.lang or "en", self.error_key, **self.error_params) if self.error_key else ""

    def _fail(self, exc: DomainError) -> None:
        self.error_key = exc.key
        self.error_params = {k: str(v) for k, v in exc.params.items()}
        self._clear()

    def _clear(self) -> None:
        """What a refusal takes off this page (nothing by default)."""


class LinkCount(rx.State, mixin=True):
    """A count beside a navigation link, loaded when its badge appears (so no page pays for it). Its
    loader assigns only a change (`self._set(count=...)`): an unchanged count sends nothing back."""

    count: int = 0

    def _fail(self, exc: DomainError) -> None:
        # No session (or no right): nothing to count, and no message beside a link.
        self._set(count=0)
