"""The search form's four short lists (professions, themes, languages, networks), read in one query.

The orientation page draws all four and checks a filter against them: four queries for the lists
and one more per filter chosen, each a round trip that waits its turn on a busy machine. One
UNION ALL reads them together, each list in its own order (a row number computed by the database,
so names sort with the database's collation, as before). Nothing is kept between requests: an
administrator's new theme shows on the next page.
"""

from django.db.models import F, Value
from django.db.models.expressions import Window
from django.db.models.functions import RowNumber

from ecoute.accounts.models import Language

from .models import Network, Profession, Theme

# The form's field, the model its choices are, and the column the query string names them by.
LISTS = (
    ("profession", Profession, "slug"),
    ("theme", Theme, "slug"),
    ("language", Language, "code"),
    ("network", Network, "slug"),
)


def read_vocabulary() -> dict[str, list]:
    """{field name: the model's rows (id, key and name only), in the model's order}."""
    parts = [_part(field, model, key) for field, model, key in LISTS]
    rows = parts[0].union(*parts[1:], all=True)
    lists: dict[str, list] = {field: [] for field, _, _ in LISTS}
    models = {field: (model, key) for field, model, key in LISTS}
    for field, _position, pk, key_value, name in sorted(rows, key=lambda row: (row[0], row[1])):
        model, key = models[field]
        # The other columns (a network's description…) are deferred: read only if ever used.
        lists[field].append(model.from_db("default", ["id", key, "name"], [pk, key_value, name]))
    return lists


def _part(field: str, model, key: str):
    ordering = [
        F(name[1:]).desc() if name.startswith("-") else F(name).asc() for name in model._meta.ordering
    ]
    return (
        model.objects.order_by()
        .annotate(list=Value(field), position=Window(RowNumber(), order_by=ordering))
        .values_list("list", "position", "pk", key, "name")
    )
