"""The audit log in the Wagtail admin: administrators only, newest first, 50 to a page,
filters by action, actor and dates, a bounded number of queries, and a CSV for superusers."""

import csv
import datetime as dt
import io
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from audit.services import audit_record
from lms import roles
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]

URL = "/admin/audit-log/"
TOKYO = dt.timezone(dt.timedelta(hours=9))


def add_event(actor, action=AuditAction.EXPORT, when=None, subject=None, **detail):
    """An event as the service writes it, at ``when`` (tests need other days than today)."""
    event = audit_record(actor=actor, action=action, subject=subject, detail=detail)
    if when is not None:
        AuditEvent._base_manager.filter(pk=event.pk).delete()
        event = AuditEvent.objects.create(
            created_at=when,
            actor=event.actor,
            actor_label=event.actor_label,
            action=event.action,
            subject_type=event.subject_type,
            subject_id=event.subject_id,
            subject_label=event.subject_label,
            detail=event.detail,
        )
    return event


def listed(response) -> list[int]:
    assert response.status_code == 200
    return [event.pk for event in response.context["page"]]


def test_administrators_see_staff_actions_newest_first(client, admin_user, coordinator, volunteer):
    profile = volunteer()
    client.force_login(coordinator)
    client.get(f"/admin/volunteers/{profile.pk}/")
    client.post(f"/admin/volunteers/{profile.pk}/stage/", {"to_stage": "contacted"})
    client.force_login(admin_user)

    response = client.get(URL)
    page = response.content.decode()

    viewed, moved = AuditEvent.objects.order_by("pk")
    assert listed(response) == [moved.pk, viewed.pk]
    assert [e.action for e in response.context["page"]] == ["change_stage", "view_contact"]
    assert page.count(f"調整 役子 &lt;coord@example.jp&gt; (#{coordinator.pk})") == 2
    assert f'<a href="/admin/volunteers/{profile.pk}/">VolunteerProfile #{profile.pk}</a>' in page
    assert "127.0.0.1" in page
    assert timezone.localtime(viewed.created_at).strftime("%Y-%m-%d %H:%M") in page
    assert "suma@example.jp" not in page and "須磨 花" not in page  # the subject is an id
    # Looking at the log is not itself a staff action on personal data.
    assert AuditEvent.objects.count() == 2


def test_staff_without_the_permission_are_refused_and_others_sent_to_sign_in(
    client, coordinator, role_user
):
    add_event(coordinator)
    for person in (coordinator, role_user(roles.CONTENT_EDITORS, is_staff=True)):
        client.force_login(person)
        response = client.get(URL)
        # Wagtail turns "permission denied" into a redirect to the dashboard with a message.
        assert (response.status_code, response["Location"]) == (302, "/admin/")
        assert client.get(URL, {"format": "csv"})["Location"] == "/admin/"
    client.force_login(UserFactory())  # a resident: no admin access at all
    assert client.get(URL)["Location"] == f"/accounts/login/?next={URL}"
    client.logout()
    assert client.get(URL)["Location"] == f"/accounts/login/?next={URL}"
    assert AuditEvent.objects.count() == 1  # refused requests record nothing


def test_only_viewing_exists_as_a_permission_and_no_role_group_has_it(db):
    content_type = ContentType.objects.get_for_model(AuditEvent)
    codenames = Permission.objects.filter(content_type=content_type).values_list(
        "codename", flat=True
    )
    assert list(codenames) == ["view_auditevent"]
    assert not Group.objects.filter(permissions__content_type=content_type).exists()
    assert set(roles.ROLE_PERMISSIONS) <= set(Group.objects.values_list("name", flat=True))


def test_someone_given_the_permission_sees_the_log_but_only_superusers_download_it(
    client, admin_user, coordinator
):
    add_event(coordinator, file="participants-run-1.csv", rows=3)
    auditor = UserFactory(is_staff=True, email="auditor@example.jp")
    auditor.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_auditevent"),
    )
    client.force_login(auditor)
    assert len(listed(client.get(URL))) == 1
    assert "format=csv" not in client.get(URL).content.decode()
    assert client.get(URL, {"format": "csv"})["Location"] == "/admin/"
    assert AuditEvent.objects.count() == 1

    client.force_login(admin_user)
    assert "format=csv" in client.get(URL).content.decode()
    response = client.get(URL, {"format": "csv", "action": "export"})

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2
    assert rows[1][1] == f"調整 役子 <coord@example.jp> (#{coordinator.pk})"
    assert rows[1][2:5] == [
        str(AuditAction.EXPORT.label),
        "",
        '{"file": "participants-run-1.csv", "rows": 3}',
    ]
    # Downloading the log is itself an export in the log.
    latest = AuditEvent.objects.order_by("-pk").first()
    assert (latest.actor, latest.action) == (admin_user, AuditAction.EXPORT)
    assert latest.detail["file"].startswith("audit-log-") and latest.detail["rows"] == 1


def test_the_filters_narrow_by_action_actor_and_local_dates(client, admin_user, coordinator):
    other = UserFactory(is_staff=True, full_name="別の 職員")
    late_march = dt.datetime(2026, 3, 31, 23, 30, tzinfo=TOKYO)  # 14:30 UTC the same day
    early_april = dt.datetime(2026, 4, 1, 0, 10, tzinfo=TOKYO)  # still 31 March in UTC
    mid_april = dt.datetime(2026, 4, 15, 12, 0, tzinfo=TOKYO)
    a = add_event(coordinator, AuditAction.EXPORT, late_march)
    b = add_event(coordinator, AuditAction.CHANGE_STAGE, early_april)
    c = add_event(other, AuditAction.EXPORT, mid_april)
    client.force_login(admin_user)

    assert listed(client.get(URL)) == [c.pk, b.pk, a.pk]
    assert listed(client.get(URL, {"action": "export"})) == [c.pk, a.pk]
    assert listed(client.get(URL, {"actor": coordinator.pk})) == [b.pk, a.pk]
    assert listed(client.get(URL, {"date_from": "2026-04-01"})) == [c.pk, b.pk]
    assert listed(client.get(URL, {"date_to": "2026-04-01"})) == [b.pk, a.pk]
    assert listed(client.get(URL, {"date_from": "2026-04-01", "date_to": "2026-04-01"})) == [b.pk]
    assert listed(
        client.get(URL, {"action": "export", "actor": other.pk, "date_to": "2026-04-30"})
    ) == [c.pk]
    # The actor choice offers only people in the log.
    form = client.get(URL).context["form"]
    assert set(form.fields["actor"].queryset) == {coordinator, other}
    # A bad filter is reported and ignored; the others still apply.
    response = client.get(URL, {"date_from": "2026-04-15", "date_to": "2026-04-01"})
    assert listed(response) == [c.pk]
    assert "date_to" in response.context["form"].errors
    assert listed(client.get(URL, {"action": "erase_everything", "actor": coordinator.pk})) == [
        b.pk,
        a.pk,
    ]


def test_fifty_to_a_page_with_the_filters_kept_in_the_page_links(client, admin_user, coordinator):
    events = [add_event(coordinator, AuditAction.EXPORT, rows=n) for n in range(60)]
    add_event(coordinator, AuditAction.MERGE)
    client.force_login(admin_user)

    first = client.get(URL, {"action": "export"})
    second = client.get(URL, {"action": "export", "page": 2})

    newest_first = [e.pk for e in reversed(events)]
    assert listed(first) == newest_first[:50]
    assert listed(second) == newest_first[50:]
    assert re.search(r'href="\?action=export&amp;page=2"', first.content.decode())


def test_the_page_costs_the_same_few_queries_for_3_or_60_events(
    client, admin_user, coordinator, volunteer, django_assert_max_num_queries
):
    people = [UserFactory(is_staff=True) for _ in range(4)]
    profile = volunteer()

    def fill(count):
        for n in range(count):
            actor = people[n % len(people)]
            subject = [profile, profile.user, None][n % 3]
            action = [AuditAction.VIEW_CONTACT, AuditAction.ANONYMISE, AuditAction.EXPORT][n % 3]
            add_event(actor, action, subject=subject, file="x.csv", rows=n)

    client.force_login(admin_user)
    fill(3)
    client.get(URL)  # warm Wagtail's own caches
    with django_assert_max_num_queries(25) as few:
        assert len(listed(client.get(URL))) == 3
    fill(57)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(listed(client.get(URL))) == 50


def test_the_reports_menu_offers_the_log_only_to_those_who_may_see_it(
    client, admin_user, coordinator
):
    client.force_login(admin_user)
    assert URL in client.get("/admin/").content.decode()
    client.force_login(coordinator)
    assert URL not in client.get("/admin/").content.decode()
