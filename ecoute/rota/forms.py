"""What a psychologist may tell the rota, checked before anything is stored."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Adjustment, AvailabilityException, Commitment, WeeklyAvailability, minutes_of

# An exception covers a week at most: a longer absence is several, each seen and checked on its own.
LONGEST_EXCEPTION = timedelta(days=7)


def overlap(first: tuple[int, int], second: tuple[int, int]) -> bool:
    return first[0] < second[1] and second[0] < first[1]


def window_of(start, end) -> tuple[int, int] | None:
    """(first minute, end minute) of a window typed as times, None when it ends before it starts."""
    first, last = minutes_of(start), minutes_of(end, end=True)
    return (first, last) if last > first else None


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self):
        super().__init__(format="%H:%M", attrs={"step": 1800})


def on_half_hour(value):
    if value is not None and (value.minute % 30 or value.second):
        raise forms.ValidationError(
            _("Indiquez une heure pile ou une demi-heure (par exemple 08:00 ou 08:30).")
        )


class WeeklyForm(forms.ModelForm):
    class Meta:
        model = WeeklyAvailability
        fields = ["weekday", "start", "end"]
        widgets = {"start": TimeInput(), "end": TimeInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for name in ("start", "end"):
            self.fields[name].validators.append(on_half_hour)

    def clean(self):
        data = super().clean()
        weekday, start, end = data.get("weekday"), data.get("start"), data.get("end")
        if weekday is None or start is None or end is None:
            return data
        window = window_of(start, end)
        if window is None:
            raise forms.ValidationError(
                _("L'heure de fin doit venir après l'heure de début (00:00 pour minuit).")
            )
        for other in WeeklyAvailability.objects.filter(user=self.user, weekday=weekday):
            if overlap(window, other.minutes):
                raise forms.ValidationError(
                    _("Ce créneau chevauche celui de %(start)s à %(end)s le même jour.")
                    % {"start": f"{other.start:%H:%M}", "end": f"{other.end:%H:%M}"}
                )
        return data


class ExceptionForm(forms.ModelForm):
    class Meta:
        model = AvailabilityException
        fields = ["first_day", "last_day", "available", "start", "end"]
        widgets = {
            "first_day": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "last_day": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start": TimeInput(),
            "end": TimeInput(),
        }
        help_texts = {"start": _("Laissez les heures vides pour la journée entière.")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["available"] = forms.TypedChoiceField(
            label=_("Je serai"),
            choices=[("0", _("absent·e")), ("1", _("disponible en plus"))],
            coerce=lambda value: value == "1",
        )
        for name in ("start", "end"):
            self.fields[name].validators.append(on_half_hour)

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first is None or last is None:
            return data
        if last < first:
            raise forms.ValidationError(_("Le dernier jour doit venir après le premier."))
        if last - first >= LONGEST_EXCEPTION:
            raise forms.ValidationError(
                _(
                    "Une exception couvre 7 jours au plus : pour une absence plus longue, ajoutez-en une par semaine."
                )
            )
        if first < timezone.localdate():
            raise forms.ValidationError(_("Le premier jour est déjà passé."))
        window = self.hours(data)
        for other in AvailabilityException.objects.filter(
            user=self.user, first_day__lte=last, last_day__gte=first
        ):
            if overlap(window, other.minutes):
                raise forms.ValidationError(
                    _("Ces jours et heures chevauchent une exception déjà notée (du %(first)s au %(last)s).")
                    % {"first": f"{other.first_day:%d/%m}", "last": f"{other.last_day:%d/%m}"}
                )
        return data

    def hours(self, data) -> tuple[int, int]:
        start, end = data.get("start"), data.get("end")
        if start is None and end is None:
            return 0, 1440
        if start is None or end is None:
            raise forms.ValidationError(_("Donnez l'heure de début et l'heure de fin, ou aucune des deux."))
        window = window_of(start, end)
        if window is None:
            raise forms.ValidationError(
                _("L'heure de fin doit venir après l'heure de début (00:00 pour minuit).")
            )
        return window


class CommitmentForm(forms.ModelForm):
    class Meta:
        model = Commitment
        fields = ["max_hours_per_week"]
        widgets = {
            "max_hours_per_week": forms.NumberInput(attrs={"min": 0, "max": 60, "inputmode": "numeric"})
        }


class AdjustmentForm(forms.ModelForm):
    """A known event the forecast cannot see in the history: its days and how much it changes the calls."""

    class Meta:
        model = Adjustment
        fields = ["first_day", "last_day", "factor", "reason"]
        widgets = {
            "first_day": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "last_day": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "factor": forms.NumberInput(
                attrs={"step": "0.05", "min": "0.1", "max": "5", "inputmode": "decimal"}
            ),
        }

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and last < first:
            raise forms.ValidationError(_("Le dernier jour doit venir après le premier."))
        return data
