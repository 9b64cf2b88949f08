"""The French defaults of every taxonomy, so that the first contact record can be filled at once."""

from django.db import migrations

from ecoute.contacts.taxonomy_defaults import DEFAULTS


def load_defaults(apps, schema_editor):
    for model_name, terms in DEFAULTS.items():
        model = apps.get_model("contacts", model_name)
        for position, (code, label) in enumerate(terms):
            model.objects.get_or_create(code=code, defaults={"label": label, "position": position})


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]
    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
