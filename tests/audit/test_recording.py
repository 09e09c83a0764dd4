"""Each staff action on personal data leaves one audit event saying who, what and when, by
driving the real views and services; refused or rolled-back actions leave none; and no event
holds the person's name, ふりがな, email or phone (issue #10, item 7)."""

import ast
import csv
import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from certificates import services as certificate_services
from certificates.models import Certificate, CertificateStatus
from courses.models import CourseRun, EnrolmentStatus
from lms import roles
from lms.models import User
from lms.services import AccountError, user_anonymise, user_withdraw
from tests.audit.conftest import PASSWORD, assert_no_personal_data, personal_values
from tests.factories import CourseRunFactory, EnrolmentFactory, UserFactory
from volunteers import services as volunteer_services
from volunteers.models import LikelyDuplicate, Stage, VolunteerProfile

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]

PROJECT = Path(__file__).resolve().parents[2]


def recorded(action) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def assert_event(event, *, actor, subject, before, after, address="127.0.0.1"):
    """Who (account and recorded label), what (the subject by model and id), when."""
    assert event.actor == actor
    if actor is None:
        assert event.actor_label == ""
    else:
        assert actor.email in event.actor_label and f"#{actor.pk}" in event.actor_label
    if subject is None:
        assert (event.subject_type, event.subject_id, event.subject_label) == (None, "", "")
    else:
        assert event.subject_type == ContentType.objects.get_for_model(subject)
        assert event.subject_id == str(subject.pk)
        assert event.subject_label == f"{type(subject).__name__} #{subject.pk}"
    assert before <= event.created_at <= after
    assert event.client_address == address


# --- Viewing contact details ---------------------------------------------------------------


def test_a_coordinator_opening_a_volunteer_with_contact_details_is_recorded(
    client, coordinator, volunteer
):
    profile = volunteer()
    values = personal_values(profile.user, "079-221-2111")
    client.force_login(coordinator)

    before = timezone.now()
    page = client.get(f"/admin/volunteers/{profile.pk}/").content.decode()
    after = timezone.now()

    assert "suma@example.jp" in page and "079-221-2111" in page  # the details were shown
    (event,) = recorded(AuditAction.VIEW_CONTACT)
    assert_event(event, actor=coordinator, subject=profile, before=before, after=after)
    assert event.detail == {"screen": "volunteer"}
    assert AuditEvent.objects.count() == 1
    assert_no_personal_data(values)


def test_the_duplicates_page_records_each_person_whose_contact_details_it_shows(
    client, coordinator, volunteer
):
    first = volunteer("播磨 太郎", "はりま たろう", "a@example.jp")
    second = volunteer("播磨 太郎", "はりま たろう", "b@example.jp", phone="")
    assert LikelyDuplicate.objects.count() == 1
    client.force_login(coordinator)

    before = timezone.now()
    page = client.get("/admin/volunteers/duplicates/").content.decode()
    after = timezone.now()

    assert "a@example.jp" in page and "b@example.jp" in page
    events = recorded(AuditAction.VIEW_CONTACT)
    assert sorted(int(e.subject_id) for e in events) == sorted([first.pk, second.pk])
    for event in events:
        profile = first if event.subject_id == str(first.pk) else second
        assert_event(event, actor=coordinator, subject=profile, before=before, after=after)
        assert event.detail == {"screen": "duplicates"}
    assert_no_personal_data(
        personal_values(first.user, "079-221-2111") + personal_values(second.user)
    )


def test_no_contact_event_when_the_details_are_not_shown_or_the_page_is_refused(
    client, role_user, volunteer
):
    profile = volunteer()
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_volunteerprofile"),
    )
    client.force_login(viewer)
    page = client.get(f"/admin/volunteers/{profile.pk}/")
    assert page.status_code == 200 and "suma@example.jp" not in page.content.decode()
    assert client.get("/admin/volunteers/duplicates/").status_code == 200

    client.force_login(role_user(roles.CONTENT_EDITORS, is_staff=True))
    assert client.get(f"/admin/volunteers/{profile.pk}/").status_code == 302
    client.logout()
    assert client.get(f"/admin/volunteers/{profile.pk}/").status_code == 302

    assert not AuditEvent.objects.exists()


# --- Stage changes -------------------------------------------------------------------------


def test_a_stage_change_by_staff_is_recorded_with_from_and_to(client, coordinator, volunteer):
    profile = volunteer()
    values = personal_values(profile.user, "079-221-2111")
    client.force_login(coordinator)

    before = timezone.now()
    client.post(
        f"/admin/volunteers/{profile.pk}/stage/",
        {"to_stage": "contacted", "note": "須磨 花さんに電話 079-221-2111"},
    )
    after = timezone.now()

    assert VolunteerProfile.objects.get().stage == Stage.CONTACTED
    (event,) = recorded(AuditAction.CHANGE_STAGE)
    # Services have no request: the address is known only for what views record.
    assert_event(
        event, actor=coordinator, subject=profile, before=before, after=after, address=None
    )
    assert event.detail == {"from": "applied", "to": "contacted"}
    assert_no_personal_data(values)  # the free-text note stays in the history only


def test_a_bulk_move_records_one_event_per_person_moved(client, coordinator, volunteer):
    people = [
        volunteer(f"山田 {n}郎", f"やまだ {n}ろう", f"p{n}@example.jp", phone=f"079-000-000{n}")
        for n in range(3)
    ]
    volunteer_services.volunteer_stage_move(
        profile=people[0], to_stage=Stage.ORIENTATION, by=None
    )  # the platform's own move: not a staff action
    assert not AuditEvent.objects.exists()
    client.force_login(coordinator)

    client.post(
        "/admin/volunteers/bulk/",
        {"action": "move", "profiles": [p.pk for p in people], "to_stage": "orientation"},
    )

    events = recorded(AuditAction.CHANGE_STAGE)
    # people[0] was at orientation already: nothing changed for them, nothing recorded.
    assert sorted(int(e.subject_id) for e in events) == sorted([people[1].pk, people[2].pk])
    assert {(e.actor, e.detail["from"], e.detail["to"]) for e in events} == {
        (coordinator, "applied", "orientation")
    }


def test_refused_stage_moves_record_nothing(client, coordinator, role_user, volunteer):
    profile = volunteer()
    client.force_login(coordinator)
    client.post(f"/admin/volunteers/{profile.pk}/stage/", {"to_stage": "famous"})
    client.post(f"/admin/volunteers/{profile.pk}/stage/", {"to_stage": "applied"})  # no change
    client.force_login(role_user(roles.CONTENT_EDITORS, is_staff=True))
    client.post(f"/admin/volunteers/{profile.pk}/stage/", {"to_stage": "active"})

    assert VolunteerProfile.objects.get().stage == Stage.APPLIED
    assert not AuditEvent.objects.exists()


def test_a_stage_move_rolled_back_leaves_no_audit_event(coordinator, volunteer):
    profile = volunteer()

    with pytest.raises(RuntimeError), transaction.atomic():
        volunteer_services.volunteer_stage_move(
            profile=profile, to_stage=Stage.CONTACTED, by=coordinator
        )
        assert AuditEvent.objects.count() == 1  # written inside the same transaction
        raise RuntimeError("a later step failed")

    assert VolunteerProfile.objects.get().stage == Stage.APPLIED
    assert not AuditEvent.objects.exists()


# --- Merging duplicates --------------------------------------------------------------------


def test_a_merge_is_recorded_with_both_registrations_ids(client, coordinator, volunteer):
    earlier = volunteer("播磨 太郎", "はりま たろう", "harima@example.jp", phone="")
    later = volunteer("播磨 太郎", "ハリマ タロウ", "taro2@example.jp", skills="")
    values = personal_values(earlier.user) + personal_values(later.user, "079-221-2111")
    flag = LikelyDuplicate.objects.get()
    client.force_login(coordinator)

    before = timezone.now()
    client.post(
        f"/admin/volunteers/duplicates/{flag.pk}/", {"decision": "merge", "keep": earlier.pk}
    )
    after = timezone.now()

    assert not VolunteerProfile.objects.filter(pk=later.pk).exists()
    (event,) = recorded(AuditAction.MERGE)
    assert_event(
        event, actor=coordinator, subject=earlier, before=before, after=after, address=None
    )
    assert event.detail == {
        "kept_profile": earlier.pk,
        "merged_profile": later.pk,
        "kept_account": earlier.user_id,
        "merged_account": later.user_id,
    }
    assert_no_personal_data(values)


def test_a_refused_or_failed_merge_leaves_no_audit_event(
    client, coordinator, volunteer, monkeypatch
):
    earlier = volunteer("播磨 太郎", "はりま たろう", "harima@example.jp", phone="")
    later = volunteer("播磨 太郎", "ハリマ タロウ", "taro2@example.jp")
    flag = LikelyDuplicate.objects.get()
    client.force_login(coordinator)
    client.post(f"/admin/volunteers/duplicates/{flag.pk}/", {"decision": "merge", "keep": "x"})
    with pytest.raises(volunteer_services.VolunteerError):
        volunteer_services.volunteers_merge(keep=earlier, duplicate=earlier, by=coordinator)

    def fail(*args, **kwargs):
        raise RuntimeError("database went away while closing the old account")

    monkeypatch.setattr(User, "save", fail)  # the merge's last step
    with pytest.raises(RuntimeError):
        volunteer_services.volunteers_merge(keep=earlier, duplicate=later, by=coordinator)

    assert VolunteerProfile.objects.filter(pk=later.pk).exists()  # rolled back whole
    assert not AuditEvent.objects.exists()


# --- Anonymisation -------------------------------------------------------------------------


def test_withdrawing_records_the_anonymisation_and_the_log_keeps_only_ids(
    client, coordinator, volunteer
):
    profile = volunteer()
    person = profile.user
    values = personal_values(person, "079-221-2111")
    client.force_login(coordinator)
    client.get(f"/admin/volunteers/{profile.pk}/")  # staff looked at them before
    client.force_login(person)

    before = timezone.now()
    response = client.post("/profile/withdraw/", {"password": PASSWORD, "confirm": "on"})
    after = timezone.now()

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.withdrawn_at is not None
    (event,) = recorded(AuditAction.ANONYMISE)
    assert_event(event, actor=None, subject=person, before=before, after=after, address=None)
    assert event.detail == {"reason": "own_request"}
    # Events where the person is the subject name them by id only, before and after.
    (viewed,) = recorded(AuditAction.VIEW_CONTACT)
    assert viewed.subject_label == f"VolunteerProfile #{profile.pk}"
    assert_no_personal_data(values)


def test_anonymising_by_staff_and_by_the_purge_of_unfinished_applications_is_recorded(
    admin_user, volunteer
):
    left = volunteer("離脱 太郎", "りだつ たろう", "left@example.jp")
    user_anonymise(user=left.user, by=admin_user)
    abandoned = volunteer_services.volunteer_sign_up(
        email="never@example.jp",
        password=PASSWORD,
        full_name="未確認 花子",
        full_name_kana="みかくにん はなこ",
        language="ja",
        data={"municipality": left.municipality, "age_band": "30s", "phone": "078-111-2222"},
    )
    values = personal_values(abandoned.user, "078-111-2222")
    long_ago = timezone.now() - timezone.timedelta(days=400)
    VolunteerProfile.objects.filter(pk=abandoned.pk).update(
        created_at=long_ago, stage_changed_at=long_ago
    )

    assert volunteer_services.volunteers_purge_abandoned(months=6) == 1

    staff_event, purge_event = recorded(AuditAction.ANONYMISE)
    assert (staff_event.actor, staff_event.subject_id) == (admin_user, str(left.user_id))
    assert staff_event.detail == {"reason": "staff"}
    assert (purge_event.actor, purge_event.subject_id) == (None, str(abandoned.user_id))
    assert purge_event.detail == {"reason": "abandoned_application"}
    assert_no_personal_data(values)


def test_a_refused_withdrawal_records_nothing(client, admin_user, volunteer):
    person = volunteer().user
    client.force_login(person)
    client.post("/profile/withdraw/", {"password": "wrong", "confirm": "on"})
    with pytest.raises(AccountError):
        user_withdraw(user=admin_user)  # administrators cannot remove themselves

    person.refresh_from_db()
    assert person.withdrawn_at is None
    assert not AuditEvent.objects.exists()


# --- Certificates --------------------------------------------------------------------------


def issued(**user_fields) -> Certificate:
    enrolment = EnrolmentFactory(user=UserFactory(**user_fields), status=EnrolmentStatus.COMPLETED)
    return certificate_services.certificate_issue(enrolment=enrolment)


def test_revoking_a_certificate_is_recorded_without_the_reason_text(client, coordinator):
    certificate = issued(full_name="山田 太郎", email="yamada@example.jp")
    values = personal_values(certificate.enrolment.user)
    client.force_login(coordinator)
    url = f"/admin/certificates/{certificate.pk}/revoke/"
    reason = "山田 太郎さん本人の申し出 yamada@example.jp"

    client.post(url, {"reason": reason})  # not confirmed: refused
    assert not AuditEvent.objects.exists()
    before = timezone.now()
    client.post(url, {"reason": reason, "confirm": "yes"})
    after = timezone.now()
    client.post(url, {"reason": reason, "confirm": "yes"})  # already revoked: refused

    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    (event,) = recorded(AuditAction.REVOKE_CERTIFICATE)
    assert_event(
        event, actor=coordinator, subject=certificate, before=before, after=after, address=None
    )
    assert event.detail == {}
    assert AuditEvent.objects.count() == 1
    assert_no_personal_data(values)


def test_a_revocation_rolled_back_leaves_no_audit_event(coordinator):
    certificate = issued()

    with pytest.raises(RuntimeError), transaction.atomic():
        certificate_services.certificate_revoke(
            certificate=certificate, by=coordinator, reason="記録の誤り"
        )
        raise RuntimeError("a later step failed")

    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID
    assert not AuditEvent.objects.exists()


def test_reissuing_is_recorded_with_the_new_certificate(client, coordinator):
    old = issued(full_name="佐藤 花子")
    client.force_login(coordinator)

    client.post(f"/admin/certificates/{old.pk}/reissue/", {"reason": "氏名の誤字の訂正"})

    new = Certificate.objects.exclude(pk=old.pk).get()
    (event,) = recorded(AuditAction.REISSUE_CERTIFICATE)
    assert (event.actor, event.subject_id) == (coordinator, str(old.pk))
    assert event.detail == {"new_certificate": new.pk}


def test_staff_downloading_someone_elses_certificate_is_recorded_but_not_the_holder(
    client, coordinator
):
    certificate = issued(full_name="山田 太郎")
    url = f"/certificates/{certificate.serial}/download/"
    client.force_login(certificate.enrolment.user)
    assert client.get(url).status_code == 200
    assert not AuditEvent.objects.exists()

    client.force_login(coordinator)
    before = timezone.now()
    assert client.get(url).status_code == 200
    after = timezone.now()

    (event,) = recorded(AuditAction.DOWNLOAD_CERTIFICATE)
    assert_event(event, actor=coordinator, subject=certificate, before=before, after=after)
    assert_no_personal_data(personal_values(certificate.enrolment.user))


# --- Exports -------------------------------------------------------------------------------


def test_a_csv_export_is_recorded_with_the_file_and_row_count(client, coordinator, role_user):
    run = CourseRunFactory()
    people = [UserFactory(full_name=f"受講 {n}", email=f"learner{n}@example.jp") for n in range(3)]
    for person in people:
        EnrolmentFactory(run=run, user=person)
    url = f"/admin/courses/runs/{run.pk}/participants/"
    client.force_login(role_user(roles.CONTENT_EDITORS, is_staff=True))
    assert client.get(url, {"format": "csv"}).status_code == 302  # refused: nothing recorded
    assert not AuditEvent.objects.exists()
    client.force_login(coordinator)

    before = timezone.now()
    response = client.get(url, {"format": "csv"})
    after = timezone.now()

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 4  # the header and the three people
    (event,) = recorded(AuditAction.EXPORT)
    assert_event(event, actor=coordinator, subject=None, before=before, after=after)
    assert event.detail == {
        "file": f"participants-run-{run.pk}.csv",
        "rows": len(rows) - 1,
        "path": url,
    }
    assert event.detail["rows"] == 3
    assert_no_personal_data([v for p in people for v in personal_values(p)])


def test_the_certificates_zip_of_a_run_is_recorded_as_an_export(client, coordinator):
    run = CourseRunFactory()
    for _ in range(2):
        certificate_services.certificate_issue(
            enrolment=EnrolmentFactory(run=run, status=EnrolmentStatus.COMPLETED)
        )
    client.force_login(coordinator)

    response = client.get(f"/admin/certificates/runs/{run.pk}/", {"format": "zip"})

    assert response["Content-Type"] == "application/zip"
    (event,) = recorded(AuditAction.EXPORT)
    assert (event.actor, event.subject_type.model_class(), event.subject_id) == (
        coordinator,
        CourseRun,
        str(run.pk),
    )
    assert event.detail["file"] == f"certificates-run-{run.pk}.zip"
    assert event.detail["rows"] == 2


def test_every_csv_download_in_the_project_passes_the_request_so_it_is_audited():
    """csv_response records the export only when it gets the request: a new report that
    forgets it fails here."""
    calls = []
    for path in PROJECT.glob("*/**/*.py"):
        relative = path.relative_to(PROJECT)
        if relative.parts[0] in {".venv", "tests", "node_modules"}:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "csv_response":
                keywords = {k.arg for k in node.keywords}
                calls.append((str(relative), node.lineno, "request" in keywords))
    assert len(calls) >= 7, calls
    assert [c for c in calls if not c[2]] == []
