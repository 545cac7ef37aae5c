"""Receiving streamed uploads (rx.upload_files_chunk) into the file intake, one file after another.

The upload handler is a background event: the state lock is not held while megabytes arrive, the
session is checked before the first byte is kept, and a file over the limit stops the transfer at
once (the handler returns early and Reflex answers the browser's request with an error)."""

from __future__ import annotations

from typing import AsyncIterator

from ..services import file_intake
from ..services.file_intake import FileIntake, StoredFile


async def receive_files(chunks: AsyncIterator, area: str, max_bytes: int, *, max_files: int = 10) -> list[StoredFile]:
    """Write every file of the upload to disk; on any refusal nothing of this upload is kept."""
    stored: list[StoredFile] = []
    intake: FileIntake | None = None
    current = None
    try:
        async for chunk in chunks:
            starts_new = intake is None or chunk.filename != current or (chunk.offset == 0 and intake.size > 0)
            if starts_new:
                if intake is not None:
                    stored.append(intake.finish())
                if len(stored) >= max_files:
                    from ..services.errors import DomainError

                    raise DomainError("messages.error.too_many_files", max=max_files)
                intake, current = FileIntake(area, chunk.filename, max_bytes), chunk.filename
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


def progress_percent(prog: dict) -> int:
    """The browser's upload progress ({loaded, total, progress}) as a whole percentage."""
    try:
        return max(0, min(100, int(float(prog.get("progress", 0)) * 100)))
    except (TypeError, ValueError, AttributeError):
        return 0
