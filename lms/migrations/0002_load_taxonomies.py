from django.db import migrations


def load(apps, schema_editor):
    from lms.taxonomy_data import load_taxonomies

    load_taxonomies(apps)


class Migration(migrations.Migration):
    dependencies = [("lms", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
