"""Security tests run against the session's migrated database."""

import pytest


@pytest.fixture(autouse=True)
def _database(migrated_db):
    return migrated_db
