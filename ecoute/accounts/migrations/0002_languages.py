"""The languages spoken on the line, seeded so that administrators only tick boxes."""

from django.db import migrations

LANGUAGES = [
    ("fr", "Français"), ("en", "Anglais"), ("es", "Espagnol"), ("de", "Allemand"), ("it", "Italien"),
    ("pt", "Portugais"), ("ar", "Arabe"), ("ro", "Roumain"), ("pl", "Polonais"), ("ru", "Russe"),
    ("uk", "Ukrainien"), ("zh", "Chinois"), ("vi", "Vietnamien"), ("tr", "Turc"), ("nl", "Néerlandais"),
    ("fr-lsf", "Langue des signes française"),
]


def add_languages(apps, schema_editor):
    Language = apps.get_model("accounts", "Language")
    for code, name in LANGUAGES:
        Language.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(add_languages, migrations.RunPython.noop)]
