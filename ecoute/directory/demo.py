"""Demo directory: about 300 fictitious entries at real communes, through the same import path as a CSV.

Names of people and establishments are invented; the partner networks, the national emergency
numbers and the geography are real. The same seed always gives the same directory.
"""

import random
from datetime import timedelta

from django.db.models import Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import (
    gettext_noop,  # the vocabulary goes in the catalogs; the tables keep French
)

from .importer import ImportReport, import_rows
from .models import Commune, Network, Profession, Theme

NETWORKS = [
    (
        "sps",
        "Soins aux Professionnels de Santé (SPS)",
        "Association nationale, à l’origine de la ligne d’écoute et du réseau national du risque psychosocial.",
        "https://www.asso-sps.fr",
    ),
    (
        "souffrance-travail",
        "Souffrance & Travail",
        "Consultations spécialisées « souffrance au travail » partout en France.",
        "https://www.souffrance-et-travail.com",
    ),
    (
        "ssa",
        "Service de santé des armées",
        "Psychiatres et psychologues des hôpitaux d’instruction des armées, formés au psychotraumatisme.",
        "https://www.defense.gouv.fr/sante",
    ),
    (
        "morphee",
        "Réseau Morphée",
        "Réseau de santé consacré aux troubles du sommeil.",
        "https://reseau-morphee.fr",
    ),
]
PROFESSIONS = [
    ("psychologue", gettext_noop("Psychologue")),
    ("psychiatre", gettext_noop("Psychiatre")),
    ("medecin-generaliste", gettext_noop("Médecin généraliste")),
    ("medecin-du-travail", gettext_noop("Médecin du travail")),
    ("medecin-du-sommeil", gettext_noop("Médecin du sommeil")),
    ("addictologue", gettext_noop("Addictologue")),
    ("avocat", gettext_noop("Avocat·e")),
    ("assistant-social", gettext_noop("Assistant·e social·e")),
]
THEMES = [
    ("burnout", gettext_noop("Épuisement professionnel (burn-out)")),
    ("trauma", gettext_noop("Traumatisme, stress post-traumatique")),
    ("sommeil", gettext_noop("Sommeil")),
    ("addictions", gettext_noop("Addictions")),
    ("risque-suicidaire", gettext_noop("Risque suicidaire")),
    ("harcelement", gettext_noop("Harcèlement, violences au travail")),
    ("depression", gettext_noop("Dépression")),
    ("conflits", gettext_noop("Conflits interpersonnels")),
    ("anxiete", gettext_noop("Anxiété, stress")),
    ("deuil", gettext_noop("Deuil, seconde victime")),
]
# The 16 dedicated hospital units: 8 open, 8 announced (capability 5 of the spec).
UNITS_OPEN = ["75114", "69383", "13205", "31555", "33063", "59350", "44109", "67482"]
UNITS_UPCOMING = ["35238", "34172", "06088", "21231", "63113", "76540", "37261", "38185"]
DAY_HOSPITALS = [
    "75118",
    "69388",
    "13209",
    "33063",
    "59350",
    "06088",
    "54395",
    "51454",
    "86194",
    "87085",
    "29019",
    "25056",
    "80021",
    "45234",
]
UNIVERSITIES = [
    "75112",
    "69383",
    "13205",
    "31555",
    "33063",
    "59350",
    "44109",
    "67482",
    "35238",
    "34172",
    "06088",
    "21231",
    "63113",
    "76540",
    "37261",
    "38185",
    "54395",
    "51454",
    "86194",
    "87085",
    "29019",
    "25056",
    "80021",
    "14118",
]
EMERGENCY_LINES = [
    (
        "ligne-sps",
        "Ligne d’écoute des soignants",
        "0 805 23 23 36",
        "Gratuit, anonyme, 24 h/24 : un psychologue décroche tout de suite.",
    ),
    (
        "3114",
        "3114 — numéro national de prévention du suicide",
        "3114",
        "Gratuit, 24 h/24, 7 j/7 : des soignants formés à la crise suicidaire répondent, pour vous ou pour un proche.",
    ),
    (
        "samu",
        "SAMU — urgence médicale",
        "15",
        "Urgence vitale ou médicale : le médecin régulateur décide de l’aide à envoyer.",
    ),
    (
        "112",
        "Numéro d’urgence européen",
        "112",
        "Depuis n’importe quel téléphone, partout dans l’Union européenne.",
    ),
    (
        "114",
        "114 — urgences par SMS, pour les personnes sourdes ou malentendantes",
        "114",
        "Par SMS, visio ou tchat, 24 h/24.",
    ),
    (
        "fil-sante-jeunes",
        "Fil Santé Jeunes (étudiants)",
        "0 800 235 236",
        "Écoute anonyme et gratuite des 12-25 ans, tous les jours.",
    ),
]
FIRST_NAMES = [
    "Claire",
    "Julien",
    "Sophie",
    "Karim",
    "Anne",
    "Thomas",
    "Nadia",
    "Pierre",
    "Camille",
    "Hugo",
    "Léa",
    "Mehdi",
    "Isabelle",
    "Antoine",
    "Chloé",
    "Yann",
    "Aurélie",
    "Marc",
    "Inès",
    "Olivier",
    "Fatou",
    "Laurent",
    "Émilie",
    "Bruno",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Durand",
    "Lefèvre",
    "Moreau",
    "Laurent",
    "Garnier",
    "Roux",
    "Fournier",
    "Girard",
    "Bonnet",
    "Mercier",
    "Lambert",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guerin",
    "Muller",
    "Henry",
    "Perrin",
    "Morel",
    "Mathieu",
    "Nicolas",
    "Robin",
]
LANGUAGE_POOL = ["en", "es", "de", "it", "ar", "pt", "ro"]
WHAT_TO_EXPECT = {
    "professional": "Un premier rendez-vous d’évaluation d’environ 45 minutes, dans la confidentialité. Dites que vous venez de la part de la ligne d’écoute des soignants.",
    "unit": "Une hospitalisation de quelques semaines, réservée aux professionnels de santé : repos, soins psychiques, groupes de parole entre pairs. Admission après un entretien de pré-admission.",
    "day_hospital": "Des journées de soins (ateliers, entretiens, activités corporelles) en rentrant chez vous le soir, plusieurs fois par semaine.",
    "service": "Un premier échange pour comprendre votre situation, puis un accompagnement concret.",
    "university": "Des consultations gratuites pour les étudiants, avec un médecin, un psychologue ou une infirmière.",
    "emergency": "Un professionnel répond tout de suite.",
}
SERVICES = [
    (
        "legal",
        "Conseil juridique des soignants",
        "avocat",
        "Conseil sur un litige avec l’employeur, une plainte, une procédure ordinale ou une agression.",
    ),
    (
        "administrative",
        "Aide administrative et sociale",
        "assistant-social",
        "Arrêt de travail, prévoyance, reconnaissance en maladie professionnelle, démarches auprès de l’Assurance maladie.",
    ),
    (
        "replacement",
        "Remplacement pendant un arrêt",
        "",
        "Trouver un remplaçant pour votre cabinet ou votre officine pendant un arrêt, pour vous soigner sans perdre votre patientèle.",
    ),
]


def ensure_vocabulary() -> None:
    """Networks, professions and themes: the lists the CSV columns refer to."""
    for slug, name, description, website in NETWORKS:
        Network.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "website": website}
        )
    for slug, name in PROFESSIONS:
        Profession.objects.update_or_create(slug=slug, defaults={"name": name})
    for slug, name in THEMES:
        Theme.objects.update_or_create(slug=slug, defaults={"name": name})


class DemoDirectory:
    def __init__(self, seed: int = 5):
        self.random = random.Random(seed)
        self.today = timezone.localdate()
        self.rows: list[dict] = []
        self.communes = {
            c.code: c for c in Commune.objects.select_related("departement").prefetch_related("postal_codes")
        }

    def build(self, professionals: int = 230) -> list[tuple[int, dict]]:
        self._units()
        self._day_hospitals()
        self._services()
        self._universities()
        self._emergency_lines()
        self._professionals(professionals)
        return [(number + 2, row) for number, row in enumerate(self.rows)]

    def _row(self, external_id: str, kind: str, name: str, commune_code: str | None, **values) -> dict:
        commune = self.communes.get(commune_code) if commune_code else None
        verified = self.today - timedelta(days=self.random.choice([3, 20, 60, 120, 200, 300, 400, 500]))
        row = {
            "external_id": external_id,
            "kind": kind,
            "name": name,
            "last_verified": verified.isoformat(),
            "what_to_expect": WHAT_TO_EXPECT[kind],
            "accepting_new_patients": "oui",
        }
        if commune:
            row.update(
                commune_insee=commune.code,
                postal_code=min((p.code for p in commune.postal_codes.all()), default=""),
                address=f"{self.random.randint(1, 120)} {self.random.choice(['rue', 'avenue', 'boulevard'])} {self.random.choice(['Pasteur', 'Victor-Hugo', 'de la République', 'Jean-Jaurès', 'des Lilas', 'du Général-Leclerc'])}",
                # A few streets from the town hall, as real practices are.
                latitude=f"{commune.latitude + self.random.uniform(-0.015, 0.015):.5f}",
                longitude=f"{commune.longitude + self.random.uniform(-0.02, 0.02):.5f}",
                phone=f"0{self._zone(commune)} {self.random.randint(10, 99)} {self.random.randint(10, 99)} {self.random.randint(10, 99)} {self.random.randint(10, 99)}",
            )
        row.update(values)
        self.rows.append(row)
        return row

    @staticmethod
    def _zone(commune: Commune) -> int:
        """The first digit of a French landline, from the commune's region."""
        region = commune.departement.region_id
        zones = {
            "11": 1,
            "24": 2,
            "28": 2,
            "52": 2,
            "53": 2,
            "27": 3,
            "32": 3,
            "44": 3,
            "84": 4,
            "93": 4,
            "94": 4,
            "75": 5,
            "76": 5,
        }
        return zones.get(region, 5 if region in {"01", "02", "03"} else 2)

    def _themes(self, *required: str, extra: int = 2) -> str:
        others = [slug for slug, _ in THEMES if slug not in required]
        return "|".join([*required, *self.random.sample(others, extra)])

    def _units(self) -> None:
        for number, code in enumerate(UNITS_OPEN + UNITS_UPCOMING, start=1):
            upcoming = code in UNITS_UPCOMING
            commune = self.communes.get(code)
            if commune is None:
                continue
            self._row(
                f"demo-unite-{number:02d}",
                "unit",
                f"Unité de soins dédiée aux soignants — {commune.name}",
                code,
                organization=f"Clinique des Tilleuls de {commune.name} (démo)",
                unit_status="upcoming" if upcoming else "open",
                opening="Ouverture prévue en 2027" if upcoming else "",
                beds=str(self.random.randint(20, 30)),
                themes="burnout|depression|addictions|conflits",
                networks="sps",
                languages="en",
                accepting_new_patients="non" if upcoming else "oui",
                how_to_reach="Sur orientation de la ligne d’écoute ou de votre médecin ; entretien de pré-admission sous 15 jours.",
            )

    def _day_hospitals(self) -> None:
        for number, code in enumerate(DAY_HOSPITALS, start=1):
            commune = self.communes.get(code)
            if commune:
                self._row(
                    f"demo-hdj-{number:02d}",
                    "day_hospital",
                    f"Hôpital de jour « Soin des soignants » — {commune.name}",
                    code,
                    organization=f"Centre hospitalier de {commune.name} (démo)",
                    themes=self._themes("burnout", "depression"),
                    networks="sps",
                    how_to_reach="Sur orientation médicale ; du lundi au vendredi, 9 h – 17 h.",
                )

    def _services(self) -> None:
        cities = [code for code in UNIVERSITIES if code in self.communes]
        for service_type, label, profession, description in SERVICES:
            for number, code in enumerate(self.random.sample(cities, min(8, len(cities))), start=1):
                commune = self.communes[code]
                self._row(
                    f"demo-service-{service_type}-{number:02d}",
                    "service",
                    f"{label} — {commune.name}",
                    code,
                    service_type=service_type,
                    organization="Association d’entraide des soignants (démo)",
                    profession=profession,
                    teleconsultation="oui",
                    networks=self.random.choice(["sps", "souffrance-travail"]),
                    themes="harcelement|conflits" if service_type == "legal" else "burnout",
                    what_to_expect=description,
                    how_to_reach="Sur rendez-vous, par téléphone ou en visio.",
                )
            self._row(
                f"demo-service-{service_type}-national",
                "service",
                f"{label} — permanence nationale",
                None,
                service_type=service_type,
                nationwide="oui",
                teleconsultation="oui",
                networks="sps",
                phone="0 805 23 23 36",
                what_to_expect=description,
                how_to_reach="Par téléphone, du lundi au vendredi.",
            )

    def _universities(self) -> None:
        for number, code in enumerate(UNIVERSITIES, start=1):
            commune = self.communes.get(code)
            if commune:
                self._row(
                    f"demo-ssu-{number:02d}",
                    "university",
                    f"Service de santé étudiante — Université de {commune.name}",
                    code,
                    organization=f"Université de {commune.name}",
                    themes=self._themes("anxiete", "sommeil", extra=1),
                    languages="en",
                    how_to_reach="Pour les étudiants en santé et tous les étudiants de l’université ; gratuit, sur rendez-vous.",
                )

    def _emergency_lines(self) -> None:
        for slug, name, phone, what in EMERGENCY_LINES:
            self._row(
                f"demo-urgence-{slug}",
                "emergency",
                name,
                None,
                nationwide="oui",
                phone=phone,
                what_to_expect=what,
                themes="risque-suicidaire|trauma",
                how_to_reach=f"Composez le {phone}.",
            )

    def _professionals(self, count: int) -> None:
        for number, commune in enumerate(self._spread(count), start=1):
            profession = self.random.choices(
                [
                    "psychologue",
                    "psychiatre",
                    "medecin-generaliste",
                    "medecin-du-travail",
                    "medecin-du-sommeil",
                    "addictologue",
                ],
                weights=[40, 20, 15, 10, 8, 7],
            )[0]
            network = {"medecin-du-sommeil": "morphee"}.get(profession) or self.random.choices(
                ["sps", "souffrance-travail", "ssa", "morphee"], weights=[45, 35, 12, 8]
            )[0]
            required = {
                "medecin-du-sommeil": ["sommeil"],
                "addictologue": ["addictions"],
                "medecin-du-travail": ["burnout"],
            }.get(profession, [])
            if network == "ssa":
                required = [*required, "trauma"]
            name = f"{'Dr ' if profession not in {'psychologue'} else ''}{self.random.choice(FIRST_NAMES)} {self.random.choice(LAST_NAMES)}"
            self._row(
                f"demo-pro-{number:03d}",
                "professional",
                name,
                commune.code,
                profession=profession,
                networks=network,
                themes=self._themes(*required),
                teleconsultation=self.random.choice(["oui", "non"]),
                accepting_new_patients=self.random.choice(["oui", "oui", "oui", "non"]),
                languages="|".join(self.random.sample(LANGUAGE_POOL, self.random.choice([0, 0, 1, 1, 2]))),
                organization="Cabinet libéral"
                if profession != "medecin-du-travail"
                else "Service de prévention et de santé au travail",
                how_to_reach="Sur rendez-vous ; consultations remboursées selon le parcours de soins.",
            )

    def _spread(self, count: int) -> list[Commune]:
        """Every département once (its most populous commune), then big towns, weighted by population."""
        # Paris, Lyon and Marseille as a whole have no postal code: their arrondissements stand for them.
        ranked = Commune.objects.exclude(code__in=["75056", "69123", "13055"]).annotate(
            rank=Window(RowNumber(), partition_by="departement_id", order_by="-population")
        )
        firsts = [c for c in ranked if c.rank <= 3]
        leaders = [self.communes[c.code] for c in firsts if c.rank == 1]
        others = [self.communes[c.code] for c in firsts if c.rank > 1]
        extra = (
            self.random.choices(
                others, weights=[c.population or 1 for c in others], k=max(0, count - len(leaders))
            )
            if others
            else []
        )
        return (leaders + extra)[:count]


def seed(seed: int = 5, professionals: int = 230) -> ImportReport:
    ensure_vocabulary()
    return import_rows(DemoDirectory(seed).build(professionals))
