from django import forms
from django.utils.translation import gettext_lazy as _

from . import images, markup
from .models import Sheet, SheetImage


class SheetForm(forms.ModelForm):
    class Meta:
        model = Sheet
        fields = ["title", "slug", "language", "theme", "summary", "body", "publish_at", "last_reviewed"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 22}),
            "publish_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "last_reviewed": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "body": _(
                "Markdown : ## Titre, ### Sous-titre, - liste, 1. liste numérotée, [lien](https://…), "
                "**gras**, ![texte de remplacement](/media/selfhelp/…) pour une image déposée."
            ),
            "publish_at": _("Vide : brouillon. Une date à venir : publication programmée."),
        }

    def clean_body(self):
        body = self.cleaned_data["body"]
        errors = markup.problems(body)
        if errors:
            raise forms.ValidationError(errors)
        return body


class ImageForm(forms.ModelForm):
    class Meta:
        model = SheetImage
        fields = ["image", "alt_text"]
        help_texts = {
            "alt_text": _("Ce que l’image montre, pour qui ne la voit pas (obligatoire)."),
        }

    def clean_alt_text(self):
        alt = self.cleaned_data["alt_text"].strip()
        if not alt:
            raise forms.ValidationError(_("Le texte de remplacement est obligatoire."))
        return alt

    def clean_image(self):
        return images.without_metadata(self.cleaned_data["image"])
