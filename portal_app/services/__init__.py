"""Domain rules: plain Python over SQLModel sessions, no Reflex import."""
