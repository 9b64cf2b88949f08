"""The search form's short lists are read in one plain query, never through a server-side cursor
(three round trips each on PostgreSQL: ecoute/lib/choices.py): the four together
(ecoute/directory/vocabulary.py), which also check the values sent."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecoute.directory.forms import SearchForm
from tests.support.backends import need_postgres

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_the_orientation_forms_four_lists_take_one_query_without_a_cursor():
    need_postgres()
    with CaptureQueriesContext(connection) as queries:
        html = str(SearchForm())  # the page draws the form: its four lists
    statements = [query["sql"] for query in queries.captured_queries]
    assert not [sql for sql in statements if "DECLARE" in sql or "CURSOR" in sql], statements
    assert len(statements) == 1
    assert 'name="theme"' in html and 'name="language"' in html
