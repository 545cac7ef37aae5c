"""Receiving files (documents, message attachments): streamed to disk in chunks under a generated
name, size-limited, typed by their content (magic bytes), with the uploader's name kept only as
cleaned display text.

Type detection is our own small sniffing, not a dependency: the formats a customer portal needs are
few and their signatures are fixed (PDF, PNG, JPEG, GIF, WebP, ZIP with the Office Open XML and
OpenDocument flavours told apart by their entries, and plain UTF-8 text or CSV). Anything else —
executables, scripts, HTML or SVG, legacy OLE Office files (which can carry macros unseen), macro-
enabled Office files — is refused, whatever its name says.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Iterable

from portal_app.core.config import get_settings
from portal_app.core.errors import DomainError

SNIFF_BYTES = 8192
CHUNK_BYTES = 64 * 1024
TITLE_MAX_CHARS = 200
ZIP_MAX_ENTRIES = 10_000  # an office file has dozens; a plain archive of a few thousand files is fine
ZIP_MIMETYPE_BYTES = 100  # the OpenDocument `mimetype` entry is a one-line type name
# Files a feature checks itself (billing imports, consumption files, brand images) wait here, untyped,
# between the upload and the feature's own check; they are removed once it has read them.
STAGING = "staging"
UNTYPED = "application/octet-stream"

# Types shown in the page (iframe or img): the only ones ever served inline.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"})

OOXML = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
}
ODF = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
# Extensions shown to people and used for the download name, by type.
EXTENSIONS = {
    "application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp",
    "application/zip": "zip", "text/plain": "txt", "text/csv": "csv",
    **{mime: ext for mime, ext in OOXML.values()}, **ODF,
}


@dataclass(frozen=True)
class StoredFile:
    """A received file, on disk under `stored_name` in its area's folder, checked and typed."""

    area: str
    stored_name: str
    title: str
    mime_type: str
    size_bytes: int

    @property
    def path(self) -> Path:
        return area_dir(self.area) / self.stored_name

    @property
    def inline(self) -> bool:
        return self.mime_type in INLINE_TYPES


def area_dir(area: str) -> Path:
    """data_dir/<area>: outside any folder a web server serves."""
    if area not in ("documents", "messages", "tickets", "privacy", STAGING):
        raise ValueError(area)
    path = get_settings().data_dir / area
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_stored_name() -> str:
    return secrets.token_hex(16)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_title(raw: str | None) -> str:
    """The uploader's file name as display text: last path segment only, no control or bidi
    characters, no leading dots, bounded. It never becomes a path on the server."""
    name = str(raw or "")
    # Whichever separator the uploader's system used: keep the last segment only.
    name = PureWindowsPath(name.replace("/", "\\")).name
    name = PurePosixPath(name).name
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    name = _CONTROL.sub("", name).strip().lstrip(".").strip()
    if len(name) > TITLE_MAX_CHARS:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: TITLE_MAX_CHARS - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 \
            else name[:TITLE_MAX_CHARS]
    return name or "file"


def sniff(head: bytes, name: str = "") -> str | None:
    """The type from the first bytes; zip flavours are settled later from the whole file.
    `name` only chooses between two text types (CSV or plain text); it never makes a type acceptable."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    return _sniff_text(head, name)


def _sniff_text(head: bytes, name: str) -> str | None:
    if not head or b"\x00" in head:
        return None
    sample = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sniffing window is still text.
        if exc.start < len(sample) - 4:
            return None
        text = sample[: exc.start].decode("utf-8")
    if any(ord(ch) < 32 and ch not in "\t\n\r\f" for ch in text):
        return None
    start = text.lstrip().lower()
    # Markup a browser could render (HTML, SVG, XML with scripts) is not a document here.
    if start.startswith("<") or start.startswith("#!"):
        return None
    return "text/csv" if name.lower().endswith(".csv") else "text/plain"


def _settle_zip(path: Path) -> str | None:
    """Office Open XML, OpenDocument or a plain zip archive; None for macro-enabled, broken or
    hostile files.

    Only the archive's directory is read, plus at most ZIP_MIMETYPE_BYTES inflated bytes of the
    OpenDocument `mimetype` entry: a small upload whose entries inflate to gigabytes (a zip bomb)
    costs no more than a normal one. Archives with more than ZIP_MAX_ENTRIES entries are refused."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > ZIP_MAX_ENTRIES:
                return None
            names = [i.filename for i in infos]
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                return None
            if "mimetype" in names:
                with zf.open("mimetype") as entry:  # streamed: never inflates more than it reads
                    declared = entry.read(ZIP_MIMETYPE_BYTES).decode("ascii", "replace").strip()
                if declared in ODF:
                    return declared
            if "[Content_Types].xml" in names:
                for prefix, (mime, _ext) in OOXML.items():
                    if any(n.startswith(prefix) for n in names):
                        return mime
            return "application/zip"
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, RuntimeError):
        return None


class FileIntake:
    """One file arriving in pieces. `write()` each chunk, then `finish()`; `abort()` on any failure.

    Memory stays at one chunk plus the first few kilobytes: the bytes go to a `.part` file that is
    renamed under its generated name only once the whole file is in and checked."""

    def __init__(self, area: str, original_name: str | None, max_bytes: int, *, typed: bool = True):
        self.area = area
        self.typed = typed  # False: no sniffing here, the feature checks the content (staging only)
        if not typed and area != STAGING:
            raise ValueError("only staged files go untyped")
        self.title = clean_title(original_name)
        self.max_bytes = max_bytes
        self.stored_name = new_stored_name()
        self.size = 0
        self._head = bytearray()
        self._mime: str | None = None
        self._dir = area_dir(area)
        self._part = self._dir / f"{self.stored_name}.part"
        fd = os.open(self._part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._fh = os.fdopen(fd, "wb")
        self._done = False

    def write(self, data: bytes) -> None:
        if not data:
            return
        self.size += len(data)
        if self.size > self.max_bytes:
            self.abort()
            raise DomainError("files.error.too_large", max_mb=max(1, self.max_bytes // (1024 * 1024)))
        if self.typed and self._mime is None and len(self._head) < SNIFF_BYTES:
            self._head += data[: SNIFF_BYTES - len(self._head)]
            if len(self._head) >= SNIFF_BYTES:
                self._check_head()
        self._fh.write(data)

    def _check_head(self) -> None:
        mime = sniff(bytes(self._head), self.title)
        if mime is None:
            self.abort()
            raise DomainError("files.error.type", name=self.title)
        self._mime = mime

    def finish(self) -> StoredFile:
        if self.size == 0:
            self.abort()
            raise DomainError("files.error.empty", name=self.title)
        if not self.typed:
            self._mime = UNTYPED
        elif self._mime is None:
            self._check_head()
        self._fh.close()
        mime = self._mime
        if mime == "application/zip":
            mime = _settle_zip(self._part)
            if mime is None:
                self.abort()
                raise DomainError("files.error.type", name=self.title)
        final = self._dir / self.stored_name
        os.replace(self._part, final)
        self._done = True
        return StoredFile(self.area, self.stored_name, _with_extension(self.title, mime), mime, self.size)

    def abort(self) -> None:
        if self._done:
            return
        self._done = True
        try:
            self._fh.close()
        finally:
            self._part.unlink(missing_ok=True)


def _with_extension(title: str, mime: str) -> str:
    """The display name ends with the extension of the type found, whatever the name claimed."""
    ext = EXTENSIONS.get(mime)
    if not ext:
        return title
    stem, dot, old = title.rpartition(".")
    if dot and old.lower() == ext or (ext == "jpg" and old.lower() == "jpeg"):
        return title
    return f"{title}.{ext}"


def store_chunks(area: str, original_name: str | None, chunks: Iterable[bytes], max_bytes: int) -> StoredFile:
    """Receive a whole file from an iterable of byte chunks (tests, imports, the benchmark)."""
    intake = FileIntake(area, original_name, max_bytes)
    try:
        for chunk in chunks:
            intake.write(chunk)
        return intake.finish()
    except BaseException:
        intake.abort()
        raise


def store_bytes(area: str, original_name: str | None, data: bytes, max_bytes: int) -> StoredFile:
    return store_chunks(area, original_name, (data[i:i + CHUNK_BYTES] for i in range(0, len(data), CHUNK_BYTES)),
                        max_bytes)


def remove(area: str, stored_name: str | None) -> None:
    """Delete a stored file; a name that is not one of ours is ignored."""
    if stored_name and re.fullmatch(r"[0-9a-f]{32}", stored_name):
        (area_dir(area) / stored_name).unlink(missing_ok=True)


def stored_path(area: str, stored_name: str) -> Path | None:
    """The file of a stored name, or None if it is missing or not a generated name."""
    if not re.fullmatch(r"[0-9a-f]{32}", stored_name or ""):
        return None
    path = area_dir(area) / stored_name
    return path if path.is_file() else None


def download_name(title: str) -> str:
    """An ASCII fallback for Content-Disposition's filename= (filename*= carries the real name)."""
    ascii_name = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9._ -]", "_", ascii_name).strip() or "file"
    return ascii_name[:150]


def remove_after_commit(db, area: str, stored_name: str | None) -> None:
    """Remove a stored file once the transaction that deleted its row commits (kept on a rollback)."""
    from portal_app.core.db import after_commit

    if stored_name:
        after_commit(db, lambda: remove(area, stored_name))
