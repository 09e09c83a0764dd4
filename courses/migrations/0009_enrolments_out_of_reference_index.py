"""Places are no longer in Wagtail's reference index (``Enrolment.wagtail_reference_index_ignore``):
remove the rows written before, which nothing would clean up any more (a deleted place's row
would make its run's "usage" page fail, and count as protecting the run from deletion)."""

from django.db import migrations


def forwards(apps, schema_editor):
    content_type_model = apps.get_model("contenttypes", "ContentType")
    reference_index = apps.get_model("wagtailcore", "ReferenceIndex")
    kind = content_type_model.objects.filter(app_label="courses", model="enrolment").first()
    if kind is not None:
        reference_index.objects.filter(base_content_type=kind).delete()
        reference_index.objects.filter(content_type=kind).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0008_reflection_sheet"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0078_referenceindex"),
    ]

    # Nothing to put back: `manage.py rebuild_references_index` rebuilds the index as the
    # models say.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
