"""A volunteer's personal data (issue #7, APPI): the download holds everything kept about the
person; withdrawal erases name, contact and notes while counts and hours stay; abandoned
sign-ups are purged by a scheduled task."""

import datetime as dt
import json

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.utils import timezone

from courses.models import Attendance, Enrolment
from lms.models import OutboundEmail, User
from tests.factories import EnrolmentFactory, SessionFactory, UserFactory
from tests.volunteers.test_pipeline import register
from volunteers import reports, selectors, services
from volunteers.models import (
    LikelyDuplicate,
    Nomination,
    StaffNote,
    Stage,
    StageChange,
    VolunteerHours,
    VolunteerProfile,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory


@pytest.fixture
def volunteer():
    coordinator = UserFactory(is_staff=True, full_name="調整 役子")
    person = UserFactory(
        full_name="須磨 浦子", full_name_kana="すま うらこ", email="urako@example.jp"
    )
    profile = register(person, phone="078-111-2222", skills="元看護師です。")
    services.volunteer_stage_move(profile=profile, to_stage=Stage.CONTACTED, by=coordinator)
    services.volunteer_note_add(profile=profile, author=coordinator, body="須磨さんは腰痛あり")
    services.volunteer_hours_record(
        profile=profile,
        date=timezone.localdate(),
        minutes=150,
        activity="見守り訪問",
        by=coordinator,
    )
    services.volunteer_nominate(profile=profile, by=coordinator, reason="人望がある")
    register(UserFactory(full_name="須磨 うら子", full_name_kana="すま うらこ"), phone="")
    enrolment = EnrolmentFactory(user=person, status="completed")
    session = SessionFactory(run=enrolment.run)
    Attendance.objects.create(enrolment=enrolment, session=session, status="present")
    return profile


def test_the_download_holds_everything_kept_about_the_volunteer(client, volunteer):
    client.force_login(volunteer.user)

    data = json.loads(client.get("/profile/my-data/").content)

    held = data["volunteer"]
    assert held["phone"] == "078-111-2222" and held["skills"] == "元看護師です。"
    assert [c["to"] for c in held["stage_history"]] == ["applied", "contacted"]
    assert [n["note"] for n in held["staff_notes"]] == ["須磨さんは腰痛あり"]
    assert held["volunteering_hours"][0]["minutes"] == 150
    assert held["nominations_as_leader"][0]["reason"] == "人望がある"
    assert held["coordinator"] is None
    assert data["account"]["full_name"] == "須磨 浦子"
    assert len(data["enrolments"]) == 1


def test_the_readable_page_shows_the_same_data(client, volunteer):
    client.force_login(volunteer.user)

    page = client.get("/profile/my-data/view/")

    text = page.content.decode()
    assert page.status_code == 200
    assert "078-111-2222" in text and "須磨さんは腰痛あり" in text and "見守り訪問" in text
    assert "<table" in text or "<dl" in text


def test_withdrawal_erases_name_contact_and_notes_but_keeps_counts_and_hours(client, volunteer):
    funnel_before = reports.pipeline_funnel(group_by="municipality").total.counts
    client.force_login(volunteer.user)

    response = client.post("/profile/withdraw/", {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 302
    profile = VolunteerProfile.objects.get(pk=volunteer.pk)
    user = profile.user
    assert (user.full_name, user.full_name_kana) == ("", "")
    assert user.email.endswith("@invalid") and not EmailAddress.objects.filter(user=user).exists()
    assert (profile.phone, profile.phone_key, profile.kana_key) == ("", "", "")
    assert (profile.skills, profile.motivation, profile.heard_from) == ("", "", "")
    assert profile.stage == Stage.WITHDRAWN
    assert not StaffNote.objects.filter(profile=profile).exists()
    assert not Nomination.objects.filter(profile=profile).exists()
    assert not LikelyDuplicate.objects.exists()
    # Counts and hours stay.
    assert VolunteerHours.objects.get(profile=profile).minutes == 150
    assert [c.to_stage for c in profile.stage_changes.all()] == [
        "applied",
        "contacted",
        "withdrawn",
    ]
    assert reports.pipeline_funnel(group_by="municipality").total.counts == funnel_before
    assert Enrolment.objects.filter(user=user, status="completed").count() == 1
    assert Attendance.objects.filter(enrolment__user=user).count() == 1
    # Nothing that named the person is left anywhere in the database.
    for needle in ("須磨 浦子", "urako@example.jp", "078-111-2222", "腰痛", "元看護師"):
        assert not _database_contains(needle), needle


def _database_contains(needle: str) -> bool:
    """Search every text column of every table for ``needle``."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            for column in connection.introspection.get_table_description(cursor, table):
                kind = str(column.type_code).lower()
                if not any(word in kind for word in ("char", "text", "25", "1043")):
                    continue
                cursor.execute(
                    # Names come from the database's own catalogue, quoted by the backend.
                    f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)} "  # noqa: S608
                    f"WHERE CAST({connection.ops.quote_name(column.name)} AS TEXT) LIKE %s",
                    [f"%{needle}%"],
                )
                if cursor.fetchone()[0]:
                    return True
    return False


def test_abandoned_sign_ups_are_purged_and_others_kept(settings):
    settings.VOLUNTEER_ABANDONED_MONTHS = 6
    old = timezone.now() - dt.timedelta(days=200)
    abandoned = register(UserFactory(email="gone@example.jp", verified=False, last_login=None))
    confirmed = register(UserFactory(email="kept@example.jp", last_login=None))
    register(UserFactory(email="new@example.jp", verified=False, last_login=None))
    VolunteerProfile.objects.filter(pk__in=[abandoned.pk, confirmed.pk]).update(
        created_at=old, stage_changed_at=old
    )
    OutboundEmail.objects.create(
        recipient="gone@example.jp", template="t", subject="s", body_text="b"
    )

    from volunteers.tasks import purge_abandoned

    assert purge_abandoned() == 1
    assert purge_abandoned() == 0  # idempotent

    abandoned.refresh_from_db()
    assert abandoned.user.withdrawn_at and abandoned.stage == Stage.WITHDRAWN
    assert not User.objects.filter(email="gone@example.jp").exists()
    assert not OutboundEmail.objects.filter(recipient="gone@example.jp").exists()
    assert {p.user.email for p in VolunteerProfile.objects.exclude(stage="withdrawn")} == {
        "kept@example.jp",
        "new@example.jp",
    }
    assert StageChange.objects.filter(profile=abandoned, to_stage="withdrawn").count() == 1
    assert selectors.waiting_for_contact(days=7).filter(pk=abandoned.pk).count() == 0
