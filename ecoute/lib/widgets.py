"""A <select> written in Python, with exactly the markup of Django's own select template.

Django renders each <option> through a template of its own (the option, then its attributes): the
orientation form's six lists, about a hundred options, cost more CPU than its search. The markup is
the same, character for character, down to the blank line the option's template file ends with (tests/lib/test_plain_select.py compares them).
"""

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


class PlainSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        if any(group_name for group_name, _, _ in widget["optgroups"]):
            return super().render(name, value, attrs, renderer)  # groups: Django's own templates
        options = "".join(
            f'\n  <option value="{conditional_escape(_as_text(option["value"]))}"'
            f"{flat_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
            for _, group, _ in widget["optgroups"]
            for option in group
        )
        return mark_safe(
            f'<select name="{conditional_escape(widget["name"])}"{flat_attrs(widget["attrs"])}>{options}\n</select>'
        )


def flat_attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: ` name="value"`, a bare ` name` for True, nothing for False."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(_as_text(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def _as_text(value):
    """The template's `|stringformat:'s'`: the text of the value, still safe if it was."""
    return value if isinstance(value, str) else "%s" % (value,)
