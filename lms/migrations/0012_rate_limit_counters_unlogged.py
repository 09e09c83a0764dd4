"""Rate-limit counters in an unlogged table on PostgreSQL (issue #9): a hit is an upsert in a
transaction of its own, and its commit waited for the write-ahead log to reach the disk (0.3
to 4 ms on the development machine, by its load).  An unlogged table writes no log: the commit
does not wait, and a crash of the database server empties the table, so every count starts
again, which a rate limit can afford.  SQLite has no such tables: nothing changes there."""

from django.db import migrations

TABLE = "lms_ratelimitcounter"


def set_unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} SET UNLOGGED")


def set_logged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("lms", "0011_sessions_use_one_query_backend")]

    operations = [migrations.RunPython(set_unlogged, set_logged, elidable=False)]
