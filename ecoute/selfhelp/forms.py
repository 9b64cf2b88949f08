from django import forms
from django.utils.translation import gettext_lazy as _

from . import images, markup
from .models import DecisionKind, Sheet, SheetImage, TestimonyTheme, WatchedPhrase

# Addresses under /ressources/ that are pages of their own (ecoute/selfhelp/urls.py), not sheets.
RESERVED_SLUGS = {"disponibles-maintenant"}


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

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("Cette adresse est réservée : choisissez-en une autre."))
        return slug

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


class TestimonyForm(forms.Form):
    pseudonym = forms.CharField(
        label=_("Pseudonyme"),
        max_length=60,
        help_text=_("Pas votre nom : il sera affiché avec le témoignage."),
    )
    theme = forms.ChoiceField(label=_("Thème"), choices=TestimonyTheme.choices)
    title = forms.CharField(label=_("Titre"), max_length=120)
    text = forms.CharField(
        label=_("Votre témoignage"),
        min_length=80,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "Ne citez ni collègue, ni service, ni établissement : un modérateur relit chaque texte avant publication."
        ),
    )
    email = forms.EmailField(
        label=_("E-mail (facultatif)"),
        required=False,
        max_length=254,
        help_text=_(
            "Seulement pour vous dire si le témoignage est publié, ou pourquoi pas ; chiffré, puis effacé après la décision."
        ),
    )
    accept = forms.BooleanField(
        label=_(
            "J’accepte que ce texte soit publié sous mon pseudonyme après relecture, éventuellement retouché pour protéger les personnes citées."
        )
    )


class ResubmitForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=120)
    text = forms.CharField(
        label=_("Votre témoignage"),
        min_length=80,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 12}),
    )


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Décision"), choices=DecisionKind.choices, widget=forms.RadioSelect)
    checklist = forms.MultipleChoiceField(
        label=_("Avant de publier, j’ai vérifié"), required=False, widget=forms.CheckboxSelectMultiple
    )
    edited_text = forms.CharField(
        label=_("Texte à publier (si modifié)"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    reason = forms.CharField(
        label=_("Message à l’auteur (modifications demandées ou motif du refus)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        from .testimonies import CHECKLIST

        super().__init__(*args, **kwargs)
        self.fields["checklist"].choices = list(CHECKLIST.items())


class WatchedPhraseForm(forms.ModelForm):
    class Meta:
        model = WatchedPhrase
        fields = ["phrase", "not_followed_by", "not_preceded_by"]
