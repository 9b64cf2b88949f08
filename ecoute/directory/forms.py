"""The search form, shared by the public pages, the psychologists' side panel and the JSON API."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ecoute.accounts.models import Language
from ecoute.lib.choices import ShortModelChoiceField
from ecoute.lib.widgets import PlainSelect

from .models import Kind, Network, Profession, Theme
from .search import (
    DEFAULT_LIMIT,
    DEFAULT_RADIUS_KM,
    RADII_KM,
    Criteria,
    PlaceNotFound,
    locate,
    locate_coordinates,
)
from .vocabulary import LISTS, read_vocabulary

_TRUE = {"1", "on", "true", "oui", "yes"}
_FALSE = {"", "0", "off", "false", "non", "no"}


class StrictBooleanField(forms.Field):
    """A checkbox that also refuses a query-string value it does not understand (instead of reading it as 'yes')."""

    widget = forms.CheckboxInput

    def to_python(self, value):
        if isinstance(value, bool):
            return value
        text = (value or "").strip().lower() if isinstance(value, str) else str(value)
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValidationError(
            _("Valeur « %(value)s » non comprise : utilisez 1 ou 0."), params={"value": text[:20]}
        )

    def widget_attrs(self, widget):
        return {}


class RawCheckbox(forms.CheckboxInput):
    """Hand the raw value to StrictBooleanField so that it can refuse nonsense."""

    def value_from_datadict(self, data, files, name):
        return data.get(name, "")


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Code postal, commune, département ou région"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "enterkeyhint": "search",
                "placeholder": _("ex. 33000, Lyon, Gironde"),
            }
        ),
    )
    # Set only by the "near me" button, already rounded to about a kilometre by the browser.
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    radius = forms.TypedChoiceField(
        label=_("Distance"),
        required=False,
        coerce=int,
        empty_value=DEFAULT_RADIUS_KM,
        choices=[(r, _("%(km)s km") % {"km": r}) for r in RADII_KM],
        initial=DEFAULT_RADIUS_KM,
        widget=PlainSelect,
    )
    kind = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("Tous les types"))] + list(Kind.choices),
        widget=PlainSelect,
    )
    profession = ShortModelChoiceField(
        label=_("Profession"),
        required=False,
        queryset=Profession.objects.all(),
        to_field_name="slug",
        empty_label=_("Toutes"),
        widget=PlainSelect,
    )
    theme = ShortModelChoiceField(
        label=_("Thème"),
        required=False,
        queryset=Theme.objects.all(),
        to_field_name="slug",
        empty_label=_("Tous"),
        widget=PlainSelect,
    )
    language = ShortModelChoiceField(
        label=_("Langue parlée"),
        required=False,
        queryset=Language.objects.all(),
        to_field_name="code",
        empty_label=_("Toutes"),
        widget=PlainSelect,
    )
    network = ShortModelChoiceField(
        label=_("Réseau partenaire"),
        required=False,
        queryset=Network.objects.all(),
        to_field_name="slug",
        empty_label=_("Tous"),
        widget=PlainSelect,
    )
    teleconsultation = StrictBooleanField(
        label=_("Téléconsultation possible"), required=False, widget=RawCheckbox
    )
    accepting = StrictBooleanField(
        label=_("Accepte de nouveaux patients"), required=False, widget=RawCheckbox
    )
    limit = forms.IntegerField(required=False, min_value=1, max_value=100, widget=forms.HiddenInput)

    def __init__(self, *args, require_place: bool = False, vocabulary: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # The four lists in one query, drawn and checked from the rows read (ecoute/directory/vocabulary.py).
        vocabulary = read_vocabulary() if vocabulary is None else vocabulary
        for name, _model, _key in LISTS:
            self.fields[name].items = vocabulary[name]
        if self.is_bound and not self.data.get("radius"):
            # No distance asked: the search uses the default one, and the form must show it. Left
            # empty, the page's list would show its first choice (10 km), and refining would use it.
            self.data = self.data.copy()
            self.data["radius"] = str(DEFAULT_RADIUS_KM)
        self.require_place = require_place
        self.suggestions: list[str] = []

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        data["place"] = self._place(data)
        return data

    def _place(self, data):
        latitude, longitude = data.get("lat"), data.get("lon")
        if (latitude is None) != (longitude is None):
            raise ValidationError(_("La position doit avoir une latitude et une longitude."))
        if latitude is not None and not data.get("q"):
            return locate_coordinates(latitude, longitude)
        if not data.get("q"):
            if self.require_place:
                self.add_error(
                    "q",
                    _(
                        "Indiquez un code postal, une commune, un département ou une région, ou utilisez votre position."
                    ),
                )
            return None
        try:
            return locate(data["q"])
        except PlaceNotFound as error:
            self.suggestions = error.suggestions
            self.add_error("q", str(error))
            return None

    def criteria(self) -> Criteria:
        """The validated search; call only when is_valid()."""
        data = self.cleaned_data

        def slug(name, attribute):
            return getattr(data[name], attribute) if data.get(name) else ""

        return Criteria(
            place=data.get("place"),
            radius_km=data.get("radius") or DEFAULT_RADIUS_KM,
            kind=data.get("kind") or "",
            profession=slug("profession", "slug"),
            theme=slug("theme", "slug"),
            language=slug("language", "code"),
            network=slug("network", "slug"),
            teleconsultation=data.get("teleconsultation") or False,
            accepting=data.get("accepting") or False,
            limit=data.get("limit") or DEFAULT_LIMIT,
        )
