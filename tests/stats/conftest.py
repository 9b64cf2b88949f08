import pytest

from tests.support.contacts import ensure_taxonomies


@pytest.fixture(autouse=True)
def taxonomies(db):
    ensure_taxonomies()
