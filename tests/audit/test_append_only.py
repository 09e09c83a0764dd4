"""The log is append-only: the model, its manager and the database refuse changes; a deleted
actor's events keep the recorded label; old events are purged after AUDIT_RETENTION_DAYS by a
periodic job."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from audit import tasks
from audit.models import AuditAction, AuditEvent, AuditEventImmutable
from audit.services import audit_purge_old, audit_record
from lms.schedules import PERIODIC_JOBS, schedules_ensure
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]


@pytest.fixture
def event(coordinator, volunteer):
    return audit_record(
        actor=coordinator,
        action=AuditAction.VIEW_CONTACT,
        subject=volunteer(),
        detail={"screen": "volunteer"},
    )


def test_the_model_and_its_manager_refuse_changes_and_deletes(event):
    event.action = AuditAction.EXPORT
    with pytest.raises(AuditEventImmutable):
        event.save()
    with pytest.raises(AuditEventImmutable):
        event.delete()
    with pytest.raises(AuditEventImmutable):
        AuditEvent.objects.filter(pk=event.pk).update(action=AuditAction.EXPORT)
    with pytest.raises(AuditEventImmutable):
        AuditEvent.objects.all().delete()

    assert AuditEvent.objects.get().action == AuditAction.VIEW_CONTACT


@pytest.mark.parametrize(
    "column, value",
    [
        ("action", "'export'"),
        ("actor_label", "'someone else'"),
        ("subject_id", "'999'"),
        ("detail", "'{}'"),
    ],
)
def test_the_database_refuses_any_update_of_an_event(event, column, value):
    table = AuditEvent._meta.db_table
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = {value} WHERE id = %s", [event.pk])  # noqa: S608

    stored = AuditEvent.objects.get()
    assert (stored.action, stored.subject_id) == (event.action, event.subject_id)
    assert stored.actor_label == event.actor_label and stored.detail == {"screen": "volunteer"}


def test_the_database_refuses_moving_an_event_to_another_actor(event):
    other = UserFactory(is_staff=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent._base_manager.filter(pk=event.pk).update(actor=other)

    assert AuditEvent.objects.get().actor_id == event.actor_id


def test_deleting_the_actors_account_keeps_who_it_was(client, event, coordinator, admin_user):
    label = event.actor_label

    coordinator.delete()

    stored = AuditEvent.objects.get()
    assert stored.actor is None and stored.actor_label == label
    assert "coord@example.jp" in label
    client.force_login(admin_user)
    page = client.get("/admin/audit-log/").content.decode()
    assert "調整 役子 &lt;coord@example.jp&gt;" in page


def test_a_garbled_client_address_is_left_out(coordinator, rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR="not-an-address")
    request.user = coordinator

    event = audit_record(actor=coordinator, action=AuditAction.EXPORT, request=request)

    assert event.client_address is None
    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9")
    request.user = coordinator
    assert audit_record(actor=coordinator, action="export", request=request).client_address == (
        "203.0.113.9"
    )


def test_old_events_are_purged_after_the_retention_period(coordinator, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    now = timezone.now()

    def at(days_ago):
        return AuditEvent.objects.create(
            created_at=now - dt.timedelta(days=days_ago),
            actor=coordinator,
            actor_label="x",
            action=AuditAction.EXPORT,
        )

    old, older = at(31), at(400)
    kept = [at(29), at(0)]

    assert audit_purge_old(now=now) == 2
    assert audit_purge_old(now=now) == 0  # safe to run twice
    assert sorted(AuditEvent.objects.values_list("pk", flat=True)) == sorted(e.pk for e in kept)
    assert not AuditEvent.objects.filter(pk__in=[old.pk, older.pk]).exists()


def test_the_default_retention_is_five_years_and_the_purge_runs_daily(coordinator, settings):
    del settings.AUDIT_RETENTION_DAYS
    now = timezone.now()
    for days in (1825, 1827):
        AuditEvent.objects.create(
            created_at=now - dt.timedelta(days=days), actor_label="x", action=AuditAction.EXPORT
        )

    assert ("purge-old-audit-events", "audit.tasks.purge_old_events", 24 * 60) in PERIODIC_JOBS
    schedules_ensure()
    from django_q.models import Schedule

    assert Schedule.objects.get(name="purge-old-audit-events").func == (
        "audit.tasks.purge_old_events"
    )
    assert tasks.purge_old_events() == 1
    assert AuditEvent.objects.count() == 1
