"""The languages spoken on the line, seeded so that administrators only tick boxes."""

from django.db import migrations
from django.utils.translation import gettext_noop  # the names go in the catalogs; the table keeps French

LANGUAGES = [
    ("fr", gettext_noop("Français")), ("en", gettext_noop("Anglais")), ("es", gettext_noop("Espagnol")), ("de", gettext_noop("Allemand")), ("it", gettext_noop("Italien")),
    ("pt", gettext_noop("Portugais")), ("ar", gettext_noop("Arabe")), ("ro", gettext_noop("Roumain")), ("pl", gettext_noop("Polonais")), ("ru", gettext_noop("Russe")),
    ("uk", gettext_noop("Ukrainien")), ("zh", gettext_noop("Chinois")), ("vi", gettext_noop("Vietnamien")), ("tr", gettext_noop("Turc")), ("nl", gettext_noop("Néerlandais")),
    ("fr-lsf", gettext_noop("Langue des signes française")),
]


def add_languages(apps, schema_editor):
    Language = apps.get_model("accounts", "Language")
    for code, name in LANGUAGES:
        Language.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(add_languages, migrations.RunPython.noop)]
