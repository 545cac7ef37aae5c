"""Guichet: a self-hosted customer portal."""
