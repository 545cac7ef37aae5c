"""The customer's GDPR space (`/privacy`): texts, company, personal data, consents, requests, access log."""

from __future__ import annotations

import reflex as rx

from portal_app.core import i18n, notify
from portal_app.core.business import business_view
from portal_app.core.db import session_scope
from portal_app.core.states.forms import EditedForm
from portal_app.core.states.handlers import parse_id, portal_event
from portal_app.core.states.portal import PortalState
from portal_app.core.states.site import PageMessage
from portal_app.privacy import access_log, consents, requests, settings, space, watch
from portal_app.privacy.models import KIND_ERASURE, KIND_EXPORT
from portal_app.privacy.rows import (ChangeRow, HistoryRow, PurposeRow, RequestRow, VisitRow, history_rows,
                                     purpose_rows, request_rows)


def _downloadable(rows) -> int:
    return sum(r.downloadable for r in rows)


class PrivacyState(EditedForm, PageMessage, PortalState):
    intro: str = ""
    dpo_email: str = ""
    company: str = ""
    company_number: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    mobile: str = ""
    language: str = ""
    portal_role: str = ""
    rights_text: str = ""
    member_since: str = ""
    last_login: str = ""
    languages: list[list[str]] = []
    # A change of email or mobile waiting for its code: what, and where the code went.
    change_what: str = ""
    change_to: str = ""
    notice_key: str = ""
    purposes: list[PurposeRow] = []
    history: list[HistoryRow] = []
    requests: list[RequestRow] = []
    visits: list[VisitRow] = []
    access_changes: list[ChangeRow] = []
    watching: bool = False

    @rx.var
    def notice_text(self) -> str:
        return i18n.t(self.lang or "en", self.notice_key) if self.notice_key else ""

    def _fill(self, db, ctx) -> None:
        lang = self.lang or ctx.language
        default = business_view(db).default_language
        s = settings.get_settings_row(db)
        data = space.personal_data(db, ctx)
        self._set(intro=settings.text_in(s.intro, lang, default), dpo_email=s.dpo_email,
                  company=data.account_name, company_number=data.account_number,
                  first_name=data.first_name, last_name=data.last_name, email=data.email, mobile=data.mobile,
                  language=data.language, portal_role=data.role, rights_text=", ".join(data.rights),
                  member_since=i18n.format_datetime(data.created_at, lang),
                  last_login=i18n.format_datetime(data.last_login_at, lang),
                  languages=[[code, name] for code, name in space.language_names(db)])
        pending = space.pending_change(db, ctx)
        self._set(change_what=pending.what if pending else "", change_to=pending.new_value if pending else "")
        self._fill_consents(db, ctx, lang, default)
        self._fill_requests(db, ctx, lang)
        self._set(visits=[VisitRow(v.staff_name, i18n.format_datetime(v.started_at, lang), (v.seconds + 59) // 60,
                                   ", ".join(v.actions)) for v in access_log.visits(db, ctx)],
                  access_changes=[ChangeRow(c.staff_name, i18n.format_datetime(c.at, lang), c.action)
                                  for c in access_log.access_changes(db, ctx)])

    def _fill_consents(self, db, ctx, lang: str, default: str) -> None:
        self._set(purposes=purpose_rows(consents.answers(db, ctx), lang, default),
                  history=history_rows(consents.history(db, ctx), lang, default))

    def _fill_requests(self, db, ctx, lang: str) -> None:
        self._set(requests=request_rows(requests.list_for_contact(db, ctx), lang))

    @portal_event
    def load_privacy(self, db, ctx):
        self._set(error_key="", notice_key="")
        self._fill(db, ctx)
        self._shown()
        if any(r.status in ("preparing", "building") for r in self.requests):
            return PrivacyState.watch_export

    @portal_event
    def save_profile(self, db, ctx, form: dict):
        self._set(error_key="", notice_key="")
        space.update_profile(db, ctx, first_name=str(form.get("first_name", "")),
                             last_name=str(form.get("last_name", "")), language=str(form.get("language", "")))
        self._fill(db, ctx)
        self._shown()
        self._saved_now()

    @portal_event(impersonated="refuse")
    def start_change(self, db, ctx, form: dict):
        """A new email or mobile: a code goes there; nothing changes until it is typed back."""
        self._set(error_key="", notice_key="")
        what = str(form.get("what", ""))
        change, deliveries = space.start_change(db, ctx, what, str(form.get("value", ""))[:254])
        notify.dispatch_after_commit(db, deliveries)
        self._set(change_what=change.what, change_to=change.new_value, notice_key="privacy.code_sent")

    @portal_event(impersonated="refuse")
    def confirm_change(self, db, ctx, form: dict):
        self._set(error_key="", notice_key="")
        space.confirm_change(db, ctx, str(form.get("code", ""))[:20])
        self._fill(db, ctx)
        self._set(notice_key="privacy.change_done")

    @portal_event
    def cancel_change(self, db, ctx):
        self._set(change_what="", change_to="", notice_key="", error_key="")

    @portal_event(impersonated="refuse")
    def set_consent(self, db, ctx, purpose_id: int, granted: bool):
        self._set(error_key="", notice_key="")
        consents.set_consent(db, ctx, parse_id(purpose_id), granted is True)
        lang = self.lang or ctx.language
        self._fill_consents(db, ctx, lang, business_view(db).default_language)

    def _ask(self, db, ctx, kind: str) -> None:
        self._set(error_key="", notice_key="")
        requests.create_request(db, ctx, kind)
        self._fill_requests(db, ctx, self.lang or ctx.language)
        self.notice_key = f"privacy.{kind}_requested"

    @portal_event(impersonated="refuse")
    def request_export(self, db, ctx):
        self._ask(db, ctx, KIND_EXPORT)
        return PrivacyState.watch_export

    @portal_event(impersonated="refuse")
    def request_erasure(self, db, ctx):
        self._ask(db, ctx, KIND_ERASURE)

    async def _copy_requests(self, ctx) -> list[RequestRow]:
        """Background events: read the contact's requests without the state lock, take it only to copy them in."""
        with session_scope() as db:
            rows = request_rows(requests.list_for_contact(db, ctx), self.lang or ctx.language)
        async with self:
            self.requests = rows
        return rows

    @portal_event(background=True)
    async def downloaded(self, ctx):
        """The archive link was clicked: the browser fetches the file while this event runs, so the list is
        read again (every half second, for at most ten) until the route has recorded the download."""
        await watch.until_spent(lambda: self._copy_requests(ctx), _downloadable, _downloadable(self.requests))

    @portal_event(background=True)
    async def watch_export(self, ctx):
        """Build the contact's waiting archive now (the job would, a few seconds later), in a thread and
        without the state lock, reading its progress every half second; the lock is taken only to copy
        the rows in."""
        async with self:
            if self.watching:
                return
            self.watching = True
        try:
            await watch.build_watching(lambda: requests.build_next_archive(ctx.contact_id),
                                       lambda: self._copy_requests(ctx))
        finally:
            async with self:
                self.watching = False
