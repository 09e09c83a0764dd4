"""Browser journeys for attendance (issue #4), on a phone, in Japanese.

Staff take the roster of the demo session that started a few minutes ago; participants check
in by opening the projected QR link or typing the number under it; an online participant
joins through the site and enters the facilitator's code; an expired or foreign QR code is
refused.  The database is checked after each step.
"""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.journey_helpers import enrolment_card, open_my_learning, path_is, sign_in

FACTORY_PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory
SUPPORTER = ("supporter@demo.hyogo.example", "demo-supporter-2026")  # 兵庫 花子
COORDINATOR = ("coordinator@demo.hyogo.example", "demo-coordinator-2026")
MEETING_STUB = "<!DOCTYPE html><html lang='ja'><title>会議</title><main><h1>オンライン会議室</h1></main></html>"


@pytest.fixture
def today_session(demo):
    """The demo session under way now, in the run the demo supporter attends."""
    from courses.demo import ATTENDANCE_COURSE_SLUG, CURRENT_RUN_TITLE
    from courses.models import Session

    now = timezone.now()
    return Session.objects.select_related("run").get(
        run__course__slug=ATTENDANCE_COURSE_SLUG,
        run__title=CURRENT_RUN_TITLE,
        starts_at__lte=now,
        ends_at__gte=now,
    )


def qr_url(live_server, session_id: int, *, window: int | None = None, token=None) -> str:
    from courses import checkin

    window = checkin.window_at(timezone.now()) if window is None else window
    token = token or checkin.qr_token(session_id, window)
    return f"{live_server.url}/check-in/{session_id}/{window}/{token}/"


def participant(session, full_name: str, kana: str):
    """A new participant with a seat in the session's run (a factory account with a password)."""
    from courses import services
    from tests.factories import UserFactory

    person = UserFactory(full_name=full_name, full_name_kana=kana)
    services.enrolment_create(run=session.run, user=person, by_staff=True)
    return person


def test_staff_mark_the_roster_on_a_phone(page, live_server, today_session, axe):
    from courses.models import Attendance, AttendanceStatus, Enrolment
    from lms.models import User

    session = today_session
    sign_in(page, live_server, *COORDINATOR)
    page.goto(f"{live_server.url}/sessions/{session.pk}/roster/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(session.title)
    counts = page.locator(".roster-counts")
    expect(counts.locator("[data-count=total]")).to_have_text("8")
    expect(counts.locator("[data-count=arrived]")).to_have_text("0")
    axe(page, "roster on a phone")

    # One tap marks 佐々木 陽子 present; the row and the counts follow without a reload.
    sasaki = Enrolment.objects.get(run=session.run, user__full_name="佐々木 陽子")
    row = page.locator(f"#person-{sasaki.pk}")
    row.locator("button[value$=':present']").tap()
    expect(row.locator("button[value$=':present']")).to_have_attribute("aria-pressed", "true")
    expect(row.locator("[data-role=label]")).to_have_text("出席")
    expect(counts.locator("[data-count=arrived]")).to_have_text("1")
    assert Attendance.objects.get(enrolment=sasaki, session=session).status == "present"

    # Search by ふりがな typed in katakana finds 松本 直樹 only.
    page.get_by_label("氏名・ふりがなで検索").fill("マツモト")
    page.locator("form.roster-search button[type=submit]").tap()
    people = page.locator(".roster-person")
    expect(people).to_have_count(1)
    expect(people.first).to_contain_text("松本 直樹")
    people.first.locator("button[value$=':late']").tap()
    expect(people.first.locator("[data-role=label]")).to_have_text("遅刻")

    # A walk-in with an account is added and marked on the spot (late: the session started
    # a quarter of an hour ago).
    page.goto(f"{live_server.url}/sessions/{session.pk}/roster/")
    walk_in = User.objects.get(email="joint13@demo.hyogo.example")
    page.get_by_label("登録済みの人のメールアドレス").fill(walk_in.email)
    page.get_by_role("button", name="追加して出席にする").tap()
    expect(page.locator(".messages")).to_contain_text(walk_in.full_name)
    assert Attendance.objects.get(session=session, enrolment__user=walk_in).status == "late"

    # Close the roster (after ticking the confirmation): the rest are absent, marks made stay.
    page.get_by_label("出席した人はすべて記録済み").check()
    page.get_by_role("button", name="残りを欠席にする").tap()
    expect(page.locator(".messages")).to_contain_text("6人を欠席にしました")
    expect(counts.locator("[data-count=arrived]")).to_have_text("3")
    expect(counts.locator("[data-count=absent]")).to_have_text("6")
    statuses = Attendance.objects.filter(session=session).values_list("status", flat=True)
    assert sorted(statuses).count(AttendanceStatus.ABSENT) == 6
    axe(page, "roster after closing")


def test_a_check_in_arrives_on_the_roster_while_staff_watch(page, live_server, today_session):
    """The roster asks every ten seconds what changed (static/js/roster.js): while nothing
    did, the answer is a bodiless 304; a participant checking in shows on the next one."""
    from courses import services
    from courses.models import Enrolment

    session = today_session
    page.clock.install()
    sign_in(page, live_server, *COORDINATOR)
    page.goto(f"{live_server.url}/sessions/{session.pk}/roster/")
    counts = page.locator(".roster-counts")
    expect(counts.locator("[data-count=arrived]")).to_have_text("0")

    def next_refresh():
        with page.expect_response(lambda r: "/roster/live/" in r.url) as answer:
            page.clock.run_for(10_000)
        return answer.value.status, answer.value.request.all_headers().get("if-none-match")

    first, second = next_refresh(), next_refresh()
    assert first == (200, None)
    assert second[0] == 304 and second[1]  # it said which state it has, and nothing changed

    sasaki = Enrolment.objects.get(run=session.run, user__full_name="佐々木 陽子")
    services.attendance_record(enrolment=sasaki, session=session, status="present")
    assert next_refresh()[0] == 200
    row = page.locator(f"#person-{sasaki.pk}")
    expect(row.locator("[data-role=label]")).to_have_text("出席")
    expect(row.locator("button[value$=':present']")).to_have_attribute("aria-pressed", "true")
    expect(counts.locator("[data-count=arrived]")).to_have_text("1")

    # This phone marks her late; another phone marks her present again before the next
    # refresh: the state before the late mark, which this phone must not take for its own.
    row.locator("button[value$=':late']").tap()
    expect(row.locator("[data-role=label]")).to_have_text("遅刻")
    services.attendance_record(enrolment=sasaki, session=session, status="present")
    assert next_refresh()[0] == 200
    expect(row.locator("[data-role=label]")).to_have_text("出席")


def test_a_phone_without_the_submitter_of_a_form_still_marks(page, live_server, today_session):
    """Safari before 15.4 has no ``event.submitter``: the tap that submitted the roster's one
    form still says who and what (static/js/roster.js), without a reload."""
    from courses.models import Attendance, Enrolment

    session = today_session
    page.add_init_script(
        "Object.defineProperty(SubmitEvent.prototype, 'submitter', { get: () => null });"
    )
    sign_in(page, live_server, *COORDINATOR)
    page.goto(f"{live_server.url}/sessions/{session.pk}/roster/")
    assert page.evaluate("() => new SubmitEvent('submit').submitter") is None

    matsumoto = Enrolment.objects.get(run=session.run, user__full_name="松本 直樹")
    row = page.locator(f"#person-{matsumoto.pk}")
    row.locator("button[value$=':late']").tap()
    expect(row.locator("[data-role=label]")).to_have_text("遅刻")
    expect(row.locator("button[value$=':late']")).to_have_attribute("aria-pressed", "true")
    assert page.url.endswith(f"/sessions/{session.pk}/roster/")  # no reload, no error shown
    expect(page.locator(".roster-error")).to_be_hidden()
    assert Attendance.objects.get(enrolment=matsumoto, session=session).status == "late"


def test_participants_check_in_by_qr_link_and_by_typed_number(
    page, new_page, live_server, today_session, axe
):
    from courses import checkin
    from courses.models import Attendance, AttendanceEvidence

    session = today_session

    # The supporter scans the projected code: the phone opens the link and she is checked in,
    # as late (the demo session started a quarter of an hour ago, grace is 10 minutes).
    sign_in(page, live_server, *SUPPORTER)
    page.goto(qr_url(live_server, session.pk))
    expect(page.locator(".check-in-ok")).to_contain_text("受付しました")
    axe(page, "checked in by QR")
    record = Attendance.objects.get(session=session, enrolment__user__email=SUPPORTER[0])
    assert (record.status, record.evidence) == ("late", AttendanceEvidence.QR)

    # Someone whose phone cannot scan types the number shown under the code.
    person = participant(session, "明石 たまき", "あかし たまき")
    other = new_page()
    sign_in(other, live_server, person.email, FACTORY_PASSWORD)
    open_my_learning(other, live_server)
    card = enrolment_card(other, session.run.course.title)
    card.locator("a[href='/check-in/']").tap()
    expect(other).to_have_url(path_is(live_server, "/check-in/"))
    axe(other, "typed check-in code")
    code = checkin.typed_code(session.pk, checkin.window_at(timezone.now()))
    other.get_by_label("コード").fill(code)
    other.locator("main form button[type=submit]").tap()
    expect(other.locator(".check-in-ok")).to_be_visible()
    assert Attendance.objects.get(session=session, enrolment__user=person).status in (
        "present",
        "late",
    )


def test_an_online_participant_joins_and_enters_the_code(page, live_server, today_session, axe):
    from courses import checkin
    from courses.demo import MEETING_URL
    from courses.models import Attendance

    session = today_session
    person = participant(session, "丹波 ゆう", "たんば ゆう")
    page.route(
        f"{MEETING_URL}**",
        lambda route: route.fulfill(status=200, content_type="text/html", body=MEETING_STUB),
    )
    sign_in(page, live_server, person.email, FACTORY_PASSWORD)
    open_my_learning(page, live_server)
    card = enrolment_card(page, session.run.course.title)
    axe(page, "My learning during a session")

    card.locator(f"form[action='/sessions/{session.pk}/join/'] button").tap()
    expect(page).to_have_url(MEETING_URL)
    joined = Attendance.objects.get(session=session, enrolment__user=person)
    assert joined.status == "joined" and joined.arrived_at is not None

    page.goto(f"{live_server.url}/learning/")
    card.locator(f"a[href='/sessions/{session.pk}/code/']").tap()
    page.get_by_label("コード").fill(
        "0000" if checkin.online_code(session.pk) != "0000" else "1111"
    )
    page.locator("main form button[type=submit]").tap()
    expect(page.locator(".errorlist")).to_contain_text("出席コードではありません")
    axe(page, "wrong attendance code")
    page.get_by_label("コード").fill(checkin.online_code(session.pk))
    page.locator("main form button[type=submit]").tap()
    expect(page.locator(".check-in-ok")).to_contain_text("出席を確認しました")
    record = Attendance.objects.get(session=session, enrolment__user=person)
    assert record.status in ("present", "late") and record.code_entered_at is not None


def test_an_expired_or_foreign_qr_code_is_refused(page, live_server, today_session, axe):
    from courses import checkin
    from courses.models import Attendance

    session = today_session
    sign_in(page, live_server, *SUPPORTER)

    expired_window = checkin.window_at(timezone.now() - dt.timedelta(minutes=5))
    page.goto(qr_url(live_server, session.pk, window=expired_window))
    expect(page.locator(".check-in-refused")).to_contain_text("有効期限が切れています")
    axe(page, "expired QR code")

    other_session = session.run.sessions.exclude(pk=session.pk).first()
    window = checkin.window_at(timezone.now())
    page.goto(qr_url(live_server, session.pk, token=checkin.qr_token(other_session.pk, window)))
    expect(page.locator(".check-in-refused")).to_contain_text("この回のコードではありません")

    assert not Attendance.objects.filter(
        session=session, enrolment__user__email=SUPPORTER[0]
    ).exists()
