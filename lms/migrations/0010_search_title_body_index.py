"""An index for PostgreSQL's search of titles and bodies together.

Wagtail's PostgreSQL search backend matches ``title || body`` against the query; the table
has GIN indexes on each column but none on the two together, so every keyword search read
every entry (the catalogue's search for 研修 on the full dataset: 5.4 ms, 1.3 ms with this
index).  SQLite's backend searches its own FTS5 table and needs nothing."""

from django.db import migrations

INDEX = "lms_search_title_body_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON wagtailsearch_indexentry "
            "USING gin ((title || body))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0009_rate_limit_counter"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(create, drop)]
