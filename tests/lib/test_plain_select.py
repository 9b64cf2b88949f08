"""PlainSelect writes, character for character, what Django's select templates write."""

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from ecoute.lib.widgets import PlainSelect

CHOICES = [
    ("", gettext_lazy("Tous")),
    ("sps", "Soins aux Professionnels de Santé (SPS)"),
    ("s&t", "Souffrance & Travail <réseau>"),
    ('quote"d', "L’écoute « d’abord »"),
    (10, "10 km"),
    ("safe", mark_safe("<b>déjà sûr</b>")),
]


@pytest.mark.parametrize("value", [None, "", "sps", "s&t", 'quote"d', 10, "10", "inconnu"])
@pytest.mark.parametrize(
    "attrs", [{"id": "id_theme"}, {"id": "id_x", "disabled": True, "data-hidden": False, "tabindex": 3}]
)
def test_the_markup_is_djangos(value, attrs):
    django = forms.Select(choices=CHOICES).render("theme", value, attrs)
    plain = PlainSelect(choices=CHOICES).render("theme", value, attrs)
    assert plain == django
    assert plain.count("<option") == len(CHOICES)


def test_groups_are_left_to_djangos_templates():
    grouped = [("Réseaux", [("sps", "SPS"), ("ssa", "SSA")]), ("", "Aucun")]
    assert PlainSelect(choices=grouped).render("n", "ssa") == forms.Select(choices=grouped).render("n", "ssa")
