"""Billing's stored files (invoice PDFs, consumption files): their folders, their generated names, and
what an uploaded file may be."""

from __future__ import annotations

import re
from pathlib import Path

from portal_app.core.config import get_settings
from portal_app.core.errors import DomainError

CONSUMPTION_MAX_BYTES = 20 * 1024 * 1024
PDF_MAX_BYTES = 10 * 1024 * 1024


def _files_dir(area: str) -> Path:
    path = get_settings().data_dir / area
    path.mkdir(parents=True, exist_ok=True)
    return path


def invoices_dir() -> Path:
    return _files_dir("invoices")


def consumption_dir() -> Path:
    return _files_dir("consumption")


def store_new_pdf(pdf: bytes, written: list[Path]) -> str:
    """Write an issued document's PDF under a new random name in the invoices folder; its path joins
    `written`, so a caller whose transaction fails removes it. Returns the stored name."""
    import secrets

    name = f"{secrets.token_hex(16)}.pdf"
    path = invoices_dir() / name
    written.append(path)
    path.write_bytes(pdf)
    return name


def stored_path(directory: Path, name: str | None) -> Path | None:
    """A stored file by its generated name; anything that is not one of ours is nothing."""
    if not name or not re.fullmatch(r"[0-9a-f]{32}\.(pdf|csv|txt)", name):
        return None
    path = directory / name
    return path if path.is_file() else None


def remove_stored(directory: Path, name: str | None) -> None:
    """Delete a stored file by its generated name; anything else is ignored."""
    path = stored_path(directory, name)
    if path is not None:
        path.unlink(missing_ok=True)


def safe_filename(raw: str, default: str = "file") -> str:
    """A display name without paths, control characters or quotes."""
    name = Path(str(raw or "").replace("\\", "/")).name
    name = re.sub(r"[\x00-\x1f\x7f\"<>|:*?]", "", name).strip(" .")
    return name[:200] or default


def sniff_upload(data: bytes) -> tuple[str, str]:
    """(extension, content type) read from the content: a PDF, or text (CSV, UTF-8 or Windows-1252)."""
    if data.startswith(b"%PDF-"):
        return "pdf", "application/pdf"
    if not data or b"\x00" in data:
        raise DomainError("billing.error.file_type")
    head = data[:4096]
    for magic in (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"MZ", b"\x7fELF", b"<?xml", b"<svg",
                  b"<!DOCTYPE", b"<html", b"<HTML"):
        if head.lstrip().startswith(magic):
            raise DomainError("billing.error.file_type")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise DomainError("billing.error.file_type") from None
    if any(ord(ch) < 32 and ch not in "\t\r\n\f" for ch in text[:4096]):
        raise DomainError("billing.error.file_type")
    return "csv", "text/csv"
