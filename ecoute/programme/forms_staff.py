"""The staff's form of an eJADES series: which days, how often, until when, built into an RRULE.

Staff choose weekdays, a week interval and an end (a number of sessions or a last date); the form
writes the RFC 5545 rule that series.py reads (FREQ=WEEKLY;INTERVAL=1;BYDAY=TU,TH;COUNT=20) and
checks it there, so that a slip (no end, 500 sessions, a first session in the past) is refused with
its reason before anything is written.
"""

from datetime import UTC, datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import series
from .models import Event, Series

WEEKDAYS = [
    ("MO", _("lundi")),
    ("TU", _("mardi")),
    ("WE", _("mercredi")),
    ("TH", _("jeudi")),
    ("FR", _("vendredi")),
    ("SA", _("samedi")),
    ("SU", _("dimanche")),
]


def rule_fields(rule: str) -> dict:
    """The form's fields read back from a weekly RULE ({} for a rule this form does not write)."""
    parts = dict(part.split("=", 1) for part in rule.removeprefix("RRULE:").split(";") if "=" in part)
    if parts.get("FREQ") != "WEEKLY" or set(parts) - {"FREQ", "INTERVAL", "BYDAY", "COUNT", "UNTIL"}:
        return {}
    fields = {"days": parts.get("BYDAY", "").split(","), "every_weeks": int(parts.get("INTERVAL", "1"))}
    if "COUNT" in parts:
        fields["count"] = int(parts["COUNT"])
    if "UNTIL" in parts:
        fields["until"] = datetime.strptime(parts["UNTIL"][:8], "%Y%m%d").date()
    return fields


class SeriesForm(forms.ModelForm):
    days = forms.MultipleChoiceField(
        label=_("Jours"), choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple, required=False
    )
    every_weeks = forms.IntegerField(label=_("Toutes les … semaines"), min_value=1, max_value=8, initial=1)
    count = forms.IntegerField(
        label=_("Nombre de séances"), min_value=1, max_value=series.MOST_SESSIONS, required=False
    )
    until = forms.DateField(
        label=_("ou jusqu'au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Series
        fields = ["title", "template", "first_start"]
        widgets = {
            "first_start": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A model session is an event of its own, not a session of a series nor a cancelled one.
        self.fields["template"].queryset = Event.objects.filter(series=None, cancelled_at=None).order_by(
            "-starts_at"
        )
        self.fields["first_start"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
        if self.instance.pk:
            self.initial.update(rule_fields(self.instance.rule))

    def clean_days(self):
        days = self.cleaned_data["days"]
        if not days:
            raise forms.ValidationError(_("Choisissez au moins un jour de la semaine."))
        return days

    def clean(self):
        data = super().clean()
        count, until = data.get("count"), data.get("until")
        if (count is None) == (until is None):
            raise forms.ValidationError(
                _("Dites quand la série s'arrête : un nombre de séances ou une date, pas les deux.")
            )
        first = data.get("first_start")
        if first and not self.instance.pk and first <= timezone.now():
            self.add_error("first_start", _("La première séance doit être à venir."))
        if first and until and until < timezone.localtime(first).date():
            self.add_error("until", _("La date de fin est avant la première séance."))
        if self.errors or not data.get("days"):
            return data
        rule = self.rule()
        try:
            self.dates = series.occurrences(rule, first)
        except series.RuleProblem as problem:
            raise forms.ValidationError(str(problem)) from None
        self.instance.rule = rule  # only a rule that works: the model's own check then passes
        return data

    def rule(self) -> str:
        """The RRULE of the cleaned fields; UNTIL is the end of the last day, in UTC as RFC 5545 asks."""
        data = self.cleaned_data
        parts = ["FREQ=WEEKLY", f"INTERVAL={data['every_weeks']}", "BYDAY=" + ",".join(data["days"])]
        if data.get("count"):
            parts.append(f"COUNT={data['count']}")
        else:
            last = timezone.make_aware(datetime.combine(data["until"], time(23, 59, 59)))
            parts.append("UNTIL=" + last.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"))
        return ";".join(parts)
