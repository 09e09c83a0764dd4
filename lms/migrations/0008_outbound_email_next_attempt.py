from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("lms", "0007_cache_table")]

    operations = [
        migrations.AddField(
            model_name="outboundemail",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="next attempt at"),
        ),
    ]
