"""The calendar feeds' cache table (settings.CALENDAR_CACHE_TABLE): the written bytes of each
private feed, apart from the default cache (Django's database cache counts its whole table on
every write).  Created here so that `migrate` is all it takes, as for the default one
(0007_cache_table): ``createcachetable`` creates every database cache's table that is
missing, and does nothing for Redis or the tests' memory caches."""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("lms", "0014_user_updated_at")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
