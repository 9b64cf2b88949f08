import csv
import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
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


MAX_INVITATION_MAILS = 1000
MAX_CSV_BYTES = 1_000_000
# The column of an uploaded CSV that holds the addresses (compared without case or accents' care).
ADDRESS_HEADERS = {"email", "e-mail", "courriel", "mail", "adresse", "adresse e-mail", "address"}
# Shown back at most this many wrong entries: enough to see the pattern, short enough to read.
ERRORS_SHOWN = 10


def addresses_in_text(text: str) -> list[tuple[str, str]]:
    """(where, entry) for every entry of a pasted list: one a line, or separated by commas, semicolons, spaces."""
    return [
        (_("ligne %(n)s") % {"n": number}, entry)
        for number, line in enumerate(text.splitlines(), start=1)
        for entry in re.split(r"[,;\s]+", line)
        if entry
    ]


def addresses_in_csv(upload) -> list[tuple[str, str]]:
    """(where, entry) for every address of an uploaded CSV: the column named email (or courriel…),
    or the only column. Raises ValidationError when the file cannot be read that way."""
    if upload.size > MAX_CSV_BYTES:
        raise ValidationError(_("Le fichier dépasse 1 Mo."))
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("Le fichier n’est pas en UTF-8 : enregistrez-le en « CSV UTF-8 ».")) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [[cell.strip() for cell in row] for row in csv.reader(text.splitlines(), dialect)]
    rows = [row for row in rows if any(row)]
    if not rows:
        raise ValidationError(_("Le fichier est vide."))
    header = [cell.casefold() for cell in rows[0]]
    column = next((i for i, name in enumerate(header) if name in ADDRESS_HEADERS), None)
    if column is not None:
        rows = rows[1:]
        first_line = 2
    elif all(len([cell for cell in row if cell]) == 1 for row in rows):
        column, first_line = None, 1
    else:
        raise ValidationError(
            _("Le fichier a plusieurs colonnes : nommez « email » (ou « courriel ») celle des adresses.")
        )
    return [
        (_("ligne %(n)s du fichier") % {"n": number}, _cell(row, column))
        for number, row in enumerate(rows, start=first_line)
        if _cell(row, column)
    ]


def _cell(row: list[str], column: int | None) -> str:
    if column is None:
        return next(cell for cell in row if cell)
    return row[column] if column < len(row) else ""


def checked_addresses(entries: list[tuple[str, str]]) -> list[str]:
    """The distinct valid addresses, in order; every wrong entry said with where it is."""
    wrong = []
    for where, entry in entries:
        try:
            validate_email(entry)
        except ValidationError:
            wrong.append(
                _("%(where)s : « %(entry)s » n’est pas une adresse e-mail.")
                % {"where": where, "entry": entry[:80]}
            )
    if wrong:
        more = len(wrong) - ERRORS_SHOWN
        if more > 0:
            wrong = wrong[:ERRORS_SHOWN] + [_("… et %(n)s autres.") % {"n": more}]
        raise ValidationError(wrong)
    first_spelling = {}
    for _where, entry in entries:
        first_spelling.setdefault(entry.casefold(), entry)
    distinct = list(first_spelling.values())
    if not distinct:
        raise ValidationError(_("Collez au moins une adresse, ou joignez un fichier CSV."))
    if len(distinct) > MAX_INVITATION_MAILS:
        raise ValidationError(
            _("%(max)s adresses au plus par envoi (%(n)s reçues).")
            % {"max": MAX_INVITATION_MAILS, "n": len(distinct)}
        )
    return distinct


class InvitationMailForm(forms.Form):
    """Addresses pasted or uploaded: all checked before anything is stored; none is kept once sent."""

    addresses = forms.CharField(
        label=_("Adresses e-mail (une par ligne, ou séparées par des virgules)"),
        widget=forms.Textarea(attrs={"rows": 8, "autocomplete": "off", "spellcheck": "false"}),
        required=False,
    )
    file = forms.FileField(label=_("Ou un fichier CSV (une colonne « email »)"), required=False)
    language = forms.ChoiceField(
        label=_("Langue de l’e-mail"), choices=[("fr", _("français")), ("en", _("anglais"))], initial="fr"
    )

    def clean(self):
        data = super().clean()
        entries = addresses_in_text(data.get("addresses") or "")
        if data.get("file"):
            try:
                entries += addresses_in_csv(data["file"])
            except ValidationError as error:
                self.add_error("file", error)
                return data
        try:
            data["valid_addresses"] = checked_addresses(entries)
        except ValidationError as error:
            self.add_error(None, error)
        return data
