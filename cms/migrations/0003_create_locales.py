from django.db import migrations


def create_locales(apps, schema_editor):
    Locale = apps.get_model("wagtailcore", "Locale")
    for code in ("ja", "en"):
        Locale.objects.get_or_create(language_code=code)


class Migration(migrations.Migration):
    dependencies = [("cms", "0002_initial"), ("wagtailcore", "0054_initial_locale")]

    operations = [migrations.RunPython(create_locales, migrations.RunPython.noop)]
