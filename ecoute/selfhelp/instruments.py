"""The self-test instruments, as data: items, answers, scoring, bands, sources and terms of use.

One place for all of it: the page sends this data to the browser (which scores the answers there,
selftest.js), and `score` below applies the same rules for the tests, which check them against the
published scoring rules. Texts are the published French and English versions.

Chosen for their terms: PHQ-9 and GAD-7 (Pfizer: "No permission required to reproduce, translate,
display or distribute"), WHO-5 (public domain; the source must be cited). Not used: the Maslach
Burnout Inventory (sold by Mind Garden), the Insomnia Severity Index and the PSQI (permission
through Mapi Research Trust or the authors), the Epworth scale (licence required for
organisations), and the Copenhagen Burnout Inventory (no free-use statement found: see
docs/selfhelp.md). For sleep the pages link to réseau Morphée's free questionnaire.
"""

from dataclasses import dataclass

FREQUENCY_2_WEEKS = [
    (0, {"fr": "Jamais", "en": "Not at all"}),
    (1, {"fr": "Plusieurs jours", "en": "Several days"}),
    (2, {"fr": "Plus de la moitié du temps", "en": "More than half the days"}),
    (3, {"fr": "Presque tous les jours", "en": "Nearly every day"}),
]

WHO5_ANSWERS = [
    (5, {"fr": "Tout le temps", "en": "All of the time"}),
    (4, {"fr": "La plupart du temps", "en": "Most of the time"}),
    (3, {"fr": "Plus de la moitié du temps", "en": "More than half of the time"}),
    (2, {"fr": "Moins de la moitié du temps", "en": "Less than half of the time"}),
    (1, {"fr": "De temps en temps", "en": "Some of the time"}),
    (0, {"fr": "Jamais", "en": "At no time"}),
]


@dataclass(frozen=True)
class Band:
    code: str
    low: int  # the band holds scores from low to high, both included (on the reported scale)
    high: int
    label: dict
    meaning: dict


@dataclass(frozen=True)
class Instrument:
    code: str
    name: dict
    question: dict
    items: list
    answers: list
    bands: list
    multiplier: int
    source: str
    licence: str
    # The index of an item whose answer above 0 always shows help at once, whatever the total.
    urgent_item: int | None = None

    @property
    def max_score(self) -> int:
        return len(self.items) * max(value for value, _ in self.answers) * self.multiplier


PHQ9 = Instrument(
    code="phq9",
    name={"fr": "Humeur (PHQ-9)", "en": "Mood (PHQ-9)"},
    question={
        "fr": "Au cours des 2 dernières semaines, selon quelle fréquence avez-vous été gêné·e par les problèmes suivants ?",
        "en": "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    },
    items=[
        {
            "fr": "Peu d’intérêt ou de plaisir à faire les choses",
            "en": "Little interest or pleasure in doing things",
        },
        {"fr": "Être triste, déprimé·e ou désespéré·e", "en": "Feeling down, depressed, or hopeless"},
        {
            "fr": "Difficultés à s’endormir ou à rester endormi·e, ou dormir trop",
            "en": "Trouble falling or staying asleep, or sleeping too much",
        },
        {"fr": "Se sentir fatigué·e ou manquer d’énergie", "en": "Feeling tired or having little energy"},
        {"fr": "Avoir peu d’appétit ou manger trop", "en": "Poor appetite or overeating"},
        {
            "fr": "Avoir une mauvaise opinion de soi-même, ou avoir le sentiment d’être nul·le, ou d’avoir déçu sa famille ou s’être déçu·e soi-même",
            "en": "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
        },
        {
            "fr": "Avoir du mal à se concentrer, par exemple pour lire le journal ou regarder la télévision",
            "en": "Trouble concentrating on things, such as reading the newspaper or watching television",
        },
        {
            "fr": "Bouger ou parler si lentement que les autres auraient pu le remarquer, ou au contraire être si agité·e que vous avez eu du mal à tenir en place",
            "en": "Moving or speaking so slowly that other people could have noticed, or the opposite — being so fidgety or restless that you have been moving around a lot more than usual",
        },
        {
            "fr": "Penser qu’il vaudrait mieux mourir ou envisager de vous faire du mal d’une manière ou d’une autre",
            "en": "Thoughts that you would be better off dead, or of hurting yourself in some way",
        },
    ],
    answers=FREQUENCY_2_WEEKS,
    bands=[
        Band(
            "minimal",
            0,
            4,
            {"fr": "Minime", "en": "Minimal"},
            {
                "fr": "Peu ou pas de signes de dépression ces deux dernières semaines.",
                "en": "Few or no signs of depression over the last two weeks.",
            },
        ),
        Band(
            "mild",
            5,
            9,
            {"fr": "Légère", "en": "Mild"},
            {
                "fr": "Quelques signes de déprime. Prenez-les au sérieux, refaites le test dans quelques semaines, et parlez-en si cela dure.",
                "en": "Some signs of low mood. Take them seriously, take the test again in a few weeks, and talk about it if it lasts.",
            },
        ),
        Band(
            "moderate",
            10,
            14,
            {"fr": "Modérée", "en": "Moderate"},
            {
                "fr": "Des signes nets de dépression. En parler à un professionnel est recommandé.",
                "en": "Clear signs of depression. Talking to a professional is recommended.",
            },
        ),
        Band(
            "moderately_severe",
            15,
            19,
            {"fr": "Modérément sévère", "en": "Moderately severe"},
            {
                "fr": "Des signes importants de dépression. Consultez un médecin ou un psychologue sans attendre.",
                "en": "Marked signs of depression. See a doctor or a psychologist without waiting.",
            },
        ),
        Band(
            "severe",
            20,
            27,
            {"fr": "Sévère", "en": "Severe"},
            {
                "fr": "Des signes sévères de dépression. Parlez-en aujourd’hui à un professionnel.",
                "en": "Severe signs of depression. Talk to a professional today.",
            },
        ),
    ],
    multiplier=1,
    source="Kroenke K, Spitzer RL, Williams JB. The PHQ-9: validity of a brief depression severity measure. J Gen Intern Med 2001;16:606-613.",
    licence="Developed by Drs Spitzer, Williams, Kroenke and colleagues with an educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute.",
    urgent_item=8,
)

GAD7 = Instrument(
    code="gad7",
    name={"fr": "Anxiété (GAD-7)", "en": "Anxiety (GAD-7)"},
    question={
        "fr": "Au cours des 2 dernières semaines, à quelle fréquence avez-vous été dérangé·e par les problèmes suivants ?",
        "en": "Over the last 2 weeks, how often have you been bothered by the following problems?",
    },
    items=[
        {
            "fr": "Sentiment de nervosité, d’anxiété ou de tension",
            "en": "Feeling nervous, anxious, or on edge",
        },
        {
            "fr": "Incapable d’arrêter de vous inquiéter ou de contrôler vos inquiétudes",
            "en": "Not being able to stop or control worrying",
        },
        {
            "fr": "Inquiétudes excessives à propos de différentes choses",
            "en": "Worrying too much about different things",
        },
        {"fr": "Difficulté à se détendre", "en": "Trouble relaxing"},
        {
            "fr": "Agitation telle qu’il est difficile de tenir en place",
            "en": "Being so restless that it is hard to sit still",
        },
        {"fr": "Devenir facilement contrarié·e ou irritable", "en": "Becoming easily annoyed or irritable"},
        {
            "fr": "Avoir peur que quelque chose d’épouvantable puisse arriver",
            "en": "Feeling afraid, as if something awful might happen",
        },
    ],
    answers=FREQUENCY_2_WEEKS,
    bands=[
        Band(
            "minimal",
            0,
            4,
            {"fr": "Minime", "en": "Minimal"},
            {
                "fr": "Peu ou pas de signes d’anxiété ces deux dernières semaines.",
                "en": "Few or no signs of anxiety over the last two weeks.",
            },
        ),
        Band(
            "mild",
            5,
            9,
            {"fr": "Légère", "en": "Mild"},
            {
                "fr": "Quelques signes d’anxiété. Les fiches sur le stress peuvent aider ; parlez-en si cela dure.",
                "en": "Some signs of anxiety. The sheets on stress may help; talk about it if it lasts.",
            },
        ),
        Band(
            "moderate",
            10,
            14,
            {"fr": "Modérée", "en": "Moderate"},
            {
                "fr": "Des signes nets d’anxiété. En parler à un professionnel est recommandé.",
                "en": "Clear signs of anxiety. Talking to a professional is recommended.",
            },
        ),
        Band(
            "severe",
            15,
            21,
            {"fr": "Sévère", "en": "Severe"},
            {
                "fr": "Des signes sévères d’anxiété. Consultez un médecin ou un psychologue sans attendre.",
                "en": "Severe signs of anxiety. See a doctor or a psychologist without waiting.",
            },
        ),
    ],
    multiplier=1,
    source="Spitzer RL, Kroenke K, Williams JBW, Löwe B. A brief measure for assessing generalized anxiety disorder: the GAD-7. Arch Intern Med 2006;166:1092-1097.",
    licence="Developed by Drs Spitzer, Williams, Kroenke and colleagues with an educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute.",
)

WHO5 = Instrument(
    code="who5",
    name={"fr": "Bien-être (WHO-5)", "en": "Well-being (WHO-5)"},
    question={
        "fr": "Au cours des deux dernières semaines :",
        "en": "Over the last two weeks:",
    },
    items=[
        {
            "fr": "Je me suis senti·e bien et de bonne humeur",
            "en": "I have felt cheerful and in good spirits",
        },
        {"fr": "Je me suis senti·e calme et tranquille", "en": "I have felt calm and relaxed"},
        {
            "fr": "Je me suis senti·e plein·e d’énergie et vigoureux·se",
            "en": "I have felt active and vigorous",
        },
        {
            "fr": "Je me suis réveillé·e en me sentant frais·che et dispos·e",
            "en": "I woke up feeling fresh and rested",
        },
        {
            "fr": "Ma vie quotidienne a été remplie de choses intéressantes",
            "en": "My daily life has been filled with things that interest me",
        },
    ],
    answers=WHO5_ANSWERS,
    # On the 0-100 scale (the raw 0-25 times 4): 28 or less suggests depression, 50 or less low well-being.
    bands=[
        Band(
            "very_low",
            0,
            28,
            {"fr": "Bien-être très bas", "en": "Very low well-being"},
            {
                "fr": "Votre bien-être est très bas : c’est souvent le signe d’une dépression. Parlez-en à un professionnel.",
                "en": "Your well-being is very low: this is often a sign of depression. Talk to a professional.",
            },
        ),
        Band(
            "low",
            29,
            50,
            {"fr": "Bien-être bas", "en": "Low well-being"},
            {
                "fr": "Votre bien-être est bas. Le test de l’humeur (PHQ-9) peut en dire plus, et un psychologue peut vous écouter.",
                "en": "Your well-being is low. The mood test (PHQ-9) can tell more, and a psychologist can listen to you.",
            },
        ),
        Band(
            "good",
            51,
            100,
            {"fr": "Bon bien-être", "en": "Good well-being"},
            {
                "fr": "Votre bien-être est plutôt bon ces deux dernières semaines.",
                "en": "Your well-being has been rather good over the last two weeks.",
            },
        ),
    ],
    multiplier=4,
    source="World Health Organization. Wellbeing measures in primary health care: the DepCare project. WHO Regional Office for Europe, 1998. Topp CW et al. The WHO-5 Well-Being Index: a systematic review. Psychother Psychosom 2015;84:167-176.",
    licence="Public domain; the source must be cited.",
)

INSTRUMENTS = {instrument.code: instrument for instrument in (PHQ9, GAD7, WHO5)}


class InvalidAnswers(ValueError):
    pass


@dataclass(frozen=True)
class Result:
    score: int
    band: Band
    urgent: bool


def score(instrument: Instrument, answers: list[int]) -> Result:
    """The instrument's published scoring: the sum of the answers' values (times the multiplier)."""
    allowed = {value for value, _ in instrument.answers}
    if len(answers) != len(instrument.items) or any(answer not in allowed for answer in answers):
        raise InvalidAnswers(f"{instrument.code}: {len(instrument.items)} answers among {sorted(allowed)}")
    total = sum(answers) * instrument.multiplier
    band = next(band for band in instrument.bands if band.low <= total <= band.high)
    urgent = instrument.urgent_item is not None and answers[instrument.urgent_item] > 0
    return Result(total, band, urgent)


def for_browser(instrument: Instrument, language: str) -> dict:
    """What selftest.js needs to ask the items and score them, in one language."""

    def text(value: dict) -> str:
        return value.get(language) or value["fr"]

    return {
        "code": instrument.code,
        "items": [text(item) for item in instrument.items],
        "answers": [{"value": value, "label": text(label)} for value, label in instrument.answers],
        "multiplier": instrument.multiplier,
        "max": instrument.max_score,
        "urgentItem": instrument.urgent_item,
        "bands": [
            {"code": b.code, "low": b.low, "high": b.high, "label": text(b.label), "meaning": text(b.meaning)}
            for b in instrument.bands
        ],
    }
