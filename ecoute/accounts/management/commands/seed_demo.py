"""Demo data: about twelve psychologists with varied languages, a supervisor and an administrator.

Only with DJANGO_DEBUG=1, and only accounts that do not exist yet: an existing account is never given
the demo password, the published demo key or any right.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from ecoute.accounts.demo import demo_secret, give_demo_authenticator
from ecoute.accounts.models import Language, ListenerProfile, Role, User
from ecoute.lib.demo import require_demo_mode

DEMO_PASSWORD = "ecoute-demo-2026"

PSYCHOLOGISTS = [
    ("claire", "Claire", ["fr", "en"], "Psychologue clinicienne, 15 ans en réanimation et soins palliatifs."),
    (
        "karim",
        "Karim",
        ["fr", "ar"],
        "Psychologue du travail : épuisement, conflits d'équipe, reprise après un arrêt.",
    ),
    (
        "sofia",
        "Sofia",
        ["fr", "es", "pt"],
        "Accompagne les étudiants en santé, notamment après un stage difficile.",
    ),
    (
        "thomas",
        "Thomas",
        ["fr", "de"],
        "Ancien infirmier devenu psychologue ; nuits, urgences, stress post-traumatique.",
    ),
    (
        "amelie",
        "Amélie",
        ["fr"],
        "Psychologue clinicienne : deuil, événement indésirable grave, seconde victime.",
    ),
    (
        "jean-marc",
        "Jean-Marc",
        ["fr", "en"],
        "Psychologue et ancien médecin généraliste ; exercice libéral, isolement.",
    ),
    (
        "ioana",
        "Ioana",
        ["fr", "ro"],
        "Psychologue : harcèlement, violences au travail, conflits avec la hiérarchie.",
    ),
    ("giulia", "Giulia", ["fr", "it", "en"], "Sommeil, fatigue chronique, gestion du stress."),
    ("nadia", "Nadia", ["fr", "ar", "en"], "Addictions et conduites à risque chez les soignants."),
    ("pierre", "Pierre", ["fr"], "Psychologue : crise suicidaire, intervention après un choc émotionnel."),
    ("olena", "Olena", ["fr", "uk", "ru"], "Accompagne les soignants venus de l'étranger et leurs familles."),
    ("lucie", "Lucie", ["fr", "fr-lsf"], "Psychologue bilingue en langue des signes française."),
]


class Command(BaseCommand):
    help = "Crée les comptes de démonstration qui manquent (psychologues, cadre, statistiques, administrateur) ; DJANGO_DEBUG=1 seulement."

    @transaction.atomic
    def handle(self, *args, **options):
        require_demo_mode("seed_demo")
        self.kept: list[str] = []
        languages = {language.code: language for language in Language.objects.all()}
        for username, first_name, codes, presentation in PSYCHOLOGISTS:
            user = self._new_user(username, Role.PSYCHOLOGIST, first_name)
            if user is not None:
                profile = ListenerProfile.objects.create(
                    user=user, first_name=first_name, presentation=presentation, active=True
                )
                profile.languages.set([languages[code] for code in codes])
        supervisor = self._new_user("cadre", Role.SUPERVISOR, "Hélène")
        if supervisor is not None:
            # Active: the supervisor is routed like a psychologist when she chooses to be available.
            ListenerProfile.objects.create(
                user=supervisor, first_name="Hélène", presentation="Cadre de la plateforme.", active=True
            )
        self._new_user("admin", Role.ADMINISTRATOR, "Admin", is_staff=True, is_superuser=True)
        self._new_user("stats", Role.STATISTICIAN, "Camille")
        self.stdout.write(
            f"{len(PSYCHOLOGISTS)} psychologues, 1 cadre (cadre), 1 chargée des statistiques (stats), 1 administrateur (admin) ; mot de passe : {DEMO_PASSWORD}"
        )
        if self.kept:
            self.stdout.write(
                f"Comptes existants laissés tels quels (ni mot de passe, ni second facteur, ni droits changés) : {', '.join(self.kept)}"
            )
        self.stdout.write(
            f"Second facteur des comptes de démo : clé TOTP {demo_secret()} (à ajouter dans une application d'authentification),\n"
            "ou le code du moment : DJANGO_DEBUG=1 .venv/bin/python manage.py demo_code"
        )

    def _new_user(self, username: str, role: str, first_name: str, **flags) -> User | None:
        """A new demo account with the demo password and key; None, untouched, if the name is taken."""
        if User.objects.filter(username=username).exists():
            self.kept.append(username)
            return None
        user = User(username=username, role=role, first_name=first_name, **flags)
        user.set_password(DEMO_PASSWORD)
        user.save()
        give_demo_authenticator(user)
        return user
