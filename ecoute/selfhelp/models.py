"""Self-help and community: resource sheets (this file's first part); self-tests and testimonies follow."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
