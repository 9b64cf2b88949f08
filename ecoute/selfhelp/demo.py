"""Demo sheets for `make demo` (idempotent): a few real-looking sheets in French and in English."""

import datetime

from django.utils import timezone

from .models import Sheet, SheetRevision, Testimony, TestimonyStatus, Theme

SHEETS = [
    {
        "slug": "fatigue-reperer-les-signes",
        "language": "fr",
        "theme": Theme.FATIGUE,
        "title": "Repérer les signes de la fatigue",
        "summary": "Quand la fatigue ne passe plus avec le repos, ce qu’elle dit et ce qui aide.",
        "body": """## Ce qui doit alerter

- vous êtes fatigué·e **dès le réveil**, même après un jour de repos ;
- vous faites des erreurs inhabituelles, vous oubliez des transmissions ;
- vous n’avez plus envie de voir vos proches, ni de ce qui vous faisait du bien.

## Ce qui aide

1. Protéger ses temps de récupération entre deux gardes.
2. En parler à un collègue de confiance, à son médecin du travail.
3. Parler à un psychologue de la plateforme : c’est gratuit, anonyme, à toute heure.

## Où trouver des soins

L’[annuaire de l’orientation](/orientation/) donne les professionnels formés près de chez vous.
""",
    },
    {
        "slug": "epuisement-professionnel",
        "language": "fr",
        "theme": Theme.BURNOUT,
        "title": "L’épuisement professionnel (burn-out)",
        "summary": "Un épuisement physique et émotionnel lié au travail : il se soigne, et plus tôt c’est mieux.",
        "body": """## Trois signes qui s’installent

- un **épuisement** qui ne cède pas au repos ;
- une **distance** avec les patients ou les collègues, du cynisme ;
- le sentiment de **ne plus être efficace**.

## Ce que vous pouvez faire

Rien de tout cela n’est une faiblesse. Un psychologue de la plateforme peut vous écouter
maintenant ; les unités dédiées aux soignants accueillent celles et ceux qui ont besoin d’un soin.
""",
    },
    {
        "slug": "sommeil-et-travail-de-nuit",
        "language": "fr",
        "theme": Theme.SLEEP,
        "title": "Sommeil et travail de nuit",
        "summary": "Conseils simples pour mieux dormir quand on travaille en horaires décalés.",
        "body": """## Avant de dormir après une nuit de garde

- lunettes de soleil sur le trajet du retour ;
- chambre sombre, fraîche et silencieuse ;
- pas de caféine dans les 6 heures avant le coucher.

## Quand consulter

Si l’insomnie dure plus de trois semaines, parlez-en à votre médecin. Le réseau Morphée
propose un questionnaire du sommeil gratuit.
""",
    },
    {
        "slug": "apres-un-evenement-indesirable-grave",
        "language": "fr",
        "theme": Theme.ADVERSE_EVENT,
        "title": "Après un événement indésirable grave",
        "summary": "Être la « seconde victime » d’une erreur ou d’un décès : ce qui est normal, et ce qui aide.",
        "body": """## Des réactions fréquentes

Revivre la scène, douter de soi, avoir peur de retourner au travail : ces réactions sont
fréquentes et diminuent souvent en quelques semaines.

## Ce qui aide

- en parler tôt, dans un cadre bienveillant (retour d’expérience sans recherche de coupable) ;
- ne pas rester seul·e : un psychologue de la plateforme peut vous écouter dès aujourd’hui.
""",
    },
    {
        "slug": "applications-utiles",
        "language": "fr",
        "theme": Theme.APPS,
        "title": "Des applications utiles",
        "summary": "Respiration, sommeil, méditation : quelques outils gratuits.",
        "body": """## Pour souffler quelques minutes

- la **cohérence cardiaque** : respirer 6 fois par minute pendant 5 minutes ;
- un **journal du sommeil** tenu une à deux semaines, à montrer à votre médecin.

Choisissez des applications qui ne demandent pas de compte et ne revendent pas vos données.
""",
    },
    {
        "slug": "noticing-fatigue",
        "language": "en",
        "theme": Theme.FATIGUE,
        "title": "Noticing the signs of fatigue",
        "summary": "When rest no longer helps: what fatigue tells you, and what helps.",
        "body": """## Warning signs

- you wake up **already tired**, even after a day off;
- you make unusual mistakes or forget handovers;
- you no longer want to see the people or do the things that did you good.

## What helps

1. Protect your recovery time between shifts.
2. Talk to a colleague you trust, or to your occupational physician.
3. Talk to one of the line's psychologists: free, anonymous, at any hour.
""",
    },
    {
        "slug": "burnout",
        "language": "en",
        "theme": Theme.BURNOUT,
        "title": "Burnout",
        "summary": "Physical and emotional exhaustion caused by work: it can be treated, and earlier is better.",
        "body": """## Three signs that settle in

- **exhaustion** that rest does not relieve;
- **distance** from patients or colleagues, cynicism;
- the feeling of **no longer being effective**.

None of this is a weakness. A psychologist of the line can listen to you now.
""",
    },
]


def seed() -> str:
    published = timezone.now() - datetime.timedelta(days=30)
    created = 0
    for data in SHEETS:
        sheet, made = Sheet.objects.get_or_create(
            slug=data["slug"], defaults={**data, "publish_at": published}
        )
        if made:
            SheetRevision.objects.create(
                sheet=sheet, title=sheet.title, summary=sheet.summary, body=sheet.body
            )
            created += 1
    return f"{created} fiches créées, {Sheet.objects.count()} en tout"


TESTIMONIES = [
    (
        "Claire, IDE de nuit",
        "initiative",
        "Le groupe de parole du jeudi",
        "Après deux ans de nuits en réanimation, je ne dormais plus et je pleurais en rentrant. Une collègue "
        "m’a emmenée au groupe de parole que notre psychologue avait ouvert le jeudi midi. Dire à voix haute "
        "que j’avais peur de me tromper m’a soulagée : les autres avaient peur aussi. Aujourd’hui je dors "
        "mieux, et j’ai demandé à passer de jour deux semaines par mois.",
    ),
    (
        "Un interne",
        "studies",
        "Ma première garde seul",
        "La première garde seul aux urgences, j’ai cru que je n’y arriverais pas. J’ai appelé la ligne à 4 h "
        "du matin ; une psychologue m’a écouté vingt minutes. Rien n’a changé dans le service, mais moi j’ai "
        "tenu, et j’ai parlé ensuite à mon chef de clinique, qui a changé l’organisation des seniors.",
    ),
    (
        "Sophie, aide-soignante",
        "suffering",
        "Quand on court toute la journée",
        "Quatorze résidents le matin, pas le temps de parler à personne. Je rentrais vidée. Ce qui m’a aidée : "
        "en parler à mon médecin, accepter un arrêt court, et revenir avec un temps partiel.",
    ),
]


def seed_testimonies() -> str:
    from ecoute.accounts.demo import give_demo_authenticator
    from ecoute.accounts.management.commands.seed_demo import DEMO_PASSWORD
    from ecoute.accounts.models import Role, User

    from . import testimonies

    made = []
    for username, role, name in (
        ("redaction", Role.EDITOR, "Rédaction"),
        ("moderation", Role.MODERATOR, "Modération"),
    ):
        if not User.objects.filter(username=username).exists():
            user = User(username=username, role=role, first_name=name)
            user.set_password(DEMO_PASSWORD)
            user.save()
            give_demo_authenticator(user)
            made.append(username)
    moderator = User.objects.get(username="moderation")
    created = 0
    for pseudonym, theme, title, text in TESTIMONIES:
        if Testimony.objects.filter(title=title).exists():
            continue
        testimony, _, _ = testimonies.submit(pseudonym, theme, title, text)
        testimonies.decide(testimony.pk, moderator, "approve", checklist=list(testimonies.CHECKLIST))
        created += 1
    if not Testimony.objects.filter(status=TestimonyStatus.PENDING).exists():
        testimonies.submit(
            "Marc",
            "suffering",
            "Le planning",
            "Le cadre du service de cardiologie change le planning chaque semaine sans prévenir. Je ne vois plus "
            "mes enfants. J’aimerais que d’autres sachent qu’on peut demander une médiation.",
        )
    accounts = f" ; comptes {', '.join(made)} (mot de passe de démo)" if made else ""
    return f"{created} témoignages publiés{accounts}"
