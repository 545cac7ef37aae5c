"""Billing test fixtures: a fake Stripe (the real SDK talks to a local HTTP server) for the checkout and
refund tests."""

from __future__ import annotations

import uuid

import pytest

from tests.support.fake_http import FakeHTTP, Reply

WEBHOOK_SECRET = "whsec_test_secret"


@pytest.fixture
def stripe_server(monkeypatch):
    with FakeHTTP() as srv:
        monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_123")
        monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
        monkeypatch.setenv("STRIPE_API_BASE", srv.url)
        srv.session_id = f"cs_test_{uuid.uuid4().hex}"  # one Checkout session per test (one shared database)
        srv.set_reply("/v1/checkout/sessions", Reply(200, {
            "id": srv.session_id, "object": "checkout.session",
            "url": f"https://checkout.stripe.com/c/pay/{srv.session_id}"}))
        yield srv
