"""Shared UI pieces: shells, forms, tables, notices."""
