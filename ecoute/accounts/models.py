"""Staff accounts: psychologists who answer the line, supervisors, administrators."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecoute.lib.i18n import translated


class Role(models.TextChoices):
    """Who a staff member is; what each role may do is decided in ecoute/accounts/access.py only."""

    PSYCHOLOGIST = "psychologist", _("Psychologue")
    SUPERVISOR = "supervisor", _("Cadre de la plateforme")
    # Sees aggregate statistics only, never a contact record or its note.
    STATISTICIAN = "statistician", _("Chargé·e des statistiques")
    ADMINISTRATOR = "administrator", _("Administrateur")
    # Runs the prevention programme (events, registrations, certificates); sees no call or record.
    PROGRAMME = "programme", _("Chargé·e du programme de prévention")
    # Writes and updates the resource sheets (ecoute/selfhelp).
    EDITOR = "editor", _("Rédaction des ressources")
    # Reads every testimony before publication and decides (ecoute/selfhelp).
    MODERATOR = "moderator", _("Modération des témoignages")


class User(AbstractUser):
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, default=Role.PSYCHOLOGIST)

    class Meta:
        verbose_name = _("membre de l'équipe")
        verbose_name_plural = _("membres de l'équipe")


class Language(models.Model):
    """A language a psychologist can listen in; the code is ISO 639-1."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("nom"), max_length=60)

    class Meta:
        ordering = ["name"]
        verbose_name = _("langue")

    def __str__(self) -> str:
        # The seeded names are in the catalogs (migration 0002); a name an administrator typed stays as typed.
        return translated(self.name)


class ListenerProfile(models.Model):
    """What a caller sees of a psychologist on the board: nothing more than this."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="listener_profile")
    first_name = models.CharField(_("prénom affiché"), max_length=60)
    photo = models.ImageField(_("photo"), upload_to="listeners/", blank=True)
    presentation = models.CharField(_("présentation en une ligne"), max_length=160, blank=True)
    languages = models.ManyToManyField(Language, verbose_name=_("langues parlées"), blank=True)
    active = models.BooleanField(_("actif sur la ligne"), default=True)

    class Meta:
        ordering = ["first_name", "pk"]
        verbose_name = _("profil d'écoutant")
        verbose_name_plural = _("profils d'écoutants")

    def __str__(self) -> str:
        return self.first_name

    @property
    def initials(self) -> str:
        return "".join(part[0] for part in self.first_name.split()[:2]).upper()
