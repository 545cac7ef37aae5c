"""Deployment guard rails and the command line."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlmodel import select

from portal_app.core.config import reload_settings
from tests.conftest import REPO_ROOT


def test_production_refuses_the_console_provider(monkeypatch):
    monkeypatch.setenv("GUICHET_ENV", "production")
    monkeypatch.setenv("GUICHET_SECRET_KEY", "short")
    try:
        problems = reload_settings().check_production_ready()
        assert any("GUICHET_EMAIL_PROVIDER" in p for p in problems)
        assert any("GUICHET_SMS_PROVIDER" in p for p in problems)
        assert any("GUICHET_BASE_URL" in p for p in problems)  # http:// means no Secure cookies
        assert any("GUICHET_SECRET_KEY" in p for p in problems)  # the test key is too short
        monkeypatch.setenv("GUICHET_EMAIL_PROVIDER", "sendgrid")
        monkeypatch.setenv("GUICHET_SMS_PROVIDER", "twilio")
        monkeypatch.setenv("GUICHET_BASE_URL", "https://portal.example.com")
        monkeypatch.setenv("GUICHET_SECRET_KEY", "k" * 48)
        monkeypatch.setenv("GUICHET_CORS_ORIGINS", "https://portal.example.com")
        assert reload_settings().check_production_ready() == []
        monkeypatch.setenv("GUICHET_CORS_ORIGINS", "*")
        assert any("CORS" in p for p in reload_settings().check_production_ready())
    finally:
        monkeypatch.undo()
        reload_settings()


def test_the_app_will_not_start_in_production_on_the_console_provider():
    env = {**os.environ, "GUICHET_ENV": "production", "GUICHET_EMAIL_PROVIDER": "console"}
    result = subprocess.run([sys.executable, "-c", "import portal_app.portal_app"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "refuses to start in production" in result.stderr


def test_create_staff_command(migrated_db):
    from portal_app.core.db import session_scope
    from portal_app.core.models.auth import StaffUser

    env = {**os.environ, "NEW_STAFF_PASSWORD": "a very long password"}
    args = [sys.executable, "-m", "portal_app.cli", "create-staff", "--email", "New.Agent@Guichet.example",
            "--name", "New Agent", "--role", "agent", "--password-env", "NEW_STAFF_PASSWORD"]
    result = subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    with session_scope() as db:
        user = db.exec(select(StaffUser).where(StaffUser.email == "new.agent@guichet.example")).one()
        assert user.role == "agent" and user.password_hash.startswith("$2b$12$") and not user.totp_enabled
    again = subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "staff.error.email_taken" in again.stderr


def test_make_run_steps_on_an_empty_database_load_the_demo_once(tmp_path):
    """What `make run` does before serving: migrate, then seed (twice must not duplicate)."""
    from sqlmodel import Session, create_engine

    from portal_app.core.models.accounts import Contact
    from portal_app.core.models.auth import StaffUser

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    env = {**os.environ, "REFLEX_DB_URL": url}
    reflex_bin = os.path.join(os.path.dirname(sys.executable), "reflex")
    subprocess.run([reflex_bin, "db", "migrate"], cwd=REPO_ROOT, env=env, check=True, capture_output=True,
                   timeout=300)
    first = subprocess.run([sys.executable, "-m", "portal_app.cli", "seed"], cwd=REPO_ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    second = subprocess.run([sys.executable, "-m", "portal_app.cli", "seed"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert "demo data loaded" in first.stdout and "admin@guichet.example" in first.stdout
    assert "already has data" in second.stdout
    engine = create_engine(url)
    with Session(engine) as db:
        contacts = {c.email: c for c in db.exec(select(Contact))}
        assert len(contacts) == 5
        assert contacts["alice@boulangerie-martin.example"].mobile
        assert contacts["bruno@boulangerie-martin.example"].mobile is None
        assert not contacts["dieter@mueller-it.example"].active
        assert not contacts["emma@studio-lumiere.example"].portal_access
        assert db.exec(select(StaffUser)).one().email == "admin@guichet.example"
    engine.dispose()


def test_no_demo_data_in_production(tmp_path):
    """The demo console password is published: production never gets it."""
    url = f"sqlite:///{tmp_path / 'prod.db'}"
    env = {**os.environ, "REFLEX_DB_URL": url, "GUICHET_ENV": "production", "GUICHET_EMAIL_PROVIDER": "sendgrid",
           "GUICHET_SMS_PROVIDER": "none", "GUICHET_SECRET_KEY": "s" * 48,
           "GUICHET_BASE_URL": "https://portal.example.com", "GUICHET_CORS_ORIGINS": "https://portal.example.com"}
    reflex_bin = os.path.join(os.path.dirname(sys.executable), "reflex")
    subprocess.run([reflex_bin, "db", "migrate"], cwd=REPO_ROOT, env=env, check=True, capture_output=True,
                   timeout=300)
    out = subprocess.run([sys.executable, "-m", "portal_app.cli", "seed"], cwd=REPO_ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert "no demo data" in out.stdout and "demo-console" not in out.stdout
    from sqlmodel import Session, create_engine

    from portal_app.core.models.auth import StaffUser

    engine = create_engine(url)
    with Session(engine) as db:
        assert db.exec(select(StaffUser)).first() is None
    engine.dispose()


def test_production_refuses_to_start_with_the_demo_staff_user(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    env = {**os.environ, "REFLEX_DB_URL": url}
    reflex_bin = os.path.join(os.path.dirname(sys.executable), "reflex")
    subprocess.run([reflex_bin, "db", "migrate"], cwd=REPO_ROOT, env=env, check=True, capture_output=True,
                   timeout=300)
    subprocess.run([sys.executable, "-m", "portal_app.cli", "seed"], cwd=REPO_ROOT, env=env, check=True,
                   capture_output=True, timeout=120)
    prod = {**env, "GUICHET_ENV": "production", "GUICHET_EMAIL_PROVIDER": "sendgrid", "GUICHET_SMS_PROVIDER": "none",
            "GUICHET_SECRET_KEY": "s" * 48, "GUICHET_BASE_URL": "https://portal.example.com",
            "GUICHET_CORS_ORIGINS": "https://portal.example.com"}
    result = subprocess.run([sys.executable, "-c", "import portal_app.portal_app"], cwd=REPO_ROOT, env=prod,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "demo staff user" in result.stderr


def test_outside_production_the_loopback_names_may_open_the_websocket():
    import socket

    from portal_app.core.config import allowed_origins

    origins = allowed_origins({"GUICHET_BASE_URL": "http://localhost:3000"})
    assert {"http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000",
            f"http://{socket.gethostname().lower()}:3000"} <= set(origins)
    assert all(o.endswith(":3000") for o in origins)  # only the served port


def test_in_production_only_the_portal_origin_may_open_the_websocket():
    from portal_app.core.config import allowed_origins

    assert allowed_origins({"GUICHET_ENV": "production", "GUICHET_BASE_URL": "https://portal.example.com/"}) == \
        ["https://portal.example.com"]
    assert allowed_origins({"GUICHET_CORS_ORIGINS": "https://a.example, https://b.example"}) == \
        ["https://a.example", "https://b.example"]
