"""Coordinators' work on volunteers (issue #7): list and board, bulk actions, staff notes,
paper forms, merging duplicates, training that moves people on, leader candidates; and the
limits: contact details only for coordinators, nothing at all for other roles."""

import datetime as dt

import pytest
from django.utils import timezone

from courses import services as course_services
from courses.models import CourseKind, Enrolment, EnrolmentStatus
from lms import roles
from lms.models import Field, Municipality, OutboundEmail, User
from tests.factories import CourseRunFactory, EnrolmentFactory, SessionFactory, UserFactory
from tests.volunteers.test_pipeline import register
from volunteers import selectors, services
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

HIMEJI, KOBE, KOBE_NADA = "282014", "281000", "281026"


@pytest.fixture
def coordinator(role_user):
    return role_user(roles.COORDINATORS, is_staff=True, full_name="調整 役子")


def person(name, kana, email, **profile):
    return register(UserFactory(full_name=name, full_name_kana=kana, email=email), **profile)


def test_the_list_filters_by_stage_place_field_availability_and_coordinator(client, coordinator):
    fields = list(Field.objects.all()[:2])
    kobe_ward = Municipality.objects.get(code=KOBE_NADA)
    a = person(
        "灘 一郎", "なだ いちろう", "a@example.jp", municipality=kobe_ward, fields=[fields[0]]
    )
    b = person("姫路 二郎", "ひめじ じろう", "b@example.jp", fields=[fields[1]], weekdays=False)
    services.volunteer_stage_move(profile=b, to_stage=Stage.CONTACTED, by=coordinator)
    services.volunteer_coordinator_assign(profile=b, coordinator=coordinator, by=coordinator)
    client.force_login(coordinator)

    def names(query):
        page = client.get(f"/admin/volunteers/?{query}")
        assert page.status_code == 200
        return {row.name for row in page.context["people"]}

    kobe = Municipality.objects.get(code=KOBE)
    assert names("") == {"灘 一郎", "姫路 二郎"}
    assert names("stage=contacted") == {"姫路 二郎"}
    assert names(f"municipality={kobe.pk}") == {"灘 一郎"}  # a city includes its wards
    assert names(f"field={fields[1].slug}") == {"姫路 二郎"}
    assert names("availability=weekdays") == {"灘 一郎"}
    assert names(f"coordinator={coordinator.pk}") == {"姫路 二郎"}
    assert names("q=ナダ") == {"灘 一郎"}  # katakana finds hiragana ふりがな
    assert names("stage=famous") == {"灘 一郎", "姫路 二郎"}  # a bad filter is ignored
    assert a.pk


def test_bulk_move_enrol_and_message(client, coordinator, django_capture_on_commit_callbacks):
    people = [
        person(f"山田 {n}郎", f"やまだ {n}ろう", f"p{n}@example.jp", phone=f"079-000-000{n}")
        for n in range(3)
    ]
    run = CourseRunFactory(course__kind=CourseKind.ORIENTATION, capacity=2)
    client.force_login(coordinator)
    ids = [str(p.pk) for p in people]

    client.post(
        "/admin/volunteers/bulk/",
        {"action": "move", "profiles": ids, "to_stage": "orientation", "note": "説明会の案内"},
    )
    client.post("/admin/volunteers/bulk/", {"action": "enrol", "profiles": ids, "run": run.pk})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/volunteers/bulk/",
            {"action": "message", "profiles": ids[:2], "subject": "ご案内", "body": "本文です"},
        )

    assert set(VolunteerProfile.objects.values_list("stage", flat=True)) == {"orientation"}
    assert StageChange.objects.filter(to_stage="orientation", note="説明会の案内").count() == 3
    statuses = sorted(Enrolment.objects.filter(run=run).values_list("status", flat=True))
    assert statuses == ["enrolled", "enrolled", "waitlisted"]
    messages = OutboundEmail.objects.filter(template="volunteers/email/staff_message")
    assert sorted(messages.values_list("recipient", flat=True)) == [
        "p0@example.jp",
        "p1@example.jp",
    ]


def test_a_bulk_action_without_anyone_ticked_changes_nothing(client, coordinator):
    person("山田 太郎", "やまだ たろう", "p@example.jp")
    client.force_login(coordinator)

    response = client.post(
        "/admin/volunteers/bulk/", {"action": "move", "to_stage": "active"}, follow=True
    )

    assert VolunteerProfile.objects.get().stage == Stage.APPLIED
    assert response.status_code == 200


def test_completing_an_orientation_moves_the_person_to_training_by_itself(
    coordinator, django_capture_on_commit_callbacks
):
    profile = person("新人 花子", "しんじん はなこ", "new@example.jp")
    services.volunteer_stage_move(profile=profile, to_stage=Stage.ORIENTATION, by=coordinator)
    today = timezone.localdate()
    run = CourseRunFactory(
        course__kind=CourseKind.ORIENTATION,
        course__title="ボランティア入門オリエンテーション",
        starts_on=today - dt.timedelta(days=1),
        ends_on=today - dt.timedelta(days=1),
    )
    start = timezone.now() - dt.timedelta(days=1)
    session = SessionFactory(run=run, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    enrolment = EnrolmentFactory(run=run, user=profile.user)

    with django_capture_on_commit_callbacks(execute=True):
        course_services.attendance_record(enrolment=enrolment, session=session, status="present")
        course_services.completion_evaluate_recent_runs()

    profile.refresh_from_db()
    assert profile.stage == Stage.TRAINING
    last = profile.stage_changes.last()
    assert last.changed_by is None
    assert "ボランティア入門オリエンテーション" in last.note
    # Running the task again changes nothing.
    from volunteers.tasks import training_completed

    assert training_completed(enrolment.pk) is None


def test_completing_another_kind_of_course_does_not_move_anyone(coordinator):
    profile = person("新人 花子", "しんじん はなこ", "new@example.jp")
    services.volunteer_stage_move(profile=profile, to_stage=Stage.ORIENTATION, by=coordinator)
    enrolment = EnrolmentFactory(
        user=profile.user, run__course__kind=CourseKind.JOINT_TRAINING, status="completed"
    )

    assert services.volunteer_training_completed(enrolment_id=enrolment.pk) is None
    profile.refresh_from_db()
    assert profile.stage == Stage.ORIENTATION


def test_staff_enter_a_paper_form_without_email_and_see_the_likely_duplicate(client, coordinator):
    earlier = person("播磨 太郎", "はりま たろう", "harima@example.jp")
    client.force_login(coordinator)
    himeji = Municipality.objects.get(code=HIMEJI)

    response = client.post(
        "/admin/volunteers/enter/",
        {
            "full_name": "播磨 太郎",
            "full_name_kana": "ハリマ タロウ",
            "email": "",
            "phone": "",
            "municipality": himeji.pk,
            "age_band": "60s",
            "insurance": "has",
            "consent_on_paper": "on",
        },
    )

    profile = VolunteerProfile.objects.exclude(pk=earlier.pk).get()
    assert response["Location"] == f"/admin/volunteers/{profile.pk}/"
    assert (profile.consent_on_paper, profile.entered_by) == (True, coordinator)
    assert profile.user.email.endswith("@invalid") and not profile.user.has_usable_password()
    flag = LikelyDuplicate.objects.get()
    assert (flag.profile, flag.other, flag.reasons) == (profile, earlier, "kana")
    page = client.get(response["Location"]).content.decode()
    assert "harima@example.jp" not in page or "播磨" in page
    # No email: a message to them is recorded as undeliverable, never sent.
    services.volunteers_message(profiles=[profile], subject="件名", body="本文", by=coordinator)
    message = OutboundEmail.objects.get(recipient=profile.user.email)
    assert message.status == "failed" and message.attempts >= 1


def test_a_paper_form_without_signed_consent_is_refused(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        "/admin/volunteers/enter/",
        {
            "full_name": "播磨 太郎",
            "full_name_kana": "はりま たろう",
            "municipality": Municipality.objects.get(code=HIMEJI).pk,
            "age_band": "60s",
            "insurance": "has",
        },
    )
    assert response.status_code == 200
    assert "consent_on_paper" in response.context["form"].errors
    assert not VolunteerProfile.objects.exists()


def test_merging_duplicates_keeps_every_piece_of_history(client, coordinator):
    earlier = person("播磨 太郎", "はりま たろう", "harima@example.jp", phone="")
    later = person("播磨 太郎", "ハリマ タロウ", "taro2@example.jp", skills="")
    services.volunteer_stage_move(profile=later, to_stage=Stage.CONTACTED, by=coordinator)
    services.volunteer_note_add(profile=later, author=coordinator, body="電話済み")
    services.volunteer_hours_record(
        profile=later, date=timezone.localdate(), minutes=90, activity="子ども食堂", by=coordinator
    )
    enrolment = EnrolmentFactory(user=later.user)
    flag = LikelyDuplicate.objects.get()
    client.force_login(coordinator)

    response = client.post(
        f"/admin/volunteers/duplicates/{flag.pk}/", {"decision": "merge", "keep": earlier.pk}
    )

    assert response["Location"] == f"/admin/volunteers/{earlier.pk}/"
    assert not VolunteerProfile.objects.filter(pk=later.pk).exists()
    earlier.refresh_from_db()
    assert earlier.phone == "079-221-2111"  # filled from the duplicate
    assert earlier.skills  # kept
    assert StageChange.objects.filter(profile=earlier).count() == 3
    assert StaffNote.objects.filter(profile=earlier, body="電話済み").exists()
    assert VolunteerHours.objects.get().profile == earlier
    enrolment.refresh_from_db()
    assert enrolment.user == earlier.user
    # The flag went with the merged registration; the kept one's notes say what happened.
    assert not LikelyDuplicate.objects.exists()
    assert StaffNote.objects.filter(profile=earlier, body__contains="taro2@example.jp").exists()
    assert User.objects.get(pk=later.user.pk).is_active is False


def test_different_people_are_marked_and_leave_the_list(client, coordinator):
    person("播磨 太郎", "はりま たろう", "a@example.jp")
    person("播磨 太郎", "はりま たろう", "b@example.jp", phone="")
    flag = LikelyDuplicate.objects.get()
    client.force_login(coordinator)

    client.post(f"/admin/volunteers/duplicates/{flag.pk}/", {"decision": "different"})

    flag.refresh_from_db()
    assert flag.resolution == "different"
    assert list(client.get("/admin/volunteers/duplicates/").context["flags"]) == []
    assert VolunteerProfile.objects.count() == 2


def test_a_volunteer_page_shows_history_and_notes_to_coordinators(client, coordinator):
    profile = person("須磨 花", "すま はな", "suma@example.jp")
    client.force_login(coordinator)

    client.post(f"/admin/volunteers/{profile.pk}/note/", {"body": "足が不自由なため送迎希望"})
    client.post(f"/admin/volunteers/{profile.pk}/stage/", {"to_stage": "contacted", "note": "電話"})
    client.post(
        f"/admin/volunteers/{profile.pk}/hours/",
        {"date": "2026-11-01", "minutes": "120", "activity": "見守り訪問"},
    )
    page = client.get(f"/admin/volunteers/{profile.pk}/").content.decode()

    assert "足が不自由なため送迎希望" in page
    assert "suma@example.jp" in page and "079-221-2111" in page
    assert "見守り訪問" in page
    assert profile.stage_changes.last().note == "電話"


def test_the_volunteer_never_sees_staff_notes(client, coordinator):
    profile = person("須磨 花", "すま はな", "suma@example.jp")
    services.volunteer_note_add(profile=profile, author=coordinator, body="内部メモ：要配慮")
    client.force_login(profile.user)

    page = client.get("/volunteer/").content.decode()

    assert "内部メモ" not in page
    assert client.get(f"/admin/volunteers/{profile.pk}/").status_code in (302, 403)


def test_other_staff_see_no_volunteer_screens_and_no_contact_details(client, role_user):
    profile = person("須磨 花", "すま はな", "suma@example.jp")
    editor = role_user(roles.CONTENT_EDITORS, is_staff=True)
    client.force_login(editor)

    for url in (
        "/admin/volunteers/",
        "/admin/volunteers/board/",
        f"/admin/volunteers/{profile.pk}/",
        "/admin/volunteers/duplicates/",
        "/admin/volunteers/leaders/",
        "/admin/volunteers/waiting/",
        "/admin/volunteers/enter/",
    ):
        response = client.get(url)
        # Wagtail turns "permission denied" into a redirect to the dashboard with a message.
        assert (response.status_code, response.get("Location")) == (302, "/admin/"), url
        assert "suma@example.jp" not in response.content.decode()
    response = client.post(f"/admin/volunteers/{profile.pk}/stage/", {"to_stage": "active"})
    assert response.status_code == 302
    assert VolunteerProfile.objects.get().stage == Stage.APPLIED


def test_a_viewer_without_the_contact_permission_sees_no_contact_details(client, db):
    from django.contrib.auth.models import Permission

    profile = person("須磨 花", "すま はな", "suma@example.jp")
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_volunteerprofile"),
    )
    client.force_login(viewer)

    page = client.get(f"/admin/volunteers/{profile.pk}/")

    assert page.status_code == 200
    assert "須磨 花" in page.content.decode()
    assert "suma@example.jp" not in page.content.decode()
    assert "079-221-2111" not in page.content.decode()


def test_the_board_costs_the_same_few_queries_for_any_number_of_volunteers(
    client, coordinator, django_assert_max_num_queries
):
    def fill(count, start):
        for n in range(start, start + count):
            person(f"山田 {n}", "やまだ", f"bulk{n}@example.jp", phone="")

    client.force_login(coordinator)
    fill(3, 0)
    client.get("/admin/volunteers/board/")  # warm the admin's own caches
    with django_assert_max_num_queries(20) as small:
        client.get("/admin/volunteers/board/")
    fill(30, 3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/admin/volunteers/board/")
    applied = response.context["columns"][0]
    assert applied["count"] == 33 and len(applied["cards"]) == selectors.BOARD_CARDS_PER_STAGE


def test_the_list_costs_the_same_few_queries_for_any_number_of_volunteers(
    client, coordinator, django_assert_max_num_queries
):
    client.force_login(coordinator)
    for n in range(3):
        person(f"山田 {n}", "やまだ", f"list{n}@example.jp", phone="")
    client.get("/admin/volunteers/")
    selectors.VOLUNTEER_LIST_VERSION.bump()  # the list built afresh, as after any change
    with django_assert_max_num_queries(30) as small:
        client.get("/admin/volunteers/")
    built_for_three = len(small.captured_queries)
    for n in range(3, 40):
        person(f"山田 {n}", "やまだ", f"list{n}@example.jp", phone="")
    client.get("/admin/volunteers/")
    selectors.VOLUNTEER_LIST_VERSION.bump()
    with django_assert_max_num_queries(built_for_three):
        client.get("/admin/volunteers/")


def test_leader_candidates_meet_the_criteria_or_are_nominated(client, coordinator, settings):
    settings.VOLUNTEER_LEADER_MONTHS_ACTIVE = 6
    settings.VOLUNTEER_LEADER_COURSES_COMPLETED = 1
    settings.VOLUNTEER_LEADER_HOURS = 10
    seasoned = person("熟練 一", "じゅくれん はじめ", "s@example.jp")
    newcomer = person("新人 二", "しんじん じ", "n@example.jp", phone="")
    nominated = person("推薦 三", "すいせん さん", "r@example.jp", phone="079-111-1111")
    for profile in (seasoned, newcomer, nominated):
        services.volunteer_stage_move(profile=profile, to_stage=Stage.ACTIVE, by=coordinator)
    StageChange.objects.filter(profile=seasoned, to_stage="active").update(
        changed_at=timezone.now() - dt.timedelta(days=200)
    )
    EnrolmentFactory(user=seasoned.user, status=EnrolmentStatus.COMPLETED)
    services.volunteer_hours_record(
        profile=seasoned,
        date=timezone.localdate(),
        minutes=660,
        activity="サロン運営",
        by=coordinator,
    )
    services.volunteer_hours_record(
        profile=newcomer, date=timezone.localdate(), minutes=900, activity="配食", by=coordinator
    )
    services.volunteer_nominate(
        profile=nominated, by=coordinator, reason="地域の信頼が厚い", organisation="〇〇社協"
    )
    run = CourseRunFactory(
        course__kind=CourseKind.LEADER_MODULE, course__title="次世代リーダー養成講座"
    )
    client.force_login(coordinator)

    page = client.get("/admin/volunteers/leaders/")
    listed = {p.user.full_name for p in page.context["candidates"]}
    client.post(f"/admin/volunteers/leaders/{seasoned.pk}/invite/", {"run": run.pk})

    assert listed == {"熟練 一", "推薦 三"}
    assert "地域の信頼が厚い" in page.content.decode()
    seasoned.refresh_from_db()
    assert seasoned.stage == Stage.LEADER_CANDIDATE
    invite = OutboundEmail.objects.get(recipient="s@example.jp")
    assert "次世代リーダー養成講座" in invite.subject + invite.body_text
    assert Nomination.objects.count() == 1


def test_my_volunteering_costs_the_same_few_queries_however_much_history(
    client, coordinator, django_assert_max_num_queries
):
    profile = person("須磨 花", "すま はな", "suma@example.jp")
    for _ in range(2):
        EnrolmentFactory(user=profile.user, run__course__kind=CourseKind.ORIENTATION)
        CourseRunFactory(course__kind=CourseKind.ORIENTATION)
    client.force_login(profile.user)
    client.get("/volunteer/")
    with django_assert_max_num_queries(40) as few:
        client.get("/volunteer/")
    for _ in range(15):
        EnrolmentFactory(user=profile.user, status="completed")
        services.volunteer_hours_record(
            profile=profile, date=timezone.localdate(), minutes=30, activity="配食", by=coordinator
        )
        CourseRunFactory(course__kind=CourseKind.ORIENTATION)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/volunteer/")
    assert response.context["volunteering_minutes"] == 15 * 30
    assert len(response.context["recommended"]) == selectors.RECOMMENDED_COURSES
