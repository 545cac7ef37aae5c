"""The two shells and the shared building blocks of every page."""
