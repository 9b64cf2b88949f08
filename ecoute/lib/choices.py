"""A model choice field for the short lists of a form (themes, languages, professions, networks).

Django reads a ModelChoiceField's choices with `queryset.iterator()`, which on PostgreSQL is a
server-side cursor declared WITH HOLD: three round trips (DECLARE, FETCH, CLOSE) and the result
materialised at commit, for a list of twenty rows. The orientation page draws four such lists: on a
busy machine they were most of what the page cost beyond its search (docs/performance.md). A short
list is read in one query instead; or not at all when the form hands the field its rows already
read (`items`, e.g. the directory's vocabulary, four lists in one query), which then also serve to
check the value sent, without the query `queryset.get()` would make.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator


class ListedChoiceIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self._rows():
            yield self.choice(obj)

    def __len__(self):
        return len(self._rows()) + (1 if self.field.empty_label is not None else 0)

    def _rows(self):
        if self.field.items is not None:
            return self.field.items
        return self.queryset.all()  # one query, no server-side cursor


class ShortModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose choices (a short list) are read in one plain query, or handed in as `items`."""

    iterator = ListedChoiceIterator
    items: list | None = None  # the rows, already read; None: read them from the queryset

    def to_python(self, value):
        if self.items is None or value in self.empty_values:
            return super().to_python(value)
        self.validate_no_null_characters(value)
        key = self.to_field_name or "pk"
        for item in self.items:
            if str(getattr(item, key)) == str(value):
                return item
        raise ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )
