"""The public forms of the programme: the agenda's filters and the registration form."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecoute.contacts.models import Profession

from .models import Event, Kind


class AgendaFilters(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("Tous"))] + list(Kind.choices))
    region = forms.ChoiceField(label=_("Région"), required=False)
    theme = forms.ChoiceField(label=_("Thème"), required=False)
    mode = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[("", _("Tous")), ("online", _("En ligne")), ("onsite", _("Sur place"))],
    )
    after = forms.DateField(
        label=_("À partir du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, events=None, **kwargs):
        super().__init__(*args, **kwargs)
        events = events if events is not None else Event.objects.none()
        self.fields["region"].choices = [("", _("Toutes"))] + [
            (region, region) for region in sorted({e.region for e in events if e.region})
        ]
        self.fields["theme"].choices = [("", _("Tous"))] + [
            (theme, theme) for theme in sorted({e.theme for e in events if e.theme})
        ]

    def apply(self, queryset):
        data = self.cleaned_data
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("region"):
            queryset = queryset.filter(region=data["region"])
        if data.get("theme"):
            queryset = queryset.filter(theme=data["theme"])
        if data.get("mode"):
            queryset = queryset.filter(online=data["mode"] == "online")
        if data.get("after"):
            queryset = queryset.filter(ends_at__date__gte=data["after"])
        return queryset


class RegistrationForm(forms.Form):
    """Under a minute: what the event needs, nothing more (an eJADES needs only an e-mail)."""

    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        error_messages={
            "invalid": _("Cette adresse e-mail n'est pas valide (exemple : prenom.nom@exemple.fr).")
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    name = forms.CharField(
        label=_("Nom et prénom"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    profession = forms.ModelChoiceField(
        label=_("Profession"), queryset=Profession.objects.none(), required=False
    )
    rpps = forms.RegexField(
        label=_("Numéro RPPS ou ADELI (facultatif)"),
        regex=r"^\d{9}$|^\d{11}$",
        required=False,
        error_messages={"invalid": _("Un numéro RPPS a 11 chiffres, un numéro ADELI 9.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    dpc_enrolled = forms.BooleanField(label=_("Je m'inscris aussi au titre du DPC"), required=False)
    member_code = forms.CharField(label=_("Code adhérent (facultatif)"), max_length=20, required=False)
    accessibility = forms.CharField(
        label=_("Besoins d'accessibilité (facultatif)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.slot_fields = []
        if event.kind == Kind.EJADES:
            # A pseudonym or nothing: the session needs only somewhere to send the link.
            self.fields["name"].required = False
            self.fields["name"].label = _("Nom ou pseudonyme (facultatif)")
            for name in ("profession", "rpps", "dpc_enrolled"):
                del self.fields[name]
        else:
            self.fields["profession"].queryset = Profession.objects.filter(active=True)
            self.fields["profession"].required = True
            if event.kind != Kind.FORMATION:
                del self.fields["dpc_enrolled"]
        if event.is_free or not event.free_for_members:
            del self.fields["member_code"]
        # The view may hand an event whose slots and workshops were read with it (prefetched).
        slots = event.slots.all() if "slots" in getattr(event, "_prefetched_objects_cache", {}) else None
        for slot in slots if slots is not None else event.slots.prefetch_related("workshops"):
            workshops = list(slot.workshops.all())
            if workshops:
                name = f"slot_{slot.pk}"
                self.fields[name] = forms.ChoiceField(
                    label=slot.label,
                    choices=[(w.pk, w.title) for w in workshops],
                    widget=forms.RadioSelect,
                    error_messages={"required": _("Choisissez un atelier pour ce créneau.")},
                )
                self.slot_fields.append(name)

    def workshop_ids(self) -> list[int]:
        return [int(self.cleaned_data[name]) for name in self.slot_fields]

    def registration_fields(self) -> dict:
        data = self.cleaned_data
        profession = data.get("profession")
        return {
            "email": data["email"],
            "name": data.get("name", ""),
            "profession_id": profession.pk if profession else None,
            "rpps": data.get("rpps", ""),
            "dpc_enrolled": data.get("dpc_enrolled", False),
            "accessibility": data.get("accessibility", ""),
            "member_code": data.get("member_code", ""),
            "workshop_ids": self.workshop_ids(),
        }


def upcoming():
    return Event.objects.filter(published=True, cancelled_at=None, ends_at__gt=timezone.now())


class MessageForm(forms.Form):
    subject = forms.CharField(label=_("Objet"), max_length=200)
    body = forms.CharField(label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
