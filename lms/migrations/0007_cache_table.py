"""The database cache table (settings.CACHE_TABLE): rate limits and the sign-in lockout are counted
there when no Redis is configured, so every web process shares one count.  Created here so that
`migrate`, which every deployment runs, is all it takes."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # Does nothing for caches that are not database caches (Redis, tests' memory cache).
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("lms", "0006_user_withdrawn_at")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
