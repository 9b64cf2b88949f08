"""Demo studies (idempotent): one closed with published results, one open to the public."""

import random

from .answering import answer
from .models import Question, QuestionKind, Study, StudyStatus

PROFESSIONS = "Infirmier·ère\nMédecin\nAide-soignant·e\nPharmacien·ne\nAutre"


def _closed_study() -> Study:
    study = Study.objects.create(
        slug="sante-des-soignants-2025",
        title="La santé des soignants (2025)",
        description="Enquête nationale auprès des professionnels de santé sur leur sommeil, leur fatigue et leur recours à l’aide.",
        status=StudyStatus.OPEN,
        results_published=True,
    )
    profession = Question.objects.create(
        study=study, position=1, kind=QuestionKind.SINGLE, text="Votre profession", choices=PROFESSIONS
    )
    sleep = Question.objects.create(
        study=study,
        position=2,
        kind=QuestionKind.SCALE,
        text="Qualité de votre sommeil (0 : très mauvaise, 5 : très bonne)",
        low=0,
        high=5,
    )
    helped = Question.objects.create(
        study=study,
        position=3,
        kind=QuestionKind.MULTIPLE,
        text="Ce qui vous a aidé·e",
        choices="Parler à un collègue\nConsulter un médecin\nLa ligne d’écoute\nRien de tout cela",
        required=False,
    )
    hours = Question.objects.create(
        study=study,
        position=4,
        kind=QuestionKind.NUMBER,
        text="Heures travaillées la semaine dernière",
        low=0,
        high=90,
    )
    Question.objects.create(
        study=study, position=5, kind=QuestionKind.TEXT, text="Un mot pour l’association ?", required=False
    )
    draw = random.Random(2025)
    weights = [40, 25, 20, 8, 7]
    for _ in range(180):
        answer(
            study,
            {
                profession.pk: draw.choices(profession.options, weights)[0],
                sleep.pk: str(draw.choice([1, 2, 2, 3, 3, 3, 4, 5])),
                helped.pk: draw.sample(helped.options[:3], draw.randint(0, 2)) or ["Rien de tout cela"],
                hours.pk: draw.randint(20, 70),
            },
        )
    Study.objects.filter(pk=study.pk).update(status=StudyStatus.CLOSED)
    return study


def _open_study() -> Study:
    study = Study.objects.create(
        slug="suicide-et-soignants",
        title="Idées suicidaires chez les soignants : en parler",
        description="Quelques questions, anonymes, pour savoir à qui les soignants en parlent et ce qui les aide.",
        status=StudyStatus.OPEN,
    )
    Question.objects.create(
        study=study, position=1, kind=QuestionKind.SINGLE, text="Votre profession", choices=PROFESSIONS
    )
    Question.objects.create(
        study=study,
        position=2,
        kind=QuestionKind.SINGLE,
        text="Savez-vous vers qui vous tourner si un collègue va mal ?",
        choices="Oui\nNon\nJe ne sais pas",
    )
    return study


def seed() -> str:
    made = []
    if not Study.objects.filter(slug="sante-des-soignants-2025").exists():
        made.append(_closed_study().title)
    if not Study.objects.filter(slug="suicide-et-soignants").exists():
        made.append(_open_study().title)
    return f"{len(made)} études créées"
