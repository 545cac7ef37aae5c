"""Property-based fuzzing of the file intake (core/files.py): whatever the name, size, declared and
real type, nested or broken archive, the intake either stores the file under a generated name in its
own folder or refuses it with a clean DomainError; it never writes elsewhere, never leaves a `.part`
behind, and its memory stays bounded."""

from __future__ import annotations

import io
import os
import zipfile

from hypothesis import HealthCheck, given, settings, strategies as st

from portal_app.core import files as file_intake
from portal_app.core.config import get_settings
from portal_app.core.errors import DomainError

MAX = 256 * 1024
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

names = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["../../etc/passwd", "..\\..\\boot.ini", "/abs/x.pdf", "C:\\x\\y.pdf", "a\x00b.pdf", "",
                     ".", "..", ".htaccess", "x.pdf\u202egnp.exe", "\u0000", "con", "a/" * 200 + "b.pdf",
                     "é" * 500 + ".pdf", "x\u200b.pdf"]),
)
HEADS = [b"%PDF-1.4\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"RIFF\0\0\0\0WEBP", b"PK\x03\x04",
         b"MZ\x90\x00", b"\x7fELF", b"<html>", b"<svg ", b"#!/bin/sh\n", b"\xd0\xcf\x11\xe0", b"", b"hello, "]


def _zip(entries: list[tuple[str, bytes]], nested: int = 0) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(name or "x", data)
    data = buf.getvalue()
    for _ in range(nested):
        data = _zip([("inner.zip", data)])
    return data


archives = st.builds(
    _zip,
    st.lists(st.tuples(st.sampled_from(["mimetype", "[Content_Types].xml", "word/document.xml", "xl/x.xml",
                                        "vbaProject.bin", "../evil.txt", "/abs.txt", "a" * 300, "doc.txt"]),
                       st.one_of(st.binary(max_size=64),
                                 st.sampled_from([b"application/vnd.oasis.opendocument.text",
                                                  b"\0" * 200_000]))),  # compresses to almost nothing
             max_size=6),
    st.integers(0, 3),
)
contents = st.one_of(
    st.builds(lambda h, tail: h + tail, st.sampled_from(HEADS), st.binary(max_size=4096)),
    archives,
    st.builds(lambda z, cut: z[:cut], archives, st.integers(0, 200)),  # truncated archives
    st.builds(lambda n: b"a" * n, st.integers(0, MAX + 70_000)),  # around the limit
)
chunk_sizes = st.sampled_from([1, 7, 4096, 64 * 1024])


def _tree(root) -> set[str]:
    return {os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs}


@FUZZ
@given(name=names, data=contents, chunk=chunk_sizes)
def test_intake_stores_in_its_folder_or_refuses_cleanly(name, data, chunk):
    root = get_settings().data_dir
    folder = file_intake.area_dir("documents")
    before = _tree(root)
    try:
        stored = file_intake.store_chunks("documents", name, (data[i:i + chunk] for i in range(0, len(data), chunk)),
                                          MAX)
    except DomainError as exc:
        assert exc.key in ("files.error.type", "files.error.empty", "files.error.too_large")
        assert _tree(root) == before  # nothing kept, not even the .part
        return
    try:
        assert stored.path.parent == folder and stored.path.is_file()
        assert stored.stored_name == os.path.basename(stored.stored_name) and len(stored.stored_name) == 32
        assert _tree(root) - before == {os.path.relpath(stored.path, root)}
        assert 0 < stored.size_bytes <= MAX and stored.path.stat().st_size == len(data)
        assert "/" not in stored.title and "\\" not in stored.title and "\x00" not in stored.title
        assert 0 < len(stored.title) <= file_intake.TITLE_MAX_CHARS + 5
        assert stored.mime_type in file_intake.EXTENSIONS
    finally:
        file_intake.remove("documents", stored.stored_name)


@FUZZ
@given(name=names)
def test_titles_are_display_text_never_paths(name):
    title = file_intake.clean_title(name)
    assert title and "/" not in title and "\\" not in title and not title.startswith(".")
    assert not any(ord(c) < 32 or ord(c) == 0x7f for c in title)
    assert len(title) <= file_intake.TITLE_MAX_CHARS


_MEASURE = """
import io, sys, tracemalloc, zipfile
from portal_app.core import files as file_intake
size_mb, chunk = int(sys.argv[1]), int(sys.argv[2])
piece = b"%PDF-1.4 " + b"x" * (chunk - 9)
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
    zf.writestr("mimetype", b"\\0" * (20 * 1024 * 1024))
bomb = buf.getvalue()
tracemalloc.start()
stored = file_intake.store_chunks("documents", "big.pdf", (piece for _ in range(size_mb * 1024 * 1024 // chunk)),
                                  10 * 1024 * 1024)
zipped = file_intake.store_bytes("documents", "bomb.zip", bomb, 10 * 1024 * 1024)
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
file_intake.remove("documents", stored.stored_name)
file_intake.remove("documents", zipped.stored_name)
print(peak)
"""


@settings(max_examples=10, deadline=None)
@given(size_mb=st.integers(2, 6), chunk=st.sampled_from([4096, 64 * 1024]))
def test_memory_stays_bounded_whatever_the_size(size_mb, chunk, tmp_path_factory):
    """A file of several megabytes, or a zip whose entry inflates to 20 MB, costs a chunk or two.

    Measured in a fresh interpreter: tracemalloc counts every thread, and threads other tests leave
    behind (a test DNS server, an event loop) made the peak depend on what ran before."""
    import subprocess
    import sys

    env = {**os.environ, "GUICHET_DATA_DIR": str(tmp_path_factory.mktemp("intake"))}
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(size_mb), str(chunk)], env=env, check=True,
                         capture_output=True, text=True, cwd=os.getcwd()).stdout
    peak = int(out.split()[-1])
    assert peak < 1024 * 1024, peak


uploads = st.lists(st.tuples(names, st.one_of(st.binary(max_size=3000), contents)), max_size=5)


@FUZZ
@given(files=uploads, typed=st.booleans(), max_total=st.one_of(st.none(), st.integers(1, 300_000)))
def test_an_upload_of_several_files_is_kept_whole_or_not_at_all(files, typed, max_total):
    """The shared upload path (UploadFiles read a chunk at a time): every file stored in its area's
    folder, or a clean refusal that leaves nothing behind."""
    from portal_app.core.states.uploads import receive_files
    from tests.support.uploads import upload_file_chunks
    from tests.conftest import run_async
    from tests.support.uploads import FakeUpload

    area = "documents" if typed else file_intake.STAGING
    root = get_settings().data_dir
    before = _tree(root)
    fakes = [FakeUpload(data, name) for name, data in files]
    try:
        stored = run_async(receive_files(upload_file_chunks(fakes), area, MAX, max_files=4, max_total=max_total,
                                         typed=typed))
    except DomainError as exc:
        assert exc.key.startswith("files.error.") or exc.key == "messages.error.too_many_files", exc.key
        assert _tree(root) == before
        return
    try:
        assert len(stored) <= 4 and (max_total is None or sum(f.size_bytes for f in stored) <= max_total)
        assert {os.path.relpath(f.path, root) for f in stored} == _tree(root) - before
        assert all(f.path.parent == file_intake.area_dir(area) for f in stored)
    finally:
        for f in stored:
            file_intake.remove(area, f.stored_name)
