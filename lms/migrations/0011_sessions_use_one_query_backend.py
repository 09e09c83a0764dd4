"""Sessions signed in through Django's model backend name it by its import path, and Django
signs out any session whose backend is no longer listed: point them at the backend that
replaced it (``lms.backends.ModelBackendOneQuery``), so nobody is signed out by the change."""

from django.contrib.sessions.backends.db import SessionStore
from django.db import migrations
from django.utils import timezone

OLD = "django.contrib.auth.backends.ModelBackend"
NEW = "lms.backends.ModelBackendOneQuery"


def _rename(apps, schema_editor, before: str, after: str) -> None:
    session_model = apps.get_model("sessions", "Session")
    store = SessionStore()
    changed = []
    for session in session_model.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = store.decode(session.session_data)
        if data.get("_auth_user_backend") == before:
            data["_auth_user_backend"] = after
            session.session_data = store.encode(data)
            changed.append(session)
        if len(changed) >= 1000:
            session_model.objects.bulk_update(changed, ["session_data"])
            changed = []
    session_model.objects.bulk_update(changed, ["session_data"])


def forwards(apps, schema_editor):
    _rename(apps, schema_editor, OLD, NEW)


def backwards(apps, schema_editor):
    _rename(apps, schema_editor, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0010_search_title_body_index"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
