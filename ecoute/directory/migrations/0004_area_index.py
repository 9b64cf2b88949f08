"""Indexes for the orientation page's searches (issue 10, docs/performance.md).

- directory_entry_area: a département or region search reads its entries by the prefix of their
  commune's code; on PostgreSQL the index also holds every column the count and the rings use.
- (theme, entry), (language, entry), (network, entry) on the through tables: a filter on a common
  theme gathers its entries from the index alone, instead of reading a thousand table pages.
"""

from django.db import migrations, models

THROUGH_INDEXES = [
    ("directory_entry_themes_by_theme", "directory_entry_themes", "theme_id"),
    ("directory_entry_languages_by_language", "directory_entry_languages", "language_id"),
    ("directory_entry_networks_by_network", "directory_entry_networks", "network_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_editor_moderator_roles"),
        ("directory", "0003_referrals_noted_during_calls"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="entry",
            index=models.Index(
                fields=["commune"],
                include=(
                    "id",
                    "published",
                    "kind",
                    "profession",
                    "teleconsultation",
                    "accepting_new_patients",
                    "latitude",
                    "longitude",
                ),
                name="directory_entry_area",
                opclasses=["varchar_pattern_ops"],
            ),
        ),
        # The through tables are Django's own (no model to declare an index on): the same SQL on
        # SQLite and PostgreSQL.
        *[
            migrations.RunSQL(
                f"CREATE INDEX {name} ON {table} ({column}, entry_id)", f"DROP INDEX {name}"
            )
            for name, table, column in THROUGH_INDEXES
        ],
    ]
