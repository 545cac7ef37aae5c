"""Backups: the database and the data dir's files in one archive, with a manifest; and the way back.

An archive (`guichet-backup-<UTC time>.tar.gz`) holds:
  manifest.json     format, when, the database's dialect and migration revision, row counts per table,
                    and every file with its size and SHA-256
  database.sqlite   SQLite: a consistent copy made with SQLite's online backup API (the portal may run)
  database.dump     PostgreSQL: `pg_dump --format=custom`
  data/…            the data dir's files (invoices, documents, attachments, branding images…)

The server secret (`secret.key`) is never put in an archive: keep it (or GUICHET_SECRET_KEY) apart, as a
stolen backup must not also hold the key to the sessions and TOTP secrets it contains.

Restore checks every file against the manifest before touching anything, and refuses to overwrite a
database that has rows or a data dir that has files unless `force` is given.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

FORMAT = 1
SECRET_FILE = "secret.key"
SQLITE_NAME, PG_NAME = "database.sqlite", "database.dump"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


@dataclass(frozen=True)
class Target:
    """Where the portal keeps its data: the database URL and the data dir."""

    db_url: str
    data_dir: Path

    @property
    def dialect(self) -> str:
        return "sqlite" if self.db_url.startswith("sqlite") else "postgresql" \
            if self.db_url.startswith("postgresql") else self.db_url.split(":", 1)[0]

    def sqlite_path(self) -> Path:
        path = sa.engine.make_url(self.db_url).database
        if not path or path == ":memory:":
            raise BackupError("an in-memory SQLite database cannot be backed up")
        return Path(path)

    def libpq_url(self) -> str:
        """The URL as pg_dump and pg_restore read it (no SQLAlchemy driver name)."""
        return sa.engine.make_url(self.db_url).set(drivername="postgresql").render_as_string(hide_password=False)


def current_target() -> Target:
    from portal_app.core.config import get_settings
    from portal_app.core.db import database_url

    return Target(database_url(), get_settings().data_dir)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def data_files(data_dir: Path) -> list[Path]:
    """The data dir's files to keep (relative paths), the secret left out."""
    if not data_dir.is_dir():
        return []
    return sorted(p.relative_to(data_dir) for p in data_dir.rglob("*")
                  if p.is_file() and not p.is_symlink() and p.relative_to(data_dir) != Path(SECRET_FILE))


def row_counts(db_url: str) -> dict[str, int]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            names = sa.inspect(conn).get_table_names()
            return {name: conn.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
                    for name in sorted(names)}
    finally:
        engine.dispose()


def _revision(db_url: str) -> str:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return ""
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() or ""
    finally:
        engine.dispose()


def _dump_database(target: Target, work: Path) -> str:
    if target.dialect == "sqlite":
        source = target.sqlite_path()
        if not source.exists():
            raise BackupError(f"no database at {source}")
        src, dst = sqlite3.connect(source), sqlite3.connect(work / SQLITE_NAME)
        try:
            with dst:
                src.backup(dst)  # a consistent copy, even while the portal writes
        finally:
            src.close()
            dst.close()
        return SQLITE_NAME
    if target.dialect == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={work / PG_NAME}",
              f"--dbname={target.libpq_url()}"])
        return PG_NAME
    raise BackupError(f"cannot back up a {target.dialect} database")


def _run(cmd: list[str]) -> None:
    if shutil.which(cmd[0]) is None:
        raise BackupError(f"{cmd[0]} is not installed (the PostgreSQL client tools are needed)")
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{cmd[0]} failed: {done.stderr.strip()[:500]}")


def create_backup(dest_dir: Path, target: Target | None = None) -> Path:
    """Write one archive of the database and the data dir's files into `dest_dir`; returns its path."""
    target = target or current_target()
    dest_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    archive = dest_dir / f"guichet-backup-{stamp}.tar.gz"
    n = 1
    while archive.exists():
        n += 1
        archive = dest_dir / f"guichet-backup-{stamp}-{n}.tar.gz"
    with tempfile.TemporaryDirectory(prefix="guichet-backup-") as tmp:
        work = Path(tmp)
        db_name = _dump_database(target, work)
        files = data_files(target.data_dir)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "database": {"dialect": target.dialect, "file": db_name, "sha256": _sha256(work / db_name),
                         "revision": _revision(target.db_url), "rows": row_counts(target.db_url)},
            "files": [{"path": p.as_posix(), "size": (target.data_dir / p).stat().st_size,
                       "sha256": _sha256(target.data_dir / p)} for p in files],
        }
        partial = archive.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as tar:
            body = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mode = len(body), 0o600
            tar.addfile(info, io.BytesIO(body))
            tar.add(work / db_name, arcname=db_name)
            for p in files:
                tar.add(target.data_dir / p, arcname=f"data/{p.as_posix()}")
        os.chmod(partial, 0o600)  # it holds every customer's data
        partial.rename(archive)
    return archive


def read_manifest(archive: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile("manifest.json")
        if member is None:
            raise BackupError("not a Guichet backup: no manifest")
        manifest = json.loads(member.read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def _has_rows(target: Target) -> bool:
    if target.dialect == "sqlite" and not target.sqlite_path().exists():
        return False
    return any(count for name, count in row_counts(target.db_url).items() if name != "alembic_version")


def restore_backup(archive: Path, *, force: bool = False, target: Target | None = None) -> dict:
    """Put an archive's database and files back. Returns its manifest."""
    target = target or current_target()
    manifest = read_manifest(archive)
    if manifest["database"]["dialect"] != target.dialect:
        raise BackupError(f"this backup is of a {manifest['database']['dialect']} database, "
                          f"the portal uses {target.dialect}")
    if not force and (_has_rows(target) or data_files(target.data_dir)):
        raise BackupError("the database or the data dir is not empty: restore with FORCE=1 to replace them")
    with tempfile.TemporaryDirectory(prefix="guichet-restore-") as tmp:
        work = Path(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work, filter="data")  # no absolute paths, no "..", no links out
        _verify(work, manifest)
        _load_database(target, work / manifest["database"]["file"])
        _put_files(target.data_dir, work / "data", manifest)
    return manifest


def _verify(work: Path, manifest: dict) -> None:
    db = manifest["database"]
    if _sha256(work / db["file"]) != db["sha256"]:
        raise BackupError("the database copy does not match its manifest: the archive is damaged")
    for f in manifest["files"]:
        path = work / "data" / f["path"]
        if not path.is_file() or _sha256(path) != f["sha256"]:
            raise BackupError(f"{f['path']} does not match the manifest: the archive is damaged")


def _load_database(target: Target, copy: Path) -> None:
    if target.dialect == "sqlite":
        dest = target.sqlite_path()
        dest.parent.mkdir(parents=True, exist_ok=True)
        src, dst = sqlite3.connect(copy), sqlite3.connect(dest)
        try:
            with dst:
                src.backup(dst)  # replaces every page, WAL included
        finally:
            src.close()
            dst.close()
        return
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
          f"--dbname={target.libpq_url()}", str(copy)])


def _put_files(data_dir: Path, extracted: Path, manifest: dict) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    for old in data_files(data_dir):
        (data_dir / old).unlink()
    for f in manifest["files"]:
        dest = data_dir / f["path"]
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(extracted / f["path"], dest)
