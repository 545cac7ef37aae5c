"""Receiving files: type by content (not by name), size limit while streaming, names never become paths."""

from __future__ import annotations

import io
import zipfile

import pytest

from portal_app.core import files as file_intake
from portal_app.core.errors import DomainError
from tests.factories import PDF_BYTES, PNG_BYTES

MB = 1024 * 1024


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSM = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<wb/>", "xl/vbaProject.bin": b"macro"})
ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
PLAIN_ZIP = _zip({"a.txt": b"hello"})
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100
GIF = b"GIF89a" + b"\x00" * 50
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
OLE = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 200


@pytest.mark.parametrize("name,data,mime", [
    ("scan.pdf", PDF_BYTES, "application/pdf"),
    ("photo.png", PNG_BYTES, "image/png"),
    ("photo.jpeg", JPEG, "image/jpeg"),
    ("anim.gif", GIF, "image/gif"),
    ("pic.webp", WEBP, "image/webp"),
    ("letter.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("text.odt", ODT, "application/vnd.oasis.opendocument.text"),
    ("bundle.zip", PLAIN_ZIP, "application/zip"),
    ("usage.csv", "date;minutes\n2026-01-02;12\nÉté;3\n".encode(), "text/csv"),
    ("notes.txt", "Grüße\n".encode(), "text/plain"),
])
def test_accepted_types_are_found_by_content(name, data, mime):
    stored = file_intake.store_bytes("documents", name, data, MB)
    assert stored.mime_type == mime
    assert stored.path.read_bytes() == data
    assert stored.size_bytes == len(data)


@pytest.mark.parametrize("name,data", [
    ("invoice.pdf", EXE),  # an executable named like a PDF
    ("photo.png", ELF),
    ("page.txt", b"<!doctype html><script>alert(1)</script>"),
    ("image.png", b"<svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>"),
    ("run.csv", b"#!/bin/sh\nrm -rf /\n"),
    ("old.doc", OLE),  # legacy Office: macros cannot be seen
    ("book.xlsx", XLSM),  # macro-enabled workbook
    ("broken.zip", b"PK\x03\x04" + b"\x00" * 100),
    ("binary.txt", b"abc\x00def"),
])
def test_refused_types_whatever_the_name(name, data):
    with pytest.raises(DomainError) as err:
        file_intake.store_bytes("documents", name, data, MB)
    assert err.value.key == "files.error.type"
    assert not list(file_intake.area_dir("documents").glob("*.part"))


def test_a_pdf_named_like_an_executable_is_a_pdf():
    stored = file_intake.store_bytes("documents", "setup.exe", PDF_BYTES, MB)
    assert stored.mime_type == "application/pdf"
    assert stored.title == "setup.exe.pdf"  # the display name tells what it really is
    assert stored.inline


def test_size_limit_stops_the_stream_and_leaves_nothing():
    before = set(file_intake.area_dir("documents").iterdir())
    chunks_read = []

    def chunks():
        for i in range(100):
            chunks_read.append(i)
            yield (PDF_BYTES if i == 0 else b"x" * 64 * 1024)

    with pytest.raises(DomainError) as err:
        file_intake.store_chunks("documents", "big.pdf", chunks(), MB)
    assert err.value.key == "files.error.too_large" and err.value.params == {"max_mb": 1}
    assert len(chunks_read) < 20  # stopped soon after the limit, not after reading everything
    assert set(file_intake.area_dir("documents").iterdir()) == before


def test_empty_file_is_refused():
    with pytest.raises(DomainError) as err:
        file_intake.store_bytes("documents", "empty.pdf", b"", MB)
    assert err.value.key == "files.error.empty"


@pytest.mark.parametrize("raw,expected", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
    ("C:\\Users\\ann\\Desktop\\Facture.pdf", "Facture.pdf"),
    ("/var/www/.htaccess", "htaccess"),
    ("..", "file"),
    ("", "file"),
    (None, "file"),
    ("report\x00.pdf", "report.pdf"),
    ("invoice\u202egpj.exe", "invoicegpj.exe"),  # right-to-left override dropped
    ("line\nbreak.pdf", "linebreak.pdf"),
    ("Übersicht März.pdf", "Übersicht März.pdf"),
])
def test_names_are_display_text_only(raw, expected):
    assert file_intake.clean_title(raw) == expected


def test_long_names_keep_their_extension():
    title = file_intake.clean_title("a" * 500 + ".pdf")
    assert len(title) <= file_intake.TITLE_MAX_CHARS and title.endswith(".pdf")


def test_stored_name_is_generated_and_inside_the_area():
    stored = file_intake.store_bytes("documents", "../../../../tmp/evil.pdf", PDF_BYTES, MB)
    assert stored.path.parent == file_intake.area_dir("documents")
    assert len(stored.stored_name) == 32 and "evil" not in stored.stored_name
    assert stored.title == "evil.pdf"


def test_stored_path_accepts_only_generated_names():
    stored = file_intake.store_bytes("documents", "a.pdf", PDF_BYTES, MB)
    assert file_intake.stored_path("documents", stored.stored_name) == stored.path
    for bad in ("../secret.key", "..", "", stored.stored_name + "/..", "/etc/passwd"):
        assert file_intake.stored_path("documents", bad) is None


def test_download_name_is_ascii_and_harmless():
    assert file_intake.download_name('Fac"ture\r\n; x=y.pdf') == "Fac_ture___ x_y.pdf"
    assert file_intake.download_name("Übersicht.pdf") == "Ubersicht.pdf"


def _bomb(inflated_mb: int) -> bytes:
    """An OpenDocument-looking archive whose `mimetype` entry inflates to `inflated_mb` MB of zeros:
    a few hundred kilobytes on the wire."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("mimetype", "w", force_zip64=True) as entry:
            block = b"\0" * MB
            for _ in range(inflated_mb):
                entry.write(block)
        zf.writestr("content.xml", b"<x/>")
    return buf.getvalue()


def test_a_zip_bomb_is_typed_without_inflating_it():
    import tracemalloc

    bomb = _bomb(64)
    assert len(bomb) < 1 * MB
    tracemalloc.start()
    try:
        stored = file_intake.store_chunks("documents", "bomb.odt", iter([bomb]), 10 * MB)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * MB  # the 64 MB entry was never inflated in memory
    assert stored.mime_type == "application/zip"  # its declared type is not a known one: a plain archive
    file_intake.remove("documents", stored.stored_name)


def test_archives_with_too_many_entries_are_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(10_001):  # 10,000 entries at most, by its literal value
            zf.writestr(f"f{i}.txt", b"")
    with pytest.raises(DomainError) as err:
        file_intake.store_chunks("documents", "many.zip", iter([buf.getvalue()]), 10 * MB)
    assert err.value.key == "files.error.type"
