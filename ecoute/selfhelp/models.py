"""Self-help and community: resource sheets (this file's first part); self-tests and testimonies follow."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecoute.lib.crypto import EncryptedTextField

from . import markup


class Theme(models.TextChoices):
    FATIGUE = "fatigue", _("Fatigue")
    STRESS = "stress", _("Stress")
    SLEEP = "sleep", _("Sommeil")
    BURNOUT = "burnout", _("Épuisement professionnel")
    ADDICTIONS = "addictions", _("Addictions")
    HARASSMENT = "harassment", _("Harcèlement")
    ADVERSE_EVENT = "adverse_event", _("Après un événement indésirable grave")
    STUDENTS = "students", _("Étudiants en stage")
    FAMILIES = "families", _("Familles")
    APPS = "apps", _("Applications utiles")
    CARE = "care", _("Où trouver des soins")


class SheetQuerySet(models.QuerySet):
    def published(self, now=None):
        """What readers may see: a publication time set and reached."""
        return self.filter(publish_at__isnull=False, publish_at__lte=now or timezone.now())


class Sheet(models.Model):
    """An information sheet. Staff write `body` in Markdown; readers get `body_html`, rendered and
    sanitised once on saving (ecoute/selfhelp/markup.py). No publication time: a draft; a time to
    come: scheduled."""

    slug = models.SlugField(_("adresse"), max_length=80, unique=True)
    language = models.CharField(_("langue"), max_length=8, choices=settings.LANGUAGES, default="fr")
    theme = models.CharField(_("thème"), max_length=20, choices=Theme.choices)
    title = models.CharField(_("titre"), max_length=160)
    summary = models.CharField(_("résumé"), max_length=300, blank=True)
    body = models.TextField(_("texte (Markdown)"))
    body_html = models.TextField(editable=False, default="")
    publish_at = models.DateTimeField(_("publication"), null=True, blank=True)
    last_reviewed = models.DateField(_("relue le"), default=timezone.localdate)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SheetQuerySet.as_manager()

    class Meta:
        ordering = ["theme", "title"]
        verbose_name = _("fiche ressource")
        verbose_name_plural = _("fiches ressources")

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body_html = markup.render(self.body)
        super().save(*args, **kwargs)

    @property
    def state(self) -> str:
        if self.publish_at is None:
            return "draft"
        return "scheduled" if self.publish_at > timezone.now() else "published"


class SheetRevision(models.Model):
    """Every saved version of a sheet, to see who changed what and to go back to it."""

    sheet = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=160)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-saved_at", "-pk"]


class SheetImage(models.Model):
    """An image for the sheets, stored without its metadata (place, camera, author), with its text alternative."""

    image = models.ImageField(_("image"), upload_to="selfhelp/")
    alt_text = models.CharField(_("texte de remplacement"), max_length=250)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at"]

    @property
    def markdown(self) -> str:
        return f"![{self.alt_text}]({self.image.url})"


class SelfTestCount(models.Model):
    """Anonymous contributions of self-test results, as counts only: one row per instrument, band,
    profession and month. Nothing else of a test is ever sent: no answer, no score, no time finer
    than the month, no link between two contributions. Only when the person ticks the box."""

    instrument = models.CharField(max_length=10)
    band = models.CharField(max_length=20)
    profession = models.CharField(max_length=40, blank=True)
    month = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "band", "profession", "month"], name="one_count_per_cell"
            )
        ]


class WatchedPhrase(models.Model):
    """A phrase of suicidal crisis or immediate danger watched for in testimonies (ecoute/selfhelp/lexicon.py)."""

    phrase = models.CharField(_("expression"), max_length=120, unique=True)
    not_followed_by = models.CharField(_("sauf si suivie de"), max_length=120, blank=True)
    not_preceded_by = models.CharField(_("sauf si précédée de"), max_length=120, blank=True)
    active = models.BooleanField(_("surveillée"), default=True)

    class Meta:
        ordering = ["phrase"]
        verbose_name = _("expression surveillée")
        verbose_name_plural = _("expressions surveillées")

    def __str__(self):
        return self.phrase


class TestimonyTheme(models.TextChoices):
    SUFFERING = "suffering", _("Souffrance au travail")
    INITIATIVE = "initiative", _("Initiatives qui ont aidé")
    STUDIES = "studies", _("Pendant les études")
    AFTER_EVENT = "after_event", _("Après un événement grave")


class TestimonyStatus(models.TextChoices):
    PENDING = "pending", _("À modérer")
    CHANGES_REQUESTED = "changes_requested", _("Modifications demandées")
    PUBLISHED = "published", _("Publié")
    REFUSED = "refused", _("Refusé")


class Testimony(models.Model):
    """A testimony: read by a moderator before anything of it is shown (no exception).

    While it waits, its text is encrypted with the notes' keys (`text`); on publication the text as
    approved (edited if need be) goes to `published_text`, public by then, and `text` is emptied; a
    refusal empties it too. The optional e-mail, encrypted, only serves to tell the author the
    decision and is emptied once it is final. `follow_key_hash` lets the author, and only them,
    see the decision and answer a request for changes (the key stays with them).
    """

    pseudonym = models.CharField(_("pseudonyme"), max_length=60)
    theme = models.CharField(_("thème"), max_length=20, choices=TestimonyTheme.choices)
    title = models.CharField(_("titre"), max_length=120)
    text = EncryptedTextField(blank=True)
    published_text = models.TextField(blank=True)
    email = EncryptedTextField(blank=True)
    follow_key_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=20, choices=TestimonyStatus.choices, default=TestimonyStatus.PENDING)
    danger = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    author_message = EncryptedTextField(blank=True)  # a request for changes or the reason of a refusal
    thanks = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["status", "-danger", "submitted_at"])]

    def __str__(self):
        return self.title


class DecisionKind(models.TextChoices):
    APPROVE = "approve", _("Publier tel quel")
    APPROVE_EDITED = "approve_edited", _("Publier avec modifications")
    REQUEST_CHANGES = "request_changes", _("Demander des modifications à l’auteur")
    REFUSE = "refuse", _("Refuser")


class ModerationDecision(models.Model):
    """Every decision on a testimony: who, when, what, why (encrypted), and the checklist they confirmed."""

    testimony = models.ForeignKey(Testimony, on_delete=models.CASCADE, related_name="decisions")
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    kind = models.CharField(max_length=20, choices=DecisionKind.choices)
    reason = EncryptedTextField(blank=True)
    checklist = models.JSONField(default=list)
    distressing = models.BooleanField(default=False)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]


class AuthorSeal(models.Model):
    """What the law asks a host to keep about who wrote a content (décret 2021-1362), sealed.

    One JSON document sealed to ECOUTE_AUTHOR_SEAL_PUBLIC_KEY (HPKE, ecoute/lib/sealing.py): the
    pseudonym, the e-mail if one was given, the content's id, the operation (creation, change), its
    time, and the SHA-256 of the text. The server can seal, never open: the private key is kept
    offline. It is shown by no screen (not the moderation, not the admin); `manage.py
    open_author_seal`, given the private key, opens one on a documented legal request and journals
    it. Purged after ECOUTE_TESTIMONY_SEAL_DAYS. The author's network address is not in it: the
    application never receives addresses (docs/architecture.md, Anonymity of callers).
    """

    testimony_ref = models.PositiveBigIntegerField(db_index=True)
    sealed = models.TextField()
    # Which key pair it was sealed to (sealing.fingerprint): after a change of keys, which one opens it.
    key_fingerprint = models.CharField(max_length=16, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
