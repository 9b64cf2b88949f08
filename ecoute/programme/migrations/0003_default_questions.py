"""The trainings' questionnaires start with a standard set (staff edit them in the admin)."""

from django.db import migrations

KNOWLEDGE = [
    "Je sais reconnaître les signes d'épuisement professionnel chez moi et chez mes collègues.",
    "Je connais les ressources d'aide (ligne d'écoute, associations, médecine du travail) et comment y orienter.",
    "Je me sens capable d'aborder une situation de souffrance avec un·e collègue.",
]
SATISFACTION = [
    ("scale", "La formation a répondu à mes attentes."),
    ("scale", "Les contenus sont utiles à ma pratique."),
    ("scale", "Les formateurs et les méthodes étaient adaptés."),
    ("scale", "Je recommanderais cette formation à un·e collègue."),
    ("text", "Vos remarques et suggestions (facultatif)."),
]


def add(apps, schema_editor):
    Question = apps.get_model("programme", "Question")
    if Question.objects.exists():
        return
    Question.objects.bulk_create(
        [Question(part="knowledge", text=text, answer_type="scale", order=n) for n, text in enumerate(KNOWLEDGE)]
        + [
            Question(part="satisfaction", text=text, answer_type=kind, order=n)
            for n, (kind, text) in enumerate(SATISFACTION)
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("programme", "0002_questionnaires")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
