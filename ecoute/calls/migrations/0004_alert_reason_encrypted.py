"""The alert reasons are health data: the column becomes encrypted and the rows already there are encrypted.

Reversible while ECOUTE_NOTE_KEYS holds the key: backwards decrypts them again."""

import ecoute.lib.crypto
from django.db import migrations


seal_existing, open_existing = ecoute.lib.crypto.encrypt_column("calls", "alert", "reason")


class Migration(migrations.Migration):

    dependencies = [
        ('calls', '0003_warm_transfer'),
    ]

    operations = [
        migrations.AlterField(
            model_name='alert',
            name='reason',
            field=ecoute.lib.crypto.EncryptedTextField(blank=True, default='', verbose_name='motif'),
        ),
        migrations.RunPython(seal_existing, open_existing),
    ]
