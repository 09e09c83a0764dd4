"""The default training requirement: completing an orientation course moves a person at the
orientation stage on to training.  Coordinators can change it in the admin."""

from django.db import migrations


def add_default(apps, schema_editor):
    StageRequirement = apps.get_model("volunteers", "StageRequirement")
    StageRequirement.objects.get_or_create(
        stage="orientation", defaults={"course_kind": "orientation", "next_stage": "training"}
    )


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0002_notes_duplicates_requirements_hours")]

    operations = [migrations.RunPython(add_default, migrations.RunPython.noop)]
