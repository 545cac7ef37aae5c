"""Domain errors carry a catalogue key and parameters; the web layer translates them."""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key = key
        self.params = params

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"DomainError({self.key!r}, {self.params!r})"


class NotFound(DomainError):
    """The object does not exist for this actor (another account's objects look the same)."""

    def __init__(self, key: str = "error.not_found", **params):
        super().__init__(key, **params)


class Forbidden(DomainError):
    def __init__(self, key: str = "error.forbidden", **params):
        super().__init__(key, **params)
