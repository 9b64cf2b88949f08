"""The orientation directory: where a psychologist can send a caller after listening.

Two families of tables: French administrative geography (loaded from official data by
`load_geography`, never typed by hand) and the directory itself (partner networks and entries:
referral professionals, dedicated hospital units, day hospitals, specific services, university
health services, emergency lines).
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecoute.accounts.models import Language
from ecoute.lib.i18n import translated

from .text import search_key

# --- Geography ------------------------------------------------------------------------------------


class Region(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=80)
    search_name = models.CharField(max_length=80, db_index=True, editable=False)
    # The chef-lieu: the point a search "in this region" measures distances from.
    seat = models.ForeignKey(
        "Commune",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("chef-lieu"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("région")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = search_key(self.name)
        super().save(*args, **kwargs)


class Departement(models.Model):
    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=80)
    search_name = models.CharField(max_length=80, db_index=True, editable=False)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="departements", verbose_name=_("région")
    )
    seat = models.ForeignKey(
        "Commune",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("préfecture"),
    )
    # A simplified GeoJSON geometry, drawn on the map under the markers when no tile server answers.
    outline = models.TextField(_("contour (GeoJSON)"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("département")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        self.search_name = search_key(self.name)
        super().save(*args, **kwargs)


class Commune(models.Model):
    code = models.CharField(_("code INSEE"), max_length=5, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    search_name = models.CharField(max_length=100, db_index=True, editable=False)
    departement = models.ForeignKey(
        Departement, on_delete=models.PROTECT, related_name="communes", verbose_name=_("département")
    )
    # The town hall's position (official data); WGS 84 degrees.
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    population = models.PositiveIntegerField(_("population"), default=0)

    class Meta:
        ordering = ["name", "code"]
        verbose_name = _("commune")

    def __str__(self) -> str:
        return f"{self.name} ({self.departement_id})"

    def save(self, *args, **kwargs):
        self.search_name = search_key(self.name)
        super().save(*args, **kwargs)


class PostalCode(models.Model):
    """A postal code serves several communes, and a commune may have several postal codes."""

    code = models.CharField(_("code postal"), max_length=5, db_index=True)
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="postal_codes")

    class Meta:
        ordering = ["code"]
        verbose_name = _("code postal")
        constraints = [
            models.UniqueConstraint(fields=["code", "commune"], name="one_postal_code_per_commune")
        ]

    def __str__(self) -> str:
        return self.code


# --- The directory --------------------------------------------------------------------------------


class Network(models.Model):
    """A partner network of the national psychosocial-risk network (SPS, Souffrance & Travail…)."""

    slug = models.SlugField(_("identifiant"), max_length=40, unique=True)
    name = models.CharField(_("nom"), max_length=120)
    description = models.TextField(_("présentation"), blank=True)
    website = models.URLField(_("site web"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("réseau partenaire")
        verbose_name_plural = _("réseaux partenaires")

    def __str__(self) -> str:
        return self.name


class Profession(models.Model):
    slug = models.SlugField(_("identifiant"), max_length=40, unique=True)
    name = models.CharField(_("nom"), max_length=80)

    class Meta:
        ordering = ["name"]
        verbose_name = _("profession")

    def __str__(self) -> str:
        return translated(self.name)  # the vocabulary's own names are in the catalogs (demo.py)


class Theme(models.Model):
    """What the entry helps with: burn-out, trauma, sleep, addiction, suicide risk, harassment…"""

    slug = models.SlugField(_("identifiant"), max_length=40, unique=True)
    name = models.CharField(_("nom"), max_length=80)

    class Meta:
        ordering = ["name"]
        verbose_name = _("thème")

    def __str__(self) -> str:
        return translated(self.name)  # the vocabulary's own names are in the catalogs (demo.py)


class Kind(models.TextChoices):
    PROFESSIONAL = "professional", _("Professionnel de santé")
    UNIT = "unit", _("Unité dédiée")
    DAY_HOSPITAL = "day_hospital", _("Hôpital de jour")
    SERVICE = "service", _("Service spécifique")
    UNIVERSITY = "university", _("Service de santé universitaire")
    EMERGENCY = "emergency", _("Ligne d’urgence")


class ServiceType(models.TextChoices):
    LEGAL = "legal", _("Juridique")
    ADMINISTRATIVE = "administrative", _("Administratif")
    REPLACEMENT = "replacement", _("Remplacement pendant un arrêt")


class UnitStatus(models.TextChoices):
    OPEN = "open", _("Ouverte")
    UPCOMING = "upcoming", _("Ouverture prochaine")


class EntryQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)

    def stale(self, days: int | None = None):
        """Entries nobody has checked for DAYS (ECOUTE_DIRECTORY_STALE_DAYS by default)."""
        return self.filter(last_verified__lt=stale_before(days))


def stale_before(days: int | None = None) -> date:
    days = settings.ECOUTE_DIRECTORY_STALE_DAYS if days is None else days
    return timezone.localdate() - timedelta(days=days)


class Entry(models.Model):
    """One place or person a caller can be oriented to."""

    # The id the association's own files use: a re-import updates the entry instead of duplicating it.
    external_id = models.CharField(_("identifiant externe"), max_length=64, unique=True)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, db_index=True)
    name = models.CharField(_("nom"), max_length=160)
    organization = models.CharField(
        _("structure"), max_length=160, blank=True, help_text=_("Établissement, cabinet ou association.")
    )
    profession = models.ForeignKey(
        Profession,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("profession"),
    )
    service_type = models.CharField(
        _("nature du service"), max_length=16, choices=ServiceType.choices, blank=True
    )
    unit_status = models.CharField(
        _("état de l’unité"), max_length=10, choices=UnitStatus.choices, blank=True
    )
    opening = models.CharField(_("ouverture prévue"), max_length=80, blank=True)
    beds = models.PositiveSmallIntegerField(_("lits"), null=True, blank=True)
    networks = models.ManyToManyField(
        Network, blank=True, related_name="entries", verbose_name=_("réseaux partenaires")
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="entries", verbose_name=_("thèmes"))
    languages = models.ManyToManyField(
        Language, blank=True, related_name="directory_entries", verbose_name=_("langues")
    )
    teleconsultation = models.BooleanField(_("téléconsultation"), default=False)
    accepting_new_patients = models.BooleanField(_("accepte de nouveaux patients"), default=True)
    nationwide = models.BooleanField(_("joignable partout en France"), default=False)

    address = models.CharField(_("adresse"), max_length=200, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True)
    commune = models.ForeignKey(
        Commune,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("commune"),
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    website = models.URLField(_("site web"), blank=True)

    what_to_expect = models.TextField(_("à quoi s’attendre"), blank=True)
    how_to_reach = models.TextField(
        _("comment y accéder"), blank=True, help_text=_("Horaires, prise de rendez-vous, coût.")
    )
    last_verified = models.DateField(_("dernière vérification"), db_index=True)
    published = models.BooleanField(_("publié"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("entrée de l’annuaire")
        verbose_name_plural = _("entrées de l’annuaire")
        indexes = [
            models.Index(fields=["latitude", "longitude"], name="directory_entry_position"),
            # Few entries are reachable nationwide, and every search lists them: a small partial index.
            models.Index(
                fields=["kind", "name"],
                condition=models.Q(nationwide=True),
                name="directory_entry_nationwide",
            ),
            # A département or region search: a prefix of the commune's code (search._in_area), and
            # on PostgreSQL every column its count and its rings filter on or read, so that the
            # index alone answers them (SQLite has no INCLUDE nor operator class: a plain index).
            models.Index(
                fields=["commune"],
                name="directory_entry_area",
                opclasses=["varchar_pattern_ops"],
                include=[
                    "id",
                    "published",
                    "kind",
                    "profession",
                    "teleconsultation",
                    "accepting_new_patients",
                    "latitude",
                    "longitude",
                ],
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("directory:entry", args=[self.pk])

    @property
    def is_stale(self) -> bool:
        return self.last_verified < stale_before()

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def subtitle(self) -> str:
        """What the entry is, in a few words: the profession, the unit's state, the service's nature."""
        if self.kind == Kind.PROFESSIONAL and self.profession:
            return str(self.profession)
        if self.kind == Kind.UNIT and self.unit_status:
            return f"{self.get_kind_display()} · {self.get_unit_status_display()}"
        if self.kind == Kind.SERVICE and self.service_type:
            return f"{self.get_kind_display()} · {self.get_service_type_display()}"
        return self.get_kind_display()

    @property
    def place(self) -> str:
        if self.commune_id:
            return f"{self.postal_code} {self.commune.name}".strip()
        return ""


def refresh_planner_statistics() -> None:
    """ANALYZE the directory's tables after a bulk load (geography, CSV import).

    Without statistics the database guesses that `kind = 'professional'` or a common theme is rare,
    and a search by département walks tens of thousands of rows instead of a few hundred. SQLite
    never gathers them by itself; PostgreSQL's autovacuum does, late, and never where it is off.
    """
    from django.db import connection

    models_ = (
        Region,
        Departement,
        Commune,
        PostalCode,
        Network,
        Profession,
        Theme,
        Entry,
        Entry.themes.through,
        Entry.languages.through,
        Entry.networks.through,
    )
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


class Referral(models.Model):
    """An address a psychologist noted (« Noter l'orientation ») or sent to the caller during a call.

    Working memory for the call's record, which starts from it: written during the call, removed
    once that psychologist's record of the call is saved (the record then holds the addresses), and
    by the retention purge after REFERRALS_KEPT if the record is never written.
    """

    call = models.ForeignKey("calls.Call", on_delete=models.CASCADE, related_name="referrals")
    psychologist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="+")
    sent = models.BooleanField(_("carte envoyée à l’appelant"), default=False)
    noted_at = models.DateTimeField(_("noté le"), default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["call", "psychologist", "entry"], name="one_referral_per_call_listener_entry"
            )
        ]
        verbose_name = _("orientation notée pendant un appel")
        verbose_name_plural = _("orientations notées pendant les appels")


# A record left unwritten this long is completed by hand: its noted addresses are no longer kept.
REFERRALS_KEPT = timedelta(days=30)
