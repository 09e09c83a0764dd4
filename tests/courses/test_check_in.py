"""Self check-in (issue #4): the projected QR link, the typed fallback code, online join and
attendance code, and apologies in advance.  Every refusal says what to do and saves nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from courses import checkin
from courses.models import (
    Attendance,
    AttendanceEvidence,
    AttendanceStatus,
    OnlinePresenceRule,
    SessionModality,
)
from tests.courses.helpers import typed_code_wrong_for
from tests.factories import CourseRunFactory, EnrolmentFactory, SessionFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]

MEETING = "https://meet.example.jp/hyogo-room"


def session_around_now(*, started_minutes_ago: int = 0, **kwargs):
    run = CourseRunFactory(starts_on=timezone.localdate(), ends_on=timezone.localdate())
    starts_at = timezone.now() - dt.timedelta(minutes=started_minutes_ago)
    return SessionFactory(
        run=run, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=2), **kwargs
    )


def qr_path(session, *, window=None, token=None) -> str:
    window = checkin.window_at(timezone.now()) if window is None else window
    token = token or checkin.qr_token(session.pk, window)
    return f"/check-in/{session.pk}/{window}/{token}/"


@pytest.fixture
def seated(client):
    session = session_around_now()
    enrolment = EnrolmentFactory(run=session.run)
    client.force_login(enrolment.user)
    return session, enrolment


def test_scanning_the_qr_code_checks_a_participant_in(client, seated):
    session, enrolment = seated

    response = client.get(qr_path(session))

    assert response.status_code == 200
    assert "受付しました" in response.content.decode()
    record = Attendance.objects.get()
    assert (record.enrolment, record.status, record.evidence, record.modality) == (
        enrolment,
        AttendanceStatus.PRESENT,
        AttendanceEvidence.QR,
        SessionModality.IN_PERSON,
    )
    assert record.arrived_at is not None


def test_scanning_after_the_grace_period_is_late_and_a_second_scan_changes_nothing(client):
    session = session_around_now(started_minutes_ago=25, late_after_minutes=10)
    enrolment = EnrolmentFactory(run=session.run)
    client.force_login(enrolment.user)

    client.get(qr_path(session))
    client.get(qr_path(session))

    record = Attendance.objects.get()
    assert record.status == AttendanceStatus.LATE
    assert record.changes.count() == 1


@pytest.mark.parametrize("case", ["expired", "foreign", "forged"])
def test_expired_foreign_or_forged_codes_are_refused_and_save_nothing(client, seated, case):
    session, _enrolment = seated
    other = session_around_now()
    now_window = checkin.window_at(timezone.now())
    path = {
        "expired": qr_path(session, window=now_window - 3),
        "foreign": qr_path(session, token=checkin.qr_token(other.pk, now_window)),
        "forged": qr_path(session, token="0" * 20),
    }[case]

    response = client.get(path)

    assert response.status_code == 400
    text = response.content.decode()
    assert ("有効期限" in text) if case == "expired" else ("この回のコードではありません" in text)
    assert not Attendance.objects.exists()


def test_the_previous_code_still_works_within_the_grace_margin(client, seated, settings):
    session, _enrolment = seated
    settings.ATTENDANCE_CODE_GRACE_SECONDS = settings.ATTENDANCE_CODE_ROTATION_SECONDS
    previous = checkin.window_at(timezone.now()) - 1

    assert client.get(qr_path(session, window=previous)).status_code == 200
    assert Attendance.objects.filter(status=AttendanceStatus.PRESENT).count() == 1


def test_a_person_without_a_seat_is_told_to_ask_reception(client):
    session = session_around_now()
    client.force_login(UserFactory())

    response = client.get(qr_path(session))

    assert response.status_code == 400
    assert "受付のスタッフ" in response.content.decode()
    assert not Attendance.objects.exists()


def test_check_in_before_the_window_opens_is_refused(client):
    session = session_around_now(started_minutes_ago=-120)  # starts in two hours
    enrolment = EnrolmentFactory(run=session.run)
    client.force_login(enrolment.user)

    response = client.get(qr_path(session))

    assert response.status_code == 400
    assert "受付は" in response.content.decode()
    assert not Attendance.objects.exists()


def test_scanning_before_signing_in_checks_in_after_sign_in_with_the_scan_time(client):
    session = session_around_now()
    enrolment = EnrolmentFactory(run=session.run)

    response = client.get(qr_path(session))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Attendance.objects.exists()

    client.force_login(enrolment.user)
    response = client.get("/check-in/signed-in/")

    assert response.status_code == 200
    record = Attendance.objects.get()
    assert record.status == AttendanceStatus.PRESENT
    assert abs((record.arrived_at - timezone.now()).total_seconds()) < 60


def test_typing_the_code_checks_in_and_accepts_full_width_digits(client, seated):
    session, _enrolment = seated
    code = checkin.typed_code(session.pk, checkin.window_at(timezone.now()))
    full_width = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))

    response = client.post("/check-in/", {"code": full_width})

    assert response.status_code == 200
    assert Attendance.objects.get().evidence == AttendanceEvidence.QR


def test_wrong_typed_codes_are_refused_and_limited(client, seated, settings):
    session, _enrolment = seated
    right = checkin.typed_code(session.pk, checkin.window_at(timezone.now()))
    wrong = typed_code_wrong_for(session.pk)

    for _ in range(settings.ATTENDANCE_CODE_MAX_TRIES):
        response = client.post("/check-in/", {"code": wrong})
        assert response.status_code == 200
        assert "画面の番号と一致しません" in response.content.decode()

    # Even the right code is refused once the tries are used up.
    assert client.post("/check-in/", {"code": right}).status_code == 429
    assert not Attendance.objects.exists()


@pytest.fixture
def online(client):
    session = session_around_now(modality=SessionModality.ONLINE, venue=None, online_url=MEETING)
    enrolment = EnrolmentFactory(run=session.run)
    client.force_login(enrolment.user)
    return session, enrolment


def test_online_join_goes_through_the_site_and_the_code_confirms_presence(client, online):
    session, _enrolment = online

    response = client.post(f"/sessions/{session.pk}/join/")
    assert (response.status_code, response["Location"]) == (302, MEETING)
    joined = Attendance.objects.get()
    assert (joined.status, joined.modality) == (AttendanceStatus.JOINED, SessionModality.ONLINE)

    client.post(f"/sessions/{session.pk}/code/", {"code": checkin.online_code(session.pk)})

    record = Attendance.objects.get()
    assert record.status == AttendanceStatus.PRESENT
    assert record.arrived_at == joined.arrived_at and record.code_entered_at is not None
    assert record.changes.count() == 2


def test_a_wrong_online_code_is_refused(client, online):
    session, _enrolment = online
    code = checkin.online_code(session.pk)
    wrong = str((int(code) + 1) % 10000).zfill(4)

    response = client.post(f"/sessions/{session.pk}/code/", {"code": wrong})

    assert "出席コードではありません" in response.content.decode()
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(
    ("rule", "join", "code", "expected"),
    [
        (OnlinePresenceRule.JOIN, True, False, AttendanceStatus.PRESENT),
        (OnlinePresenceRule.CODE, False, True, AttendanceStatus.PRESENT),
        (OnlinePresenceRule.JOIN_AND_CODE, False, True, AttendanceStatus.JOINED),
        (OnlinePresenceRule.JOIN_AND_CODE, True, True, AttendanceStatus.PRESENT),
    ],
)
def test_the_minimum_presence_rule_of_each_session(client, online, rule, join, code, expected):
    session, _enrolment = online
    session.online_presence_rule = rule
    session.save()

    if join:
        client.post(f"/sessions/{session.pk}/join/")
    if code:
        client.post(f"/sessions/{session.pk}/code/", {"code": checkin.online_code(session.pk)})

    assert Attendance.objects.get().status == expected


def test_nobody_joins_or_apologises_for_a_session_they_have_no_seat_in(client):
    session = session_around_now(modality=SessionModality.ONLINE, venue=None, online_url=MEETING)
    client.force_login(UserFactory())

    assert client.post(f"/sessions/{session.pk}/join/").status_code == 404
    assert client.post(f"/sessions/{session.pk}/apology/", {"reason": "都合"}).status_code == 404
    assert not Attendance.objects.exists()


def test_an_apology_for_a_future_session_is_excused_with_the_reason(client):
    session = session_around_now(started_minutes_ago=-24 * 60)
    enrolment = EnrolmentFactory(run=session.run)
    client.force_login(enrolment.user)

    response = client.post(f"/sessions/{session.pk}/apology/", {"reason": "業務の都合のため"})

    assert response.status_code == 302
    record = Attendance.objects.get()
    assert (record.status, record.evidence, record.note) == (
        AttendanceStatus.EXCUSED,
        AttendanceEvidence.APOLOGY,
        "業務の都合のため",
    )


def test_an_apology_after_the_start_is_refused(client, seated):
    session, _enrolment = seated

    response = client.post(f"/sessions/{session.pk}/apology/", {"reason": "遅れます"})

    assert "すでに始まっています" in response.content.decode()
    assert not Attendance.objects.exists()


def test_my_learning_offers_join_and_code_only_during_the_window(client, online):
    session, _enrolment = online

    page = client.get("/learning/").content.decode()

    assert f'action="/sessions/{session.pk}/join/"' in page
    assert f'href="/sessions/{session.pk}/code/"' in page
    assert MEETING not in page  # the link itself is only given by the join button


def test_an_apology_is_refused_once_checked_in(client):
    session = session_around_now(started_minutes_ago=-20)  # starts in 20 minutes: check-in open
    enrolment = EnrolmentFactory(run=session.run)
    client.force_login(enrolment.user)
    client.get(qr_path(session))

    response = client.post(f"/sessions/{session.pk}/apology/", {"reason": "急用のため"})

    assert "すでに受付" in response.content.decode()
    assert Attendance.objects.get().status == AttendanceStatus.PRESENT


def test_qr_check_in_is_refused_for_an_online_only_session(client, online):
    session, _enrolment = online
    response = client.get(qr_path(session))
    assert response.status_code == 400
    assert "オンラインで開催" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_scan_after_staff_marked_left_early_keeps_the_mark(client, seated):
    from courses import services

    session, enrolment = seated
    services.attendance_record(enrolment=enrolment, session=session, status="left_early")

    client.get(qr_path(session))

    assert Attendance.objects.get().status == AttendanceStatus.LEFT_EARLY


def test_online_codes_cannot_be_tried_outside_the_session_and_do_not_use_up_tries(client):
    session = session_around_now(
        started_minutes_ago=-24 * 60,
        modality=SessionModality.ONLINE,
        venue=None,
        online_url=MEETING,
    )
    enrolment = EnrolmentFactory(run=session.run)
    client.force_login(enrolment.user)
    right = checkin.online_code(session.pk)

    for _ in range(8):
        response = client.post(f"/sessions/{session.pk}/code/", {"code": right})
        text = response.content.decode()
        # The same answer for the right code as for any other: check-in is not open yet.
        assert "受付は" in text and "出席コードではありません" not in text
    assert not Attendance.objects.exists()
    assert len(right) == 6
