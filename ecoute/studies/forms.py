from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from .models import MIN_PUBLISHED_CELL, Question, QuestionKind, Study


class StudyForm(forms.ModelForm):
    class Meta:
        model = Study
        fields = ["title", "slug", "description", "by_invitation", "min_cell", "results_published"]

    def clean_min_cell(self):
        value = self.cleaned_data["min_cell"]
        if value < MIN_PUBLISHED_CELL:
            raise forms.ValidationError(
                _("5 au moins : un plus petit effectif permettrait de reconnaître quelqu’un.")
            )
        return value


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["position", "kind", "text", "choices", "low", "high", "required"]
        widgets = {"choices": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        choices = [line for line in (data.get("choices") or "").splitlines() if line.strip()]
        if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(choices) < 2:
            self.add_error("choices", _("Proposez au moins deux réponses, une par ligne."))
        if (
            kind in (QuestionKind.SCALE, QuestionKind.NUMBER)
            and data.get("low") is not None
            and data.get("high") is not None
        ):
            if data["low"] >= data["high"]:
                self.add_error("high", _("Le maximum doit dépasser le minimum."))
            if kind == QuestionKind.SCALE and data["high"] - data["low"] > 20:
                self.add_error("high", _("Une échelle a 21 degrés au plus."))
        return data


QuestionFormSet = inlineformset_factory(Study, Question, form=QuestionForm, extra=2, can_delete=True)
