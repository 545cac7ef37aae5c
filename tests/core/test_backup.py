"""`make backup` / `make restore`: a populated database and its files round-trip through one archive
(row counts and file hashes equal after a wipe), a restore never overwrites data without FORCE, a
damaged archive restores nothing, and the server secret never goes into an archive.

The portal runs here on a database and a data dir of its own (the test wipes them)."""

from __future__ import annotations

import hashlib
import io
import shutil
import tarfile

import pytest

from portal_app import cli
from portal_app.core import backup
from portal_app.core.db import session_scope
from tests.factories import make_account
from tests.support.sweep import make_world, own_portal


def _hashes(data_dir) -> dict[str, str]:
    return {p.relative_to(data_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(data_dir.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def populated(tmp_path_factory):
    """Two accounts with one of everything, and their files, built once."""
    folder = tmp_path_factory.mktemp("populated") / "portal"
    with own_portal(folder) as (_url, data_dir):
        make_world()
        (data_dir / "secret.key").write_text("not-in-any-backup")
    return folder


@pytest.fixture
def portal(populated, tmp_path):
    shutil.copytree(populated, tmp_path / "portal")
    with own_portal(tmp_path / "portal") as (url, data_dir):
        yield url, data_dir


def test_backup_wipe_restore_gives_back_every_row_and_file(portal, tmp_path, capsys):
    url, data_dir = portal
    rows, files = backup.row_counts(url), _hashes(data_dir)
    assert rows["invoice"] and rows["document"] and rows["conversation_entry"] >= 2 and rows["booking"] and rows["payment"]
    assert sum(1 for name in files if name != "secret.key") >= 4  # invoice PDF, document, attachment, usage file

    assert cli.main(["backup", "--to", str(tmp_path / "backups")]) == 0
    [archive] = (tmp_path / "backups").glob("guichet-backup-*.tar.gz")
    assert str(archive) in capsys.readouterr().out
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and "database.sqlite" in names
    assert not any(n.endswith("secret.key") for n in names)
    assert archive.stat().st_mode & 0o077 == 0  # every customer's data: readable by its owner only

    # the disaster: the database and every file gone
    backup.current_target().sqlite_path().unlink()
    for p in list(data_dir.iterdir()):
        shutil.rmtree(p) if p.is_dir() else p.unlink() if p.name != "secret.key" else None
    assert cli.main(["restore", str(archive)]) == 0
    assert backup.row_counts(url) == rows
    assert _hashes(data_dir) == files


def test_restore_refuses_to_overwrite_without_force(portal, tmp_path, capsys):
    url, data_dir = portal
    archive = backup.create_backup(tmp_path / "b")
    rows, files = backup.row_counts(url), _hashes(data_dir)
    with session_scope() as db:
        make_account(db)  # data written after the backup
    assert cli.main(["restore", str(archive)]) == 2
    assert "FORCE=1" in capsys.readouterr().err
    assert backup.row_counts(url) != rows  # untouched
    assert cli.main(["restore", str(archive), "--force"]) == 0
    assert backup.row_counts(url) == rows and _hashes(data_dir) == files


def test_a_damaged_archive_restores_nothing(portal, tmp_path):
    url, data_dir = portal
    archive = backup.create_backup(tmp_path / "b")
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name.startswith("data/") and member.name.endswith(".pdf"):
                data = data.replace(b"%PDF", b"%PDX", 1)
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    before_rows, before_files = backup.row_counts(url), _hashes(data_dir)
    with pytest.raises(backup.BackupError, match="damaged"):
        backup.restore_backup(damaged, force=True)
    assert backup.row_counts(url) == before_rows and _hashes(data_dir) == before_files
