"""Demo data: a year of the prevention programme, as the association runs it, with registrations.

The eight regional trainings (two themes, two days each, DPC references), JADES days in hospitals
with workshops per slot, eJADES twice a week, the national conference; members; a staff account
with the role "programme". Only with DJANGO_DEBUG=1; run again, it adds nothing twice.
"""

import random
from datetime import datetime, time, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from ecoute.accounts.demo import give_demo_authenticator
from ecoute.accounts.management.commands.seed_demo import DEMO_PASSWORD
from ecoute.accounts.models import Role, User
from ecoute.contacts.models import Profession
from ecoute.lib.demo import require_demo_mode
from ecoute.programme import actions
from ecoute.programme.models import Event, Kind, Member, OutboxMessage, Slot, Workshop

THEMES = [
    "Repérage et prise en charge des soignants rendus vulnérables par leur travail",
    "Comment intervenir auprès d'un soignant en crise suicidaire",
]
# The eight training cities of the seeds, with their regions; dates shifted to the coming year.
CITIES = [
    ("Lille", "Hauts-de-France", "CHU de Lille, 2 avenue Oscar Lambret"),
    ("Rouen", "Normandie", "CHU de Rouen, 1 rue de Germont"),
    ("Toulouse", "Occitanie", "Hôpital Purpan, place du Docteur Baylac"),
    ("Dijon", "Bourgogne-Franche-Comté", "CHU Dijon Bourgogne, 14 rue Paul Gaffarel"),
    ("Marseille", "Provence-Alpes-Côte d'Azur", "Hôpital de la Timone, 264 rue Saint-Pierre"),
    ("Nantes", "Pays de la Loire", "CHU de Nantes, 5 allée de l'Île Gloriette"),
    ("Bordeaux", "Nouvelle-Aquitaine", "Hôpital Pellegrin, place Amélie Raba Léon"),
    ("Strasbourg", "Grand Est", "Nouvel Hôpital Civil, 1 place de l'Hôpital"),
]
WORKSHOPS = [
    "Gestion du stress",
    "Sommeil",
    "Nutrition",
    "Communication",
    "Yoga",
    "Relaxation",
    "Méditation",
    "Sophrologie",
]
EJADES = [
    "Respiration et cohérence cardiaque",
    "Mieux dormir après une garde",
    "Dire non sans culpabiliser",
    "Méditation de pleine conscience",
]
FIRST_NAMES = [
    "Camille",
    "Nadia",
    "Julien",
    "Sophie",
    "Karim",
    "Élodie",
    "Thomas",
    "Inès",
    "Marc",
    "Léa",
    "Hugo",
    "Chloé",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Lefèvre",
    "Moreau",
    "Garnier",
    "Roux",
    "Fontaine",
    "Chevalier",
    "Lambert",
]


def at(day, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


class Command(BaseCommand):
    help = "Crée une année de démonstration du programme de prévention ; DJANGO_DEBUG=1 seulement."

    @transaction.atomic
    def handle(self, *args, **options):
        require_demo_mode("seed_programme")
        self._staff_account()
        if Event.objects.exists():
            self.stdout.write("Programme déjà présent : rien d'ajouté.")
            return
        randomiser = random.Random(12)
        today = timezone.localdate()
        year = today.year + 1
        events = (
            self._trainings(year) + self._jades_days(today) + self._ejades(today) + [self._conference(year)]
        )
        self._members(year)
        people = self._register(events, randomiser)
        # The demo's own confirmations count as sent: the worker's console then shows only new mail.
        OutboxMessage.objects.filter(sent_at=None, send_after__lte=timezone.now()).update(
            sent_at=timezone.now()
        )
        self.stdout.write(
            f"{len(events)} événements du programme, {people} inscriptions ; compte « programme » / {DEMO_PASSWORD}"
        )

    def _staff_account(self) -> None:
        if User.objects.filter(username="programme").exists():
            return
        user = User(username="programme", role=Role.PROGRAMME, first_name="Anne", is_staff=True)
        user.set_password(DEMO_PASSWORD)
        user.save()
        give_demo_authenticator(user)

    def _trainings(self, year: int) -> list[Event]:
        events = []
        for index, (city, region, venue) in enumerate(CITIES):
            day = datetime(year, 2 + index, 10).date()
            while day.weekday() != 3:  # Thursday and Friday
                day += timedelta(days=1)
            event = Event.objects.create(
                kind=Kind.FORMATION,
                title=THEMES[index % 2],
                theme=THEMES[index % 2],
                description="Deux journées pour repérer les soignants en difficulté, engager le dialogue et orienter vers l'aide adaptée. Apports, cas cliniques, jeux de rôle.",
                speakers="Dr Éric Henry, psychiatre\nMarie Dupont, psychologue clinicienne",
                city=city,
                region=region,
                venue=venue,
                starts_at=at(day, 9),
                ends_at=at(day + timedelta(days=1), 17),
                capacity=25,
                price=180,
                free_for_members=True,
                dpc_reference=f"{62802300000 + index + 1:011d}",
                published=True,
            )
            for offset, half in (
                (0, "J1 matin"),
                (0, "J1 après-midi"),
                (1, "J2 matin"),
                (1, "J2 après-midi"),
            ):
                hour = 9 if "matin" in half else 14
                Slot.objects.create(
                    event=event,
                    label=half,
                    starts_at=at(day + timedelta(days=offset), hour),
                    ends_at=at(day + timedelta(days=offset), hour + 3),
                )
            events.append(event)
        return events

    def _jades_days(self, today) -> list[Event]:
        places = [
            ("CH de Valenciennes", "Valenciennes", "Hauts-de-France"),
            ("Clinique du Parc", "Lyon", "Auvergne-Rhône-Alpes"),
            ("EHPAD Les Tilleuls", "Angers", "Pays de la Loire"),
            ("CHU de Montpellier", "Montpellier", "Occitanie"),
        ]
        events = []
        for index, (venue, city, region) in enumerate(places):
            day = today + timedelta(days=20 + 45 * index)
            event = Event.objects.create(
                kind=Kind.JADES,
                title=f"Journée JADES — {venue}",
                theme="Prendre soin de soi",
                description="Une journée d'ateliers pour les équipes : choisissez un atelier le matin et un l'après-midi.",
                city=city,
                region=region,
                venue=venue,
                starts_at=at(day, 9),
                ends_at=at(day, 17),
                capacity=40,
                price=0,
                overbooking_percent=15,
                published=True,
            )
            for hour, label in ((9, "Matin"), (14, "Après-midi")):
                slot = Slot.objects.create(
                    event=event, label=label, starts_at=at(day, hour), ends_at=at(day, hour + 3)
                )
                for title in WORKSHOPS[(index + hour) % 4 :][:3]:
                    Workshop.objects.create(slot=slot, title=title, capacity=15)
            events.append(event)
        return events

    def _ejades(self, today) -> list[Event]:
        events = []
        day = today + timedelta(days=1)
        for week in range(12):
            for weekday, hour in ((1, 13), (3, 20)):  # Tuesday lunch, Thursday evening
                date = day + timedelta(days=(weekday - day.weekday()) % 7 + 7 * week)
                title = EJADES[(week * 2 + weekday) % len(EJADES)]
                events.append(
                    Event.objects.create(
                        kind=Kind.EJADES,
                        title=f"eJADES : {title}",
                        theme=title,
                        online=True,
                        description="Une heure en visio avec une psychologue ou une praticienne, caméra facultative, pseudonyme bienvenu.",
                        starts_at=at(date, hour),
                        ends_at=at(date, hour + 1),
                        capacity=30,
                        price=0,
                        overbooking_percent=30,
                        join_url=f"https://visio.example.org/ejades-{week}-{weekday}",
                        published=True,
                    )
                )
        return events

    def _conference(self, year: int) -> Event:
        day = datetime(year, 11, 20).date()
        return Event.objects.create(
            kind=Kind.COLLOQUE,
            title=f"Colloque national SPS {year}",
            theme="Soigner les soignants",
            description="Deux jours de conférences et de tables rondes : épuisement professionnel, violences, deuil, retour au travail.\nEnviron 45 intervenants.",
            speakers="\n".join(f"Intervenant·e {n}" for n in range(1, 46)),
            city="Paris",
            region="Île-de-France",
            venue="Maison de la Chimie, 28 rue Saint-Dominique",
            starts_at=at(day, 9),
            ends_at=at(day + timedelta(days=1), 18),
            capacity=600,
            price=120,
            free_for_members=True,
            published=True,
        )

    def _members(self, year: int) -> None:
        for n in range(30):
            Member.objects.create(
                email=f"adherent{n}@example.org",
                name=f"Adhérent·e {n}",
                year=year,
                kind="individuel",
                code=f"SPS-{year}-{n:03d}",
            )

    def _register(self, events: list[Event], randomiser: random.Random) -> int:
        professions = list(Profession.objects.filter(active=True).values_list("pk", flat=True)) or [None]
        count = 0
        for event in events:
            wanted = randomiser.randint(event.capacity // 3, event.capacity + event.capacity // 5)
            for n in range(wanted):
                name = f"{randomiser.choice(FIRST_NAMES)} {randomiser.choice(LAST_NAMES)}"
                workshops = [
                    randomiser.choice(list(slot.workshops.all())).pk
                    for slot in event.slots.all()
                    if slot.workshops.exists()
                ]
                try:
                    actions.register(
                        event.pk,
                        email=f"demo{event.pk}-{n}@example.org",
                        name="" if event.kind == Kind.EJADES else name,
                        profession_id=None if event.kind == Kind.EJADES else randomiser.choice(professions),
                        workshop_ids=workshops,
                    )
                    count += 1
                except actions.RegistrationError:
                    continue
        return count
