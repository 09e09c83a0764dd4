"""The staff roster (issue #4): one-tap marks, live counts, search by name or ふりがな,
walk-ins, "mark the rest absent", permissions and a bounded number of queries."""

import datetime as dt

import pytest
from django.utils import timezone

from courses import selectors
from courses.models import Attendance, AttendanceStatus, Enrolment, EnrolmentStatus
from lms import roles
from lms.models import Profession
from tests.factories import EnrolmentFactory, SessionFactory, UserFactory
from tests.html import without_csrf_tokens

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]


def test_only_coordinators_open_the_roster(client, session, role_user):
    url = f"/sessions/{session.pk}/roster/"
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(EnrolmentFactory(run=session.run).user)
    assert client.get(url).status_code == 403
    assert client.post(f"{url}mark/").status_code == 403
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))
    assert client.get(url).status_code == 200


def test_one_tap_marks_and_the_counts_follow(staff_client, session):
    people = [EnrolmentFactory(run=session.run) for _ in range(3)]
    url = f"/sessions/{session.pk}/roster/"

    response = staff_client.post(f"{url}mark/", {"enrolment": people[0].pk, "status": "present"})
    assert response.status_code == 302 and response["Location"].endswith(f"#person-{people[0].pk}")
    live = staff_client.post(
        f"{url}mark/",
        {"enrolment": people[1].pk, "status": "late"},
        HTTP_ACCEPT="application/json",
    ).json()

    assert live["counts"] | {} == {
        "arrived": 2,
        "not_yet": 1,
        "excused": 0,
        "absent": 0,
        "joined": 0,
        "total": 3,
    }
    assert live["people"][str(people[1].pk)]["label"] == "遅刻"
    page = staff_client.get(url).content.decode()
    assert 'aria-pressed="true"' in page


def test_a_bad_mark_is_refused_without_changes(staff_client, session):
    person = EnrolmentFactory(run=session.run)
    response = staff_client.post(
        f"/sessions/{session.pk}/roster/mark/",
        {"enrolment": person.pk, "status": "joined"},  # not a staff choice
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert not Attendance.objects.exists()


def test_search_finds_people_by_kana_in_hiragana_or_katakana(staff_client, session):
    EnrolmentFactory(
        run=session.run, user=UserFactory(full_name="山田 太郎", full_name_kana="やまだ たろう")
    )
    EnrolmentFactory(
        run=session.run, user=UserFactory(full_name="佐藤 花子", full_name_kana="さとう はなこ")
    )

    for query in ("ヤマダ", "やまだ", "山田", "ﾔﾏﾀﾞ"):
        page = staff_client.get(f"/sessions/{session.pk}/roster/", {"q": query}).content.decode()
        assert "山田 太郎" in page and "佐藤 花子" not in page, query


def test_mark_the_rest_absent_keeps_marks_made(staff_client, session):
    marked, *rest = [EnrolmentFactory(run=session.run) for _ in range(3)]
    staff_client.post(
        f"/sessions/{session.pk}/roster/mark/", {"enrolment": marked.pk, "status": "present"}
    )

    response = staff_client.post(f"/sessions/{session.pk}/roster/rest-absent/", follow=True)
    assert "チェックを入れて" in response.content.decode()  # not confirmed: nothing changes
    assert Attendance.objects.count() == 1

    staff_client.post(f"/sessions/{session.pk}/roster/rest-absent/", {"confirm": "yes"})

    statuses = dict(Attendance.objects.values_list("enrolment_id", "status"))
    assert statuses == {
        marked.pk: AttendanceStatus.PRESENT,
        rest[0].pk: AttendanceStatus.ABSENT,
        rest[1].pk: AttendanceStatus.ABSENT,
    }


def test_a_walk_in_is_enrolled_then_marked(staff_client, session):
    walk_in = UserFactory(email="tanaka@example.jp")

    response = staff_client.post(
        f"/sessions/{session.pk}/roster/walk-in/", {"email": "TANAKA@example.jp"}, follow=True
    )

    enrolment = Enrolment.objects.get(user=walk_in)
    assert enrolment.status == EnrolmentStatus.ENROLLED
    assert Attendance.objects.get(enrolment=enrolment).status == AttendanceStatus.PRESENT
    assert "追加し" in response.content.decode()


def test_a_walk_in_to_a_full_run_changes_nothing(staff_client, session):
    session.run.capacity = 1
    session.run.save()
    EnrolmentFactory(run=session.run)
    walk_in = UserFactory()

    response = staff_client.post(
        f"/sessions/{session.pk}/roster/walk-in/", {"email": walk_in.email}, follow=True
    )

    assert "定員に達している" in response.content.decode()
    assert not Enrolment.objects.filter(user=walk_in).exists()
    assert not Attendance.objects.exists()


def test_an_unknown_walk_in_email_is_explained(staff_client, session):
    response = staff_client.post(
        f"/sessions/{session.pk}/roster/walk-in/", {"email": "nobody@example.jp"}, follow=True
    )
    assert "登録している人はいません" in response.content.decode()


def test_the_roster_of_300_people_runs_a_bounded_number_of_queries(
    staff_client, session, django_assert_max_num_queries
):
    def fill(count):
        users = UserFactory.create_batch(count)
        Enrolment.objects.bulk_create(
            Enrolment(run=session.run, user=u, status=EnrolmentStatus.ENROLLED) for u in users
        )
        Attendance.objects.bulk_create(
            Attendance(enrolment=e, session=session, status="present", evidence="staff")
            for e in Enrolment.objects.filter(run=session.run, attendances__isnull=True)[
                : count // 2
            ]
        )

    session.run.capacity = 400
    session.run.save()
    fill(10)
    staff_client.get(f"/sessions/{session.pk}/roster/")  # warm caches (site, translations)
    with django_assert_max_num_queries(15) as small:
        staff_client.get(f"/sessions/{session.pk}/roster/")
    fill(290)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = staff_client.get(f"/sessions/{session.pk}/roster/")
    assert response.content.decode().count('class="roster-person"') == 300
    assert len(large.captured_queries) == len(small.captured_queries)


def _row(page: str, enrolment) -> str:
    """The HTML of one person's row on the roster page."""
    start = page.index(f'<li class="roster-person" id="person-{enrolment.pk}"')
    return page[start : page.index("</li>", start)]


def test_each_row_shows_the_person_the_mark_and_how_it_is_known(staff_client, session):
    nurse = Profession.objects.get(slug="nurse")  # a seeded taxonomy term
    marked = EnrolmentFactory(
        run=session.run,
        user=UserFactory(
            full_name="山田 太郎",
            full_name_kana="やまだ たろう",
            profession=nurse,
            organisation_name="西宮市社協",
        ),
    )
    nameless = EnrolmentFactory(
        run=session.run, user=UserFactory(full_name="", email="nameless@example.jp")
    )
    arrived_at = session.starts_at + dt.timedelta(minutes=12)
    Attendance.objects.create(
        enrolment=marked,
        session=session,
        status=AttendanceStatus.LATE,
        evidence="qr",
        arrived_at=arrived_at,
        note="電車の遅れ",
    )
    arrived = timezone.localtime(arrived_at).strftime("%H:%M")

    for url in (f"/sessions/{session.pk}/roster/", f"/admin/courses/sessions/{session.pk}/roster/"):
        page = staff_client.get(url, {"q": "やまだ"}).content.decode()
        row = _row(page, marked)
        assert '<p class="roster-name" lang="ja">山田 太郎</p>' in row
        assert f'<p class="kana" lang="ja">やまだ たろう ・ {nurse.name} ・ 西宮市社協</p>' in row
        assert (
            '<strong data-role="label">遅刻</strong> <span class="meta" data-role="detail">'
            f"QRコードで受付 ・ {arrived} ・ 電車の遅れ</span>"
        ) in row
        assert '<legend class="visually-hidden">山田 太郎 さんの出欠</legend>' in row
        # The list is one form: a mark comes back to the same roster with the same search.
        form = page[: page.index(row)].rsplit("<form ", 1)[1]
        assert f'action="/sessions/{session.pk}/roster/mark/"' in form
        assert f'name="next" value="{url}?q=%E3%82%84%E3%81%BE%E3%81%A0"' in form
        assert f'name="mark" value="{marked.pk}:late" aria-pressed="true"' in row
        assert row.count('aria-pressed="false"') == 4
        assert f'id="person-{nameless.pk}"' not in page  # the search leaves them out

    row = _row(staff_client.get(f"/sessions/{session.pk}/roster/").content.decode(), nameless)
    assert '<p class="roster-name" lang="ja">nameless@example.jp</p>' in row
    assert (
        '<strong data-role="label">未到着</strong> <span class="meta" data-role="detail"></span>'
    ) in row
    assert row.count('aria-pressed="false"') == 5 and 'aria-pressed="true"' not in row
    assert '<legend class="visually-hidden">nameless@example.jp さんの出欠</legend>' in row

    live = staff_client.get(f"/sessions/{session.pk}/roster/live/").json()["people"]
    assert live[str(marked.pk)] == {
        "status": "late",
        "label": "遅刻",
        "detail": f"QRコードで受付 ・ {arrived} ・ 電車の遅れ",
    }
    assert live[str(nameless.pk)] == {"status": "", "label": "未到着", "detail": ""}


def test_the_roster_in_the_admin_marks_and_comes_back_to_the_admin(staff_client, session):
    person = EnrolmentFactory(run=session.run)
    admin_url = f"/admin/courses/sessions/{session.pk}/roster/"

    page = staff_client.get(admin_url).content.decode()
    assert person.user.full_name in page
    assert f'name="next" value="{admin_url}"' in page
    response = staff_client.post(
        f"/sessions/{session.pk}/roster/mark/",
        {"enrolment": person.pk, "status": "present", "next": admin_url},
    )

    assert response["Location"] == f"{admin_url}#person-{person.pk}"
    assert Attendance.objects.get().status == AttendanceStatus.PRESENT


def test_a_foreign_next_is_ignored(staff_client, session):
    person = EnrolmentFactory(run=session.run)
    response = staff_client.post(
        f"/sessions/{session.pk}/roster/mark/",
        {"enrolment": person.pk, "status": "present", "next": "https://evil.example/"},
    )
    assert response["Location"].startswith(f"/sessions/{session.pk}/roster/")


def test_sessions_today_lists_the_session_with_arrivals(staff_client, session):
    first, _second = EnrolmentFactory(run=session.run), EnrolmentFactory(run=session.run)
    staff_client.post(
        f"/sessions/{session.pk}/roster/mark/", {"enrolment": first.pk, "status": "present"}
    )

    page = staff_client.get("/admin/courses/today/").content.decode()

    assert session.title in page
    assert "1 / 2" in page
    assert f"/admin/courses/sessions/{session.pk}/roster/" in page


@pytest.mark.parametrize("value", ["abc", "", "-1", "１２"])
def test_a_mangled_enrolment_id_is_a_404_not_a_500(staff_client, session, value):
    response = staff_client.post(
        f"/sessions/{session.pk}/roster/mark/", {"enrolment": value, "status": "present"}
    )
    assert response.status_code == 404


def test_someone_from_another_run_cannot_be_marked_on_this_roster(staff_client, session):
    stranger = EnrolmentFactory()
    response = staff_client.post(
        f"/sessions/{session.pk}/roster/mark/", {"enrolment": stranger.pk, "status": "present"}
    )
    assert response.status_code == 404
    assert not Attendance.objects.exists()


def test_a_walk_in_on_the_waiting_list_gets_a_message_for_staff(staff_client, session):
    waiting = EnrolmentFactory(run=session.run, status=EnrolmentStatus.WAITLISTED)

    response = staff_client.post(
        f"/sessions/{session.pk}/roster/walk-in/", {"email": waiting.user.email}, follow=True
    )

    assert "参加者の一覧" in response.content.decode()
    assert not Attendance.objects.exists()


def test_attendance_menu_items_are_shown_only_to_people_who_may_open_them(
    client, role_user, session
):
    client.force_login(role_user(roles.CONTENT_EDITORS, is_staff=True))
    editor_admin = client.get("/admin/").content.decode()
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))
    coordinator_admin = client.get("/admin/").content.decode()

    for path in ["/admin/courses/today/", "/admin/courses/requests/"]:
        assert path not in editor_admin
        assert path in coordinator_admin


# --- Rows written once (courses.selectors.roster_rows_html, lms.pagecache.written_once) -------


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_kept_roster_is_the_roster_written_afresh(staff_client, session, marked_roster, prefix):
    from django.core.cache import caches

    url = f"{prefix}/sessions/{session.pk}/roster/"
    first = without_csrf_tokens(staff_client.get(url).content.decode())
    kept = without_csrf_tokens(staff_client.get(url).content.decode())
    caches["fragments"].clear()
    afresh = without_csrf_tokens(staff_client.get(url).content.decode())

    assert kept == first == afresh
    assert first.count('class="roster-person"') == 3
    if prefix:
        assert "Excused" in first and "Nurse" in first and "事前連絡" not in first
    else:
        assert "事前連絡による欠席" in first and "看護師" in first


def test_japanese_and_english_rows_are_kept_apart(staff_client, session, marked_roster):
    japanese = staff_client.get(f"/sessions/{session.pk}/roster/").content.decode()
    english = staff_client.get(f"/en/sessions/{session.pk}/roster/").content.decode()
    assert ">Late</button>" in english and ">遅刻</button>" not in english
    assert ">遅刻</button>" in japanese and ">Late</button>" not in japanese


def test_each_change_shows_on_the_next_roster(staff_client, session, marked_roster):
    """What a row shows changes with a mark, a check-in, a note corrected, a renamed person or
    profession, and a place given up: each shows at once."""
    url = f"/sessions/{session.pk}/roster/"
    first, second, third = marked_roster
    staff_client.get(url)

    staff_client.post(f"{url}mark/", {"mark": f"{third.pk}:present"})
    Attendance.objects.filter(enrolment=first).update(note="バスの遅れ")
    second.user.full_name = "髙橋 新名"
    second.user.save()
    Profession.objects.filter(slug="nurse").update(name="看護職")
    page = staff_client.get(url).content.decode()

    assert f'name="mark" value="{third.pk}:present" aria-pressed="true"' in page
    assert "バスの遅れ" in page and "電車の遅れ" not in page
    assert "髙橋 新名 さんの出欠" in page
    assert page.count("・ 看護職") == 3
    first.status = EnrolmentStatus.CANCELLED
    first.save()
    page = staff_client.get(url).content.decode()
    assert f'id="person-{first.pk}"' not in page and page.count('class="roster-person"') == 2


def test_a_mark_writes_its_row_again_and_no_other(staff_client, session, marked_roster):
    from courses.selectors import attendance

    url = f"/sessions/{session.pk}/roster/"
    staff_client.get(url)
    written = []
    real = attendance.roster_rows

    def counting(people):
        written.extend(person.enrolment_id for person in people)
        return real(people)

    attendance.roster_rows = counting
    try:
        staff_client.get(url)
        assert written == []  # nothing changed: the list is read whole
        staff_client.post(f"{url}mark/", {"mark": f"{marked_roster[2].pk}:absent"})
        page = staff_client.get(url).content.decode()
    finally:
        attendance.roster_rows = real
    assert written == [marked_roster[2].pk]
    assert f'name="mark" value="{marked_roster[2].pk}:absent" aria-pressed="true"' in page


def test_one_form_for_the_list_and_each_button_names_the_person(staff_client, session):
    people = [EnrolmentFactory(run=session.run) for _ in range(2)]
    page = staff_client.get(f"/sessions/{session.pk}/roster/").content.decode()
    assert page.count('name="csrfmiddlewaretoken"') == 3  # the list, the walk-in, the closing
    for person in people:
        for status in ("present", "late", "left_early", "excused", "absent"):
            assert f'name="mark" value="{person.pk}:{status}" aria-pressed="false"' in page

    response = staff_client.post(
        f"/sessions/{session.pk}/roster/mark/",
        {"mark": f"{people[1].pk}:left_early"},
        HTTP_ACCEPT="application/json",
    )
    assert response.json()["people"][str(people[1].pk)]["status"] == "left_early"
    assert Attendance.objects.get().enrolment_id == people[1].pk


@pytest.mark.parametrize(
    "mark, status_code",
    [
        ("abc", 404),
        ("", 404),
        (":present", 404),
        ("１:present", 404),
        ("{pk}:", 302),
        ("{pk}:joined", 302),
        ("{pk}", 302),
        ("{pk}:present:late", 302),
    ],
)
def test_a_mangled_mark_changes_nothing(staff_client, session, mark, status_code):
    person = EnrolmentFactory(run=session.run)
    response = staff_client.post(
        f"/sessions/{session.pk}/roster/mark/", {"mark": mark.format(pk=person.pk)}
    )
    assert response.status_code == status_code
    assert not Attendance.objects.exists()
    if status_code == 302:
        messages = staff_client.get(response["Location"]).content.decode()
        assert "出欠の選択肢から選んでください" in messages


def test_arrival_times_follow_the_viewers_time_zone(session, marked_roster):
    """The admin shows each staff member's own time zone: a line kept for Tokyo is not shown
    to someone reading in UTC."""
    from courses.selectors import roster_for_session, roster_rows_html

    people = roster_for_session(session=session)["people"]
    arrived = session.starts_at + dt.timedelta(minutes=7)
    tokyo = roster_rows_html(people)
    with timezone.override(dt.UTC):
        utc = roster_rows_html(people)
    assert f"QRコードで受付 ・ {timezone.localtime(arrived):%H:%M}" in tokyo
    assert f"QRコードで受付 ・ {arrived.astimezone(dt.UTC):%H:%M}" in utc


def test_a_mark_from_the_admin_roster_comes_back_to_it(staff_client, session):
    person = EnrolmentFactory(run=session.run)
    admin_url = f"/admin/courses/sessions/{session.pk}/roster/"
    response = staff_client.post(
        f"/sessions/{session.pk}/roster/mark/", {"mark": f"{person.pk}:late", "next": admin_url}
    )
    assert response["Location"] == f"{admin_url}#person-{person.pk}"
    page = staff_client.get(admin_url).content.decode()
    assert f'name="mark" value="{person.pk}:late" aria-pressed="true"' in page


def test_the_check_in_screen_counts_arrivals_without_reading_the_roster(
    staff_client, session, django_assert_num_queries
):
    """The projector asks for the next code and the count every time the code turns: one
    aggregate query counts the arrivals (present, late, left early) among the people with a
    seat (completed places too); other sessions' records, the excused, the absent, those who
    joined online without the code, and the cancelled do not count as arrived."""
    arrived = [EnrolmentFactory(run=session.run) for _ in range(3)]
    excused, not_yet = EnrolmentFactory(run=session.run), EnrolmentFactory(run=session.run)
    cancelled = EnrolmentFactory(run=session.run, status=EnrolmentStatus.CANCELLED)
    for enrolment, status in zip(arrived, ["present", "late", "left_early"], strict=True):
        Attendance.objects.create(enrolment=enrolment, session=session, status=status)
    Attendance.objects.create(enrolment=excused, session=session, status="excused")
    Attendance.objects.create(enrolment=cancelled, session=session, status="present")
    for status in ("absent", "joined"):  # seated, not arrived
        Attendance.objects.create(
            enrolment=EnrolmentFactory(run=session.run), session=session, status=status
        )
    completed = EnrolmentFactory(run=session.run, status=EnrolmentStatus.COMPLETED)
    Attendance.objects.create(enrolment=completed, session=session, status="present")
    other_session = SessionFactory(run=session.run)
    Attendance.objects.create(enrolment=not_yet, session=other_session, status="present")
    url = f"/sessions/{session.pk}/check-in-screen/code/"
    staff_client.get(url)  # warm the signed-in person's caches

    with django_assert_num_queries(4):  # session, signed-in person (2), the count
        counts = staff_client.get(url).json()

    assert (counts["arrived"], counts["total"]) == (4, 8)
    roster = staff_client.get(f"/sessions/{session.pk}/roster/live/").json()["counts"]
    assert (roster["arrived"], roster["total"]) == (4, 8)
    with django_assert_num_queries(1):
        assert selectors.arrivals_for_session(session=session) == {"arrived": 4, "total": 8}
