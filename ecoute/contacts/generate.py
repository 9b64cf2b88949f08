"""Plausible contact records in the proportions the association published (seeds 001 and 004).

Used by `make demo` (seed_demo_contacts), by the test that checks the statistics give these
proportions back, and by the benchmarks. Counts are allocated exactly (largest remainder), then
shuffled, so that a generated year has the published shares to the decimal.
"""

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from ecoute.calls.models import Channel

from . import models, tallies

# Shares in percent. Nurses a third, doctors 22 %, care assistants 12 %, pharmacists 5 %, dentists about 5 %.
PROFESSIONS = {
    "infirmier": 33,
    "medecin": 22,
    "aide-soignant": 12,
    "pharmacien": 5,
    "chirurgien-dentiste": 5,
    "etudiant": 5,
    "proche": 3,
    "sage-femme": 2,
    "kinesitherapeute": 2,
    "psychologue": 2,
    "cadre-sante": 2,
    "veterinaire": 1.5,
    "interne": 1.5,
    "preparateur-pharmacie": 1,
    "technicien-laboratoire": 1,
    "petite-enfance": 1,
    "autre-sante": 1,
}
# Half salaried, a third self-employed.
EMPLOYMENT = {"salarie": 50, "liberal": 33, "mixte": 6, "etudiant": 7, "inconnu": 4}
# The main reason of each contact: burnout first, about a quarter, then the seeds' order.
MAIN_REASONS = {
    "epuisement": 25,
    "information": 14,
    "conflit-hierarchie": 12,
    "sante": 10,
    "harcelement": 9,
    "conflit-equipe": 8,
    "conditions-travail": 7,
    "demotivation": 5,
    "seconde-victime": 3,
    "violence-patients": 2,
    "stage": 2,
    "plainte": 2,
    "choc-emotionnel": 1,
}
# A second reason, for some contacts, among what clinicians add (never one of the main ones above).
SECOND_REASONS = ["sommeil", "anxiete-depression", "idees-suicidaires", "addiction", "famille", "finances"]
SECTORS = {
    "hopital-public": 38,
    "cabinet": 22,
    "clinique": 12,
    "ehpad": 9,
    "officine": 6,
    "universite": 5,
    "domicile": 3,
    "medico-social": 2,
    "autre": 3,
}
AGE_BANDS = {"moins-25": 8, "25-34": 24, "35-44": 26, "45-54": 24, "55-64": 15, "65-plus": 3}
RISKS = {"faible": 55, "modere": 32, "eleve": 11, "urgence": 2}
ORIENTATIONS = {
    "aucune": 40,
    "psychologue-reseau": 22,
    "generaliste": 10,
    "psychiatre": 8,
    "unite-dediee": 4,
    "souffrance-travail": 5,
    "sommeil": 3,
    "juridique": 4,
    "sante-universitaire": 2,
    "medecine-travail": 2,
}
FOLLOW_UPS = {"aucune": 45, "rappel-appelant": 30, "suivi-psychologue": 20, "rappel-cadre": 5}
# Calls by hour of day (more in the evening, after a shift) and a busier start of the week.
HOURS = [2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 7, 8, 8, 7, 5, 3]
WEEKDAYS = [17, 16, 15, 15, 14, 11, 12]
DEPARTEMENT_WEIGHTS = {
    "75": 9,
    "13": 5,
    "69": 5,
    "59": 5,
    "33": 4,
    "31": 4,
    "44": 3,
    "67": 3,
    "34": 3,
    "06": 3,
    "92": 3,
    "93": 3,
    "94": 3,
    "35": 2,
    "38": 2,
}
NOTES = [
    "Épuisée après plusieurs semaines de nuits ; dort mal ; a pu parler de son envie de changer de service.",
    "Conflit avec le cadre depuis la réorganisation ; se sent isolé ; orienté vers un psychologue du réseau.",
    "Événement indésirable grave la semaine dernière ; culpabilité ; rappellera jeudi.",
    "Étudiante en stage, propos humiliants répétés ; informée de ses recours auprès de l'institut.",
]


def allocate(count: int, weights: dict[str, float], rng: random.Random) -> list[str]:
    """COUNT codes in exactly the proportions of WEIGHTS (largest remainder), in random order."""
    total = sum(weights.values())
    exact = {code: count * weight / total for code, weight in weights.items()}
    counts = {code: int(value) for code, value in exact.items()}
    for code in sorted(exact, key=lambda code: exact[code] - counts[code], reverse=True)[
        : count - sum(counts.values())
    ]:
        counts[code] += 1
    codes = [code for code, n in counts.items() for _ in range(n)]
    rng.shuffle(codes)
    return codes


def moments(count: int, start: datetime, days: int, rng: random.Random) -> list[datetime]:
    """Call times over DAYS days from START, growing through the period, shaped by hour and weekday."""
    found = []
    while len(found) < count:
        day = int(days * (rng.random() ** 0.85))  # more calls later in the period: the line grows
        moment = start + timedelta(days=day)
        if rng.random() * max(WEEKDAYS) > WEEKDAYS[moment.weekday()]:
            continue
        hour = rng.choices(range(24), weights=HOURS)[0]
        found.append(moment.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60)))
    return found


def _terms(model) -> dict[str, int]:
    return dict(model.objects.values_list("code", "pk"))


@transaction.atomic
def generate(
    count: int,
    start=None,
    days: int = 365,
    seed: int = 2016,
    authors=(),
    notes: bool = False,
    batch: int = 5000,
) -> int:
    """Store COUNT records over DAYS days ending today (or from START), then recount the tallies."""
    rng = random.Random(seed)
    start = start or timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
        days=days
    )
    if timezone.is_naive(start):
        start = timezone.make_aware(datetime.combine(start, time()))
    ids = {
        name: _terms(model)
        for name, model in [
            ("profession", models.Profession),
            ("employment", models.EmploymentStatus),
            ("sector", models.Sector),
            ("age_band", models.AgeBand),
            ("risk", models.RiskLevel),
            ("follow_up", models.FollowUp),
            ("reason", models.Reason),
            ("orientation", models.Orientation),
            ("departement", models.Departement),
        ]
    }
    columns = {
        "profession": allocate(count, PROFESSIONS, rng),
        "employment": allocate(count, EMPLOYMENT, rng),
        "sector": allocate(count, SECTORS, rng),
        "age_band": allocate(count, AGE_BANDS, rng),
        "risk": allocate(count, RISKS, rng),
        "follow_up": allocate(count, FOLLOW_UPS, rng),
        "reason": allocate(count, MAIN_REASONS, rng),
        "orientation": allocate(count, ORIENTATIONS, rng),
        "when": moments(count, start, days, rng),
    }
    departements = list(ids["departement"])
    weights = [DEPARTEMENT_WEIGHTS.get(code, 1) for code in departements]
    author_ids = [author.pk for author in authors]
    Reasons, Orientations = models.ContactRecord.reasons.through, models.ContactRecord.orientations.through
    for first in range(0, count, batch):
        chunk = range(first, min(first + batch, count))
        records = [
            _record(index, columns, ids, rng, departements, weights, author_ids, notes) for index in chunk
        ]
        models.ContactRecord.objects.bulk_create(records, batch_size=batch)
        reason_rows, orientation_rows = [], []
        for index, record in zip(chunk, records):
            reason_rows.append(
                Reasons(contactrecord_id=record.pk, reason_id=ids["reason"][columns["reason"][index]])
            )
            if rng.random() < 0.3:
                reason_rows.append(
                    Reasons(contactrecord_id=record.pk, reason_id=ids["reason"][rng.choice(SECOND_REASONS)])
                )
            orientation_rows.append(
                Orientations(
                    contactrecord_id=record.pk,
                    orientation_id=ids["orientation"][columns["orientation"][index]],
                )
            )
        Reasons.objects.bulk_create(reason_rows, batch_size=batch)
        Orientations.objects.bulk_create(orientation_rows, batch_size=batch)
    tallies.rebuild()
    return count


def _record(index, columns, ids, rng, departements, weights, author_ids, notes):
    return models.ContactRecord(
        author_id=author_ids[index % len(author_ids)] if author_ids else None,
        started_at=columns["when"][index],
        duration_seconds=int(rng.lognormvariate(7.0, 0.55)),  # median about 18 minutes
        channel=Channel.APP if rng.random() < 0.45 else Channel.PHONE,
        language="fr" if rng.random() < 0.96 else rng.choice(["en", "ar", "es", "ro"]),
        returning=rng.random() < 0.35,
        profession_id=ids["profession"][columns["profession"][index]],
        employment_id=ids["employment"][columns["employment"][index]],
        sector_id=ids["sector"][columns["sector"][index]],
        departement_id=ids["departement"][rng.choices(departements, weights=weights)[0]]
        if rng.random() < 0.8
        else None,
        age_band_id=ids["age_band"][columns["age_band"][index]],
        risk_level_id=ids["risk"][columns["risk"][index]],
        follow_up_id=ids["follow_up"][columns["follow_up"][index]],
        note=rng.choice(NOTES) if notes else "",
    )
