"""Demo training for local use: a catalogue with joint-training courses, a volunteer
orientation and a leader programme, runs in the coming months, one of them full with a
waiting list.  Enrolments go through the services, so they obey the same rules as real ones.
Idempotent: every step looks up before it creates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone
from wagtail.models import Page
from wagtail.rich_text import RichText

from courses import services
from courses.models import (
    Attendance,
    CourseFormat,
    CourseIndexPage,
    CourseKind,
    CoursePage,
    CourseRun,
    Enrolment,
    ProgramModule,
    ProgramPage,
    RunSeatPool,
    Session,
    SessionModality,
    SessionStatus,
    Venue,
)
from lms.models import Field, Municipality, OrganisationGroup, Profession, User

TOKYO = ZoneInfo("Asia/Tokyo")

COURSES = [
    # slug, title, kind, format, summary, field slugs, profession slugs, hours, capacity
    (
        "joint-training-basic",
        "支援者向け多職種合同研修（基礎編）",
        CourseKind.JOINT_TRAINING,
        CourseFormat.IN_PERSON,
        "福祉・医療・教育・行政の支援者が、孤独・孤立の事例をもとに分野を超えて学び合う基礎研修です。",
        ["welfare-general", "inclusive-community"],
        [],
        6,
        30,
    ),
    (
        "bosai-leader",
        "地域防災リーダー養成講座",
        CourseKind.LEADER_MODULE,
        CourseFormat.HYBRID,
        "避難所運営や要配慮者の支援を通じて、防災をきっかけにした地域のつながりづくりを学びます。",
        ["disaster-prevention", "volunteering"],
        [],
        12,
        3,
    ),
    (
        "volunteer-orientation",
        "はじめてのボランティア・オリエンテーション",
        CourseKind.ORIENTATION,
        CourseFormat.ONLINE,
        "ボランティア活動を始めたい方のための入門講座です。活動の探し方や保険について説明します。",
        ["volunteering"],
        [],
        2,
        100,
    ),
    (
        "hikikomori-support",
        "ひきこもり支援の連携を考える事例検討会",
        CourseKind.EXCHANGE,
        CourseFormat.IN_PERSON,
        "相談支援専門員や保健師、社協職員が事例を持ち寄り、支援の連携を検討します。",
        ["hikikomori"],
        ["support-consultant", "public-health-nurse", "social-welfare-council-staff"],
        3,
        20,
    ),
]


def _publish(page: Page) -> Page:
    page.save_revision().publish()
    return page


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TOKYO)


def load_demo_courses(*, home: Page) -> CourseIndexPage:
    catalogue = CourseIndexPage.objects.child_of(home).filter(slug="courses").first()
    if catalogue is None:
        catalogue = CourseIndexPage(
            title="研修をさがす",
            slug="courses",
            show_in_menus=True,
            intro="支援者向け多職種合同研修や、次世代リーダー育成のための講座を探せます。",
        )
        home.add_child(instance=catalogue)
        _publish(catalogue)

    venue, _ = Venue.objects.get_or_create(
        name="兵庫県民会館",
        defaults={
            "address": "神戸市中央区下山手通4-16-3",
            "municipality": Municipality.objects.get(code="281107"),
            "access_notes": "JR・阪神「元町」駅から北へ徒歩約7分",
            "accessibility_notes": "エレベーター、多目的トイレあり。車いすでご来場の方はお知らせください。",
        },
    )
    today = timezone.localdate()
    courses = {}
    for index, (slug, title, kind, fmt, summary, fields, professions, hours, capacity) in enumerate(
        COURSES
    ):
        course = CoursePage.objects.child_of(catalogue).filter(slug=slug).first()
        if course is None:
            course = CoursePage(
                title=title,
                slug=slug,
                kind=kind,
                format=fmt,
                summary=summary,
                total_hours=hours,
                body=[("paragraph", RichText(f"<p>{summary}</p>"))],
                certificate_wording=f"あなたは「{title}」の全課程を修了したことを証します。",
            )
            catalogue.add_child(instance=course)
            course.fields.set(Field.objects.filter(slug__in=fields))
            course.target_professions.set(Profession.objects.filter(slug__in=professions))
            _publish(course)
        courses[slug] = course
        if not course.runs.exists():
            first_day = today + dt.timedelta(days=21 + 14 * index)
            run = CourseRun(
                course=course,
                title="2026年度 第1期",
                starts_on=first_day,
                ends_on=first_day + dt.timedelta(days=7),
                capacity=capacity,
                enrolment_opens_at=timezone.now() - dt.timedelta(days=7),
                enrolment_closes_at=_at(first_day - dt.timedelta(days=3), 17),
                cancellation_deadline=_at(first_day - dt.timedelta(days=3), 17),
                requires_approval=(kind == CourseKind.EXCHANGE),
            )
            online = fmt in (CourseFormat.ONLINE, CourseFormat.HYBRID)
            in_person = fmt in (CourseFormat.IN_PERSON, CourseFormat.HYBRID)
            modality = {
                CourseFormat.ONLINE: SessionModality.ONLINE,
                CourseFormat.HYBRID: SessionModality.HYBRID,
            }.get(fmt, SessionModality.IN_PERSON)
            run.sessions = [
                Session(
                    title=f"第{number}回",
                    starts_at=_at(day, 13, 30),
                    ends_at=_at(day, 16, 30),
                    modality=modality,
                    venue=venue if in_person else None,
                    online_url="https://meet.example.jp/hyogo-demo" if online else "",
                )
                for number, day in enumerate([first_day, first_day + dt.timedelta(days=7)], start=1)
            ]
            run.save()
            _record_sessions_as_announced(run)

    program = ProgramPage.objects.child_of(catalogue).filter(slug="next-leaders").first()
    if program is None:
        program = ProgramPage(
            title="地域づくり次世代リーダー育成プログラム",
            slug="next-leaders",
            summary="半年間の講座、メンターとの対話、地域での実践を通して、つながりづくりの担い手を育てます。",
            mentoring="経験豊かな地域活動者がメンターとして月1回の面談で伴走します。",
            practice_project="自分の地域で小さな「居場所」づくりを企画・実践し、最終回で発表します。",
        )
        program.modules = [
            ProgramModule(course=courses["bosai-leader"]),
            ProgramModule(course=courses["joint-training-basic"]),
        ]
        catalogue.add_child(instance=program)
        _publish(program)

    _demo_enrolments(courses)
    _demo_attendance(catalogue, venue)
    return catalogue


# Seats kept per profession group in the basic joint training (the other 10 are open).
DEMO_SEAT_POOLS = [
    ("医療・保健職", 6, ["nurse", "public-health-nurse", "physician"]),
    (
        "福祉職",
        8,
        ["social-worker", "psychiatric-social-worker", "care-manager", "support-consultant"],
    ),
    ("行政・社協職員", 6, ["government-staff", "social-welfare-council-staff"]),
]

# Participants of the basic joint training, for breakout groups:
# (氏名, ふりがな, profession slug, organisation, organisation group slug, municipality code)
DEMO_JOINT_PARTICIPANTS = [
    (
        "山本 彩",
        "やまもと あや",
        "nurse",
        "神戸市立医療センター中央市民病院",
        "other-related",
        "281107",
    ),
    (
        "中村 健一",
        "なかむら けんいち",
        "social-worker",
        "神戸市社会福祉協議会",
        "private-support",
        "281000",
    ),
    (
        "小林 美咲",
        "こばやし みさき",
        "public-health-nurse",
        "姫路市保健所",
        "local-government",
        "282014",
    ),
    ("加藤 翔", "かとう しょう", "government-staff", "兵庫県庁", "local-government", "281107"),
    (
        "吉田 真由美",
        "よしだ まゆみ",
        "care-manager",
        "尼崎ケアプランセンター",
        "private-companies",
        "282022",
    ),
    (
        "山田 大輔",
        "やまだ だいすけ",
        "npo-staff",
        "NPO法人ひょうご居場所ネット",
        "community",
        "282049",
    ),
    (
        "佐々木 陽子",
        "ささき ようこ",
        "social-welfare-council-staff",
        "西宮市社会福祉協議会",
        "private-support",
        "282049",
    ),
    (
        "松本 直樹",
        "まつもと なおき",
        "teacher",
        "明石市立大久保中学校",
        "local-government",
        "282031",
    ),
    (
        "井上 恵",
        "いのうえ めぐみ",
        "support-consultant",
        "加古川相談支援センター",
        "private-support",
        "282103",
    ),
    (
        "木村 拓也",
        "きむら たくや",
        "welfare-commissioner",
        "芦屋市民生委員児童委員協議会",
        "community",
        "282065",
    ),
    (
        "林 さくら",
        "はやし さくら",
        "social-worker",
        "神戸市社会福祉協議会",
        "private-support",
        "281000",
    ),
    ("清水 浩二", "しみず こうじ", "business", "元町商店街振興組合", "private-companies", "281107"),
    (
        "山崎 由紀",
        "やまざき ゆき",
        "psychiatric-social-worker",
        "伊丹こころのクリニック",
        "other-related",
        "282073",
    ),
    ("森 優斗", "もり ゆうと", "government-staff", "豊岡市役所", "local-government", "282090"),
    ("池田 千尋", "いけだ ちひろ", "nurse", "赤穂市民病院", "other-related", "282120"),
    ("橋本 学", "はしもと まなぶ", "volunteer-resident", "", "community", "282014"),
    ("髙橋 﨑子", "たかはし さきこ", "care-worker", "相生ケアホーム", "private-support", "282081"),
    ("石川 涼", "いしかわ りょう", "student", "兵庫県立大学", "other-related", "282014"),
]


def _demo_enrolments(courses: dict[str, CoursePage]) -> None:
    """Fill the small leader course so the demo shows a full run with a waiting list, and
    give the basic joint training reserved seats, a mixed room and breakout groups."""
    run = courses["bosai-leader"].runs.first()
    if run is not None and not Enrolment.objects.filter(run=run).exists():
        for number in range(1, 6):
            person, _ = User.objects.get_or_create(
                email=f"participant{number}@demo.hyogo.example",
                defaults={
                    "full_name": f"受講 者{number}",
                    "full_name_kana": f"じゅこう しゃ{number}",
                },
            )
            services.enrolment_create(run=run, user=person)

    joint = courses["joint-training-basic"].runs.first()
    if joint is None or Enrolment.objects.filter(run=joint).exists():
        return
    if not joint.seat_pools.exists():
        joint.seat_pools = [
            RunSeatPool(name=name, seats=seats, sort_order=order)
            for order, (name, seats, _slugs) in enumerate(DEMO_SEAT_POOLS)
        ]
        joint.save()
        for pool, (_name, _seats, slugs) in zip(
            joint.seat_pools.order_by("sort_order"), DEMO_SEAT_POOLS, strict=True
        ):
            pool.professions.set(Profession.objects.filter(slug__in=slugs))
            pool.save()
    for number, (name, kana, profession, organisation, group, code) in enumerate(
        DEMO_JOINT_PARTICIPANTS, start=1
    ):
        person, _ = User.objects.get_or_create(
            email=f"joint{number}@demo.hyogo.example",
            defaults={
                "full_name": name,
                "full_name_kana": kana,
                "profession": Profession.objects.get(slug=profession),
                "organisation_name": organisation,
                "organisation_group": OrganisationGroup.objects.get(slug=group),
                "municipality": Municipality.objects.get(code=code),
            },
        )
        services.enrolment_create(run=joint, user=person)
    services.breakout_groups_generate(run=joint, group_size=6)


# --- Attendance and completion (issue #4) ---------------------------------------------------------

PAST_RUN_TITLE = "2026年度 春期（終了）"
CURRENT_RUN_TITLE = "2026年度 秋期（開講中）"
MEETING_URL = "https://meet.example.jp/hyogo-demo"
# Per joint participant in the finished spring run: how each of its 4 sessions went, as
# (status, evidence).  Q = QR check-in, O = online join + code, S = staff, A = apology.
_P, _L, _E, _X, _N = "present", "late", "left_early", "excused", "absent"
PAST_MARKS = {
    1: [(_P, "qr"), (_P, "qr"), (_P, "qr"), (_P, "qr")],
    2: [(_P, "online_code"), (_L, "qr"), (_P, "online_code"), (_P, "staff")],
    3: [(_P, "staff"), (_P, "staff"), (_E, "staff"), (_P, "qr")],
    4: [(_P, "qr"), (_X, "apology"), (_P, "qr"), (_N, "staff")],  # completion not possible
    5: [(_P, "qr"), (_P, "online_code"), (_P, "qr"), (_L, "qr")],
}


ATTENDANCE_COURSE_SLUG = "connecting-support-practice"
ATTENDANCE_COURSE_TITLE = "つながりを支える相談支援 実践研修"
MAKE_UP_RUN_TITLE = "2027年度 第1期"


def _demo_attendance(catalogue: CourseIndexPage, venue: Venue) -> None:
    """A course with a finished run, attendance taken by every method (people completed, one
    who could not complete), a run under way with a session that started a few minutes ago
    (the roster, the QR screen and online check-in; the demo supporter attends) and a later
    run to catch up in."""
    if CoursePage.objects.filter(slug=ATTENDANCE_COURSE_SLUG).exists():
        return
    summary = "相談支援の現場で出会う孤独・孤立の事例をもとに、多職種で支援の連携を実践的に学ぶ全3回の研修です。"
    course = CoursePage(
        title=ATTENDANCE_COURSE_TITLE,
        slug=ATTENDANCE_COURSE_SLUG,
        kind=CourseKind.JOINT_TRAINING,
        format=CourseFormat.HYBRID,
        summary=summary,
        total_hours=6,
        body=[("paragraph", RichText(f"<p>{summary}</p>"))],
        min_attendance_percent=80,
        certificate_wording=f"あなたは「{ATTENDANCE_COURSE_TITLE}」の全課程を修了したことを証します。",
    )
    catalogue.add_child(instance=course)
    course.fields.set(Field.objects.filter(slug__in=["inclusive-community", "hikikomori"]))
    _publish(course)
    now = timezone.now()
    today = timezone.localdate()
    people = {
        number: User.objects.get(email=f"joint{number}@demo.hyogo.example")
        for number in range(1, 13)
    }

    past = _demo_run(
        course,
        PAST_RUN_TITLE,
        [_at(today - dt.timedelta(days=70 - 7 * week), 13, 30) for week in range(4)],
        venue,
    )
    supporter = User.objects.get(email="supporter@demo.hyogo.example")
    for number, marks in [*PAST_MARKS.items(), (0, PAST_MARKS[1])]:
        person = supporter if number == 0 else people[number]  # the demo supporter completed
        enrolment = services.enrolment_create(run=past, user=person, by_staff=True)
        for session, (status, evidence) in zip(
            past.sessions.order_by("starts_at"), marks, strict=True
        ):
            _demo_mark(enrolment, session, status, evidence)
    services.completion_evaluate(enrolments=list(past.enrolments.all()), now=now)

    # Under way: last week's session (marked), one that started 15 minutes ago, next week's.
    started = now - dt.timedelta(minutes=15)
    current = _demo_run(
        course,
        CURRENT_RUN_TITLE,
        [
            started - dt.timedelta(days=7),
            started,
            started + dt.timedelta(days=7),
            started + dt.timedelta(days=14),
        ],
        venue,
    )
    attendees = [supporter] + [people[number] for number in range(6, 13)]
    first = current.sessions.order_by("starts_at").first()
    for person in attendees:
        enrolment = services.enrolment_create(run=current, user=person, by_staff=True)
        absent = person == people[9]  # missed a session of three: 80% is out of reach
        _demo_mark(enrolment, first, _N if absent else _P, "staff" if absent else "qr")
    # Calendars: next week's session moved by an hour (revision 1), the last one cancelled.
    next_week, last = list(current.sessions.order_by("starts_at"))[2:4]
    next_week.starts_at += dt.timedelta(hours=1)
    next_week.ends_at += dt.timedelta(hours=1)
    next_week.save()
    last.status = SessionStatus.CANCELLED
    last.save()
    services.session_changes_announce(run=current)
    services.completion_evaluate(enrolments=list(current.enrolments.all()), now=now)
    later = _at(today + dt.timedelta(days=120), 13, 30)
    _demo_run(
        course,
        MAKE_UP_RUN_TITLE,
        [later + dt.timedelta(days=7 * week) for week in range(3)],
        venue,
        enrolment_opens_at=now - dt.timedelta(days=1),
    )


def _demo_run(
    course: CoursePage,
    title: str,
    starts: list[dt.datetime],
    venue: Venue,
    *,
    enrolment_opens_at: dt.datetime | None = None,
) -> CourseRun:
    run = CourseRun(
        course=course,
        title=title,
        starts_on=timezone.localdate(starts[0]),
        ends_on=timezone.localdate(starts[-1]),
        capacity=20,
        enrolment_opens_at=enrolment_opens_at or starts[0] - dt.timedelta(days=30),
        enrolment_closes_at=starts[0] - dt.timedelta(days=1),
    )
    run.sessions = [
        Session(
            title=f"第{number}回 事例で学ぶ多職種連携",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            modality=SessionModality.HYBRID,
            venue=venue,
            online_url=MEETING_URL,
            is_mandatory=number == 1,
        )
        for number, start in enumerate(starts, start=1)
    ]
    run.save()
    _record_sessions_as_announced(run)
    return run


def _record_sessions_as_announced(run: CourseRun) -> None:
    """What staff's first save of a run in the admin does: record its sessions as they are
    (nobody is told; participants get them with their seat), so that a later change of one is
    announced.  Runs never recorded keep their changes silent."""
    services.session_changes_announce(run=run)


def _demo_mark(enrolment: Enrolment, session: Session, status: str, evidence: str) -> None:
    """Write a demo record as the method would have (arrival times, apology reason)."""
    modality = SessionModality.ONLINE if evidence == "online_code" else SessionModality.IN_PERSON
    late = dt.timedelta(minutes=25 if status == _L else -5)
    Attendance.objects.create(
        enrolment=enrolment,
        session=session,
        status=status,
        evidence=evidence,
        modality="" if evidence == "apology" else modality,
        arrived_at=session.starts_at + late if evidence in ("qr", "online_code") else None,
        code_entered_at=session.starts_at + dt.timedelta(minutes=40)
        if evidence == "online_code"
        else None,
        minutes_present=70 if status == _E else None,
        note="業務の都合のため" if evidence == "apology" else "",
    )
