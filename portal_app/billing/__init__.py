"""Billing: invoices, payments (bank transfer or Stripe Checkout), PDFs, the import, the billing settings."""

from portal_app.core import registries

# The portal action kind this feature serves: a dashboard button of that kind leads here.
registries.action_destination("pay", "/invoices")
