"""The contact record (fiche d'appel) a psychologist fills after a call, its taxonomies, and the audit
of every read of its note.

Taxonomies are data: administrators add, rename, reorder or retire terms, while the `code` of a
term never changes once created, because statistics, exports, the API and CSV imports speak in codes.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecoute.calls.models import Call, Channel
from ecoute.lib.append_only import AppendOnlyModel
from ecoute.lib.crypto import EncryptedTextField
from ecoute.lib.i18n import translated


class Term(models.Model):
    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Stable : utilisé par les statistiques et les imports."),
    )
    label = models.CharField(_("libellé"), max_length=120)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    active = models.BooleanField(_("proposé dans la fiche"), default=True)

    class Meta:
        abstract = True
        ordering = ["position", "label"]

    def __str__(self) -> str:
        # The default labels are in the catalogs (taxonomy_defaults.py); a label an administrator typed stays as typed.
        return translated(self.label)


class Profession(Term):
    class Meta(Term.Meta):
        verbose_name = _("profession")


class EmploymentStatus(Term):
    class Meta(Term.Meta):
        verbose_name = _("statut d'exercice")
        verbose_name_plural = _("statuts d'exercice")


class Sector(Term):
    class Meta(Term.Meta):
        verbose_name = _("secteur")


class Departement(Term):
    class Meta(Term.Meta):
        verbose_name = _("département")


class AgeBand(Term):
    class Meta(Term.Meta):
        verbose_name = _("tranche d'âge")
        verbose_name_plural = _("tranches d'âge")


class Reason(Term):
    class Meta(Term.Meta):
        verbose_name = _("motif d'appel")
        verbose_name_plural = _("motifs d'appel")


class RiskLevel(Term):
    class Meta(Term.Meta):
        verbose_name = _("niveau de risque")
        verbose_name_plural = _("niveaux de risque")


class Orientation(Term):
    """A kind of orientation given; ContactRecord.directory_entries holds the precise addresses."""

    class Meta(Term.Meta):
        verbose_name = _("orientation")


class FollowUp(Term):
    class Meta(Term.Meta):
        verbose_name = _("suite prévue")
        verbose_name_plural = _("suites prévues")


class ContactRecord(models.Model):
    # Empty for records imported from the association's history. A call handed over to a supervisor
    # (warm transfer) has two records, one per psychologist, each written by its author.
    call = models.ForeignKey(
        Call, null=True, blank=True, on_delete=models.SET_NULL, related_name="contact_records"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contact_records",
        verbose_name=_("psychologue"),
    )
    started_at = models.DateTimeField(_("date et heure de l'appel"), db_index=True)
    duration_seconds = models.PositiveIntegerField(_("durée (secondes)"), null=True, blank=True)
    channel = models.CharField(_("canal"), max_length=8, choices=Channel.choices, default=Channel.APP)
    language = models.CharField(_("langue de l'entretien"), max_length=8, default="fr")
    returning = models.BooleanField(_("a déjà appelé"), default=False)
    profession = models.ForeignKey(Profession, on_delete=models.PROTECT, verbose_name=_("profession"))
    employment = models.ForeignKey(
        EmploymentStatus, on_delete=models.PROTECT, verbose_name=_("statut d'exercice")
    )
    sector = models.ForeignKey(
        Sector, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("secteur")
    )
    departement = models.ForeignKey(
        Departement, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("département")
    )
    age_band = models.ForeignKey(
        AgeBand, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("tranche d'âge")
    )
    reasons = models.ManyToManyField(Reason, verbose_name=_("motifs"))
    risk_level = models.ForeignKey(
        RiskLevel, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("niveau de risque")
    )
    orientations = models.ManyToManyField(Orientation, blank=True, verbose_name=_("orientations données"))
    # The precise addresses given, when the orientation went to an entry of the directory (issue 5).
    directory_entries = models.ManyToManyField(
        "directory.Entry",
        blank=True,
        related_name="contact_records",
        verbose_name=_("adresses de l'annuaire données"),
    )
    follow_up = models.ForeignKey(
        FollowUp, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("suite prévue")
    )
    note = EncryptedTextField(_("note"), blank=True, default="")
    # The part of the psychologist who handed the call over to a supervisor: the supervisor's record
    # counts the contact, so this one is left out of the statistics (ecoute/contacts/tallies.py).
    handed_over_part = models.BooleanField(_("partie d'un appel passé à un cadre"), default=False)
    # Set by the retention purge: the note and the caller link are gone, the coded fields stay.
    purged_at = models.DateTimeField(_("note effacée le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["author", "-started_at"])]
        constraints = [
            models.UniqueConstraint(fields=["call", "author"], name="one_record_per_call_and_author")
        ]
        verbose_name = _("fiche d'appel")
        verbose_name_plural = _("fiches d'appel")

    def __str__(self) -> str:
        return f"Fiche du {timezone.localtime(self.started_at):%d/%m/%Y %H:%M}"


class NotePolicy(models.Model):
    """What the administrators decided about notes; one row."""

    share_with_other_listeners = models.BooleanField(
        _("montrer les notes précédentes aux autres psychologues"),
        default=False,
        help_text=_(
            "Sinon, un autre psychologue voit seulement que la personne a déjà appelé, et pour quels motifs."
        ),
    )

    class Meta:
        verbose_name = _("règle de partage des notes")
        verbose_name_plural = _("règle de partage des notes")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "NotePolicy":
        return cls.objects.get_or_create(pk=1)[0]


class ReadPlace(models.TextChoices):
    PAGE = "page", _("Fiche")
    DURING_CALL = "during_call", _("Pendant un appel")
    API = "api", _("API")
    EXPORT = "export", _("Export")
    ADMIN = "admin", _("Administration")


class NoteRead(AppendOnlyModel):
    """One read of one note: written before the text is decrypted, never changed or removed."""

    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="note_reads",
        verbose_name=_("lecteur"),
    )
    record = models.ForeignKey(
        ContactRecord, on_delete=models.PROTECT, related_name="reads", verbose_name=_("fiche")
    )
    read_at = models.DateTimeField(_("lu le (heure de Paris)"), default=timezone.now, db_index=True)
    # Why someone read the note: it can speak of the person ("elle rappelle, idées noires"), so encrypted.
    reason = EncryptedTextField(_("motif de la lecture"))
    place = models.CharField(_("lieu"), max_length=16, choices=ReadPlace.choices)

    class Meta:
        ordering = ["-read_at"]
        verbose_name = _("lecture de note")
        verbose_name_plural = _("journal des lectures de notes")


class Span(models.TextChoices):
    DAY = "day", _("jour")
    MONTH = "month", _("mois")


class ContactTally(models.Model):
    """How many contacts of one day (or one month) had one value of one dimension (profession=infirmier).

    Kept up to date by ecoute.contacts.tallies in the same transaction as every record change, so
    that statistics over a million records read thousands of rows instead: whole months from the
    month rows, the days at either end of a period from the day rows.
    """

    span = models.CharField(max_length=5, choices=Span.choices, default=Span.DAY)
    # The day, or the first day of the month.
    day = models.DateField()
    dimension = models.CharField(max_length=20)
    value = models.CharField(max_length=40)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["span", "dimension", "day", "value"], name="one_tally_per_span_day_value"
            )
        ]
        indexes = [models.Index(fields=["span", "day"], name="contacts_tally_span_day")]
