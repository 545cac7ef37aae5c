"""Receiving uploads into the file intake, one file after another: the one path every upload handler takes.

Every upload is streamed (rx.upload_files_chunk) into a background event: the state lock is not held
while megabytes arrive, the session is checked before the first chunk is read, each chunk is written
to a `.part` file in the data folder as it arrives (never the upload in memory), and a file over its
limit stops the transfer after at most its limit plus one chunk (the handler returns early and Reflex
answers the browser's request with an error). No upload goes through Reflex's buffered `/_upload`
form parsing, which would spool the whole body before any handler ran.

Features that check the content themselves (billing's CSV and PDFs, brand images) receive into the
`staging` area untyped (`typed=False`); their `store` reads the staged files, and the staged copies
are removed whatever happens."""

from __future__ import annotations

import logging
from typing import Any, AsyncIterator, Callable

import reflex as rx

from portal_app.core.db import session_scope
from portal_app.core import files as file_intake
from portal_app.core.errors import DomainError
from portal_app.core.files import STAGING, FileIntake, StoredFile
from portal_app.core.states.handlers import own_side_event

log = logging.getLogger("guichet.uploads")


async def receive_files(chunks: AsyncIterator, area: str, max_bytes: int, *, max_files: int = 10,
                        max_total: int | None = None, typed: bool = True,
                        too_many_key: str = "messages.error.too_many_files") -> list[StoredFile]:
    """Write every file of the upload to disk; on any refusal nothing of this upload is kept.
    `max_bytes` holds for each file, `max_total` for the upload's files together (both while reading)."""
    stored: list[StoredFile] = []
    intake: FileIntake | None = None
    current = None
    total = 0
    try:
        async for chunk in chunks:
            starts_new = intake is None or chunk.filename != current or (chunk.offset == 0 and intake.size > 0)
            if starts_new:
                if intake is not None:
                    stored.append(intake.finish())
                if len(stored) >= max_files:
                    raise DomainError(too_many_key, max=max_files)
                intake, current = FileIntake(area, chunk.filename, max_bytes, typed=typed), chunk.filename
            total += len(chunk.data)
            if max_total is not None and total > max_total:
                raise DomainError("files.error.total_too_large", max_mb=max(1, max_total // (1024 * 1024)))
            intake.write(chunk.data)
        if intake is not None:
            stored.append(intake.finish())
    except BaseException:
        if intake is not None:
            intake.abort()
        for f in stored:
            file_intake.remove(area, f.stored_name)
        raise
    return stored


async def receive_and_store(chunks: AsyncIterator, *, area: str, resolve: Callable[[Any], Any],
                            limit_for: Callable[[Any, Any], int], store: Callable[[Any, Any, list[StoredFile]], Any],
                            max_files: int = 10, require_file: bool = False, what: str = "upload",
                            max_total: int | None = None, too_many_key: str = "messages.error.too_many_files") -> Any:
    """An upload from start to end: the actor (`resolve(db)`, None = session over) is checked before the
    first byte is read and again before the rows are written; `store(db, actor, files)` writes them.
    On any refusal the files of this upload are removed and a DomainError is raised (a crash becomes
    "files.error.failed", logged), so the caller only has to show it. With `area=STAGING` the files are
    untyped (the feature's `store` checks them) and always removed once `store` has run."""
    stored: list[StoredFile] = []
    staged = area == STAGING
    try:
        with session_scope() as db:
            actor = resolve(db)
            if actor is None:
                raise DomainError("error.session_over")
            limit = limit_for(db, actor)
        stored = await receive_files(chunks, area, limit, max_files=max_files, max_total=max_total,
                                     typed=not staged, too_many_key=too_many_key)
        if require_file and not stored:
            raise DomainError("files.error.no_file")
        with session_scope() as db:
            actor = resolve(db)
            if actor is None:
                raise DomainError("error.session_over")
            # All the upload's rows or none: a refusal met on a later file (one too many) is committed
            # with its session, as every refusal is, and must not keep the earlier files' rows.
            with db.begin_nested():
                result = store(db, actor, stored)
        if staged:
            for f in stored:
                file_intake.remove(area, f.stored_name)
        return result
    except Exception as exc:  # noqa: BLE001 - a broken upload must leave a clear message, not a spinner
        for f in stored:
            file_intake.remove(area, f.stored_name)
        if isinstance(exc, DomainError):
            raise
        log.warning("%s failed: %s", what, exc)
        raise DomainError("files.error.failed") from exc


def progress_percent(prog: dict) -> int:
    """The browser's upload progress ({loaded, total, progress}) as a whole percentage."""
    try:
        return max(0, min(100, int(float(prog.get("progress", 0)) * 100)))
    except (TypeError, ValueError, AttributeError):
        return 0


class UploadProgress(rx.State, mixin=True):
    """A streamed upload under way on a page: whether it runs, and how far it is (the dropzone's
    progress events call `set_upload_progress`)."""

    uploading: bool = False
    upload_percent: int = 0

    @own_side_event("read")  # the progress bar only
    def set_upload_progress(self, db, ctx, prog: dict):
        self.upload_percent = progress_percent(prog)
