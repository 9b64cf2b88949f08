from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ecoute.accounts.models import Language

from .models import ContactRecord

NOTE_MAX_LENGTH = 10000
REASON_MAX_LENGTH = 500


class ContactForm(forms.ModelForm):
    """The fiche d'appel: coded fields for statistics, and a note under medical secrecy."""

    returning = forms.TypedChoiceField(
        label=_("Premier appel ?"),
        coerce=lambda value: value == "oui",
        choices=[("non", _("Premier appel")), ("oui", _("A déjà appelé"))],
        widget=forms.RadioSelect,
    )
    language = forms.ChoiceField(label=_("Langue de l'entretien"))
    note = forms.CharField(
        label=_("Note (secret médical, chiffrée)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Visible de vous seul·e ; toute lecture par un·e autre est motivée et journalisée."),
    )

    class Meta:
        model = ContactRecord
        fields = [
            "returning",
            "language",
            "profession",
            "employment",
            "sector",
            "departement",
            "age_band",
            "reasons",
            "risk_level",
            "orientations",
            "directory_entries",
            "follow_up",
            "note",
        ]
        widgets = {
            "employment": forms.RadioSelect,
            "reasons": forms.CheckboxSelectMultiple,
            "risk_level": forms.RadioSelect,
            "orientations": forms.CheckboxSelectMultiple,
            "directory_entries": forms.SelectMultiple(attrs={"size": 4}),
        }
        help_texts = {
            "directory_entries": _(
                "Facultatif. Tapez les premières lettres ; Ctrl+clic pour en choisir plusieurs."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            (language.code, str(language)) for language in Language.objects.all()
        ]
        # Retired terms are no longer offered, but a record that uses one keeps it.
        for name in (
            "profession",
            "employment",
            "sector",
            "departement",
            "age_band",
            "reasons",
            "risk_level",
            "orientations",
            "follow_up",
        ):
            field = self.fields[name]
            current = self._current_ids(name)
            field.queryset = field.queryset.model.objects.filter(Q(active=True) | Q(pk__in=current))
        entries = self.fields["directory_entries"]
        entries.queryset = entries.queryset.model.objects.filter(
            Q(published=True) | Q(pk__in=self._current_ids("directory_entries"))
        ).order_by("name")
        for name in ("employment", "risk_level"):
            self.fields[name].empty_label = None
        for name in ("profession", "sector", "departement", "age_band", "follow_up"):
            self.fields[name].empty_label = "—"
        if self.instance.pk:
            self.initial["returning"] = "oui" if self.instance.returning else "non"
        self.fields["reasons"].error_messages["required"] = _("Cochez au moins un motif.")

    def _current_ids(self, name: str) -> list:
        if not self.instance.pk:
            return []
        value = getattr(self.instance, name)
        if hasattr(value, "all"):
            return list(value.values_list("pk", flat=True))
        return [value.pk] if value else []

    def cleaned_for_action(self) -> dict:
        """What ecoute.contacts.actions.save_record expects."""
        several = ("reasons", "orientations", "directory_entries")
        data = {
            name: self.cleaned_data[name]
            for name in self.Meta.fields
            if name not in several and name != "note"
        }
        data.update({name: list(self.cleaned_data[name]) for name in several})
        data["note"] = self.cleaned_data["note"].strip()
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Pourquoi lisez-vous cette note ?"),
        max_length=REASON_MAX_LENGTH,
        min_length=5,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "Votre nom, l’heure et ce motif sont inscrits au journal des lectures, consultable par les administrateurs."
        ),
    )
    token = forms.CharField(
        label=_("Code de votre application d’authentification"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("Demandé à nouveau quand votre dernière vérification date de plus de quelques minutes."),
    )

    def __init__(self, *args, ask_code: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.ask_code = ask_code
        if ask_code:
            self.fields["token"].required = True
        else:
            del self.fields["token"]
