"""A model choice field for the short lists of a form (themes, languages, professions, networks).

Django reads a ModelChoiceField's choices with `queryset.iterator()`, which on PostgreSQL is a
server-side cursor declared WITH HOLD: three round trips (DECLARE, FETCH, CLOSE) and the result
materialised at commit, for a list of twenty rows. The orientation page draws four such lists: on a
busy machine they were most of what the page cost beyond its search (docs/performance.md). A short
list is read in one query instead.
"""

from django import forms
from django.forms.models import ModelChoiceIterator


class ListedChoiceIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():  # one query, no server-side cursor
            yield self.choice(obj)


class ShortModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose choices (a short list) are read in one plain query."""

    iterator = ListedChoiceIterator
