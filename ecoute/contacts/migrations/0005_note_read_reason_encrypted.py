"""The note-read reasons are health data: the column becomes encrypted and the rows already there are encrypted.

Reversible while ECOUTE_NOTE_KEYS holds the key: backwards decrypts them again."""

import ecoute.lib.crypto
from django.db import migrations


seal_existing, open_existing = ecoute.lib.crypto.encrypt_column("contacts", "noteread", "reason")


class Migration(migrations.Migration):

    dependencies = [
        ('contacts', '0004_tally_months'),
    ]

    operations = [
        migrations.AlterField(
            model_name='noteread',
            name='reason',
            field=ecoute.lib.crypto.EncryptedTextField(verbose_name='motif de la lecture'),
        ),
        migrations.RunPython(seal_existing, open_existing),
    ]
