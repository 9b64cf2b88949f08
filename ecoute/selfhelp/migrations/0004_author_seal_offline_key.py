"""Author records move from the notes' keys (the server can read them) to a seal only the offline
private key opens: each record kept so far is opened with the notes' keys and sealed again."""

from django.conf import settings
from django.db import migrations, models


def reseal_to_the_offline_key(apps, schema_editor):
    from ecoute.lib import sealing
    from ecoute.lib.crypto import unseal

    public = settings.ECOUTE_AUTHOR_SEAL_PUBLIC_KEY
    for seal in apps.get_model("selfhelp", "AuthorSeal").objects.all():
        seal.sealed = sealing.seal(unseal(seal.sealed).encode(), public)
        seal.key_fingerprint = sealing.fingerprint(public)
        seal.save(update_fields=["sealed", "key_fingerprint"])


class Migration(migrations.Migration):
    dependencies = [
        ("selfhelp", "0003_testimonies"),
    ]

    operations = [
        migrations.AddField(
            model_name="authorseal",
            name="key_fingerprint",
            field=models.CharField(default="", max_length=16),
        ),
        migrations.AlterField(
            model_name="authorseal",
            name="sealed",
            field=models.TextField(),
        ),
        # Not reversible: once sealed to the offline key, the server cannot open it to go back.
        migrations.RunPython(reseal_to_the_offline_key, migrations.RunPython.noop),
    ]
