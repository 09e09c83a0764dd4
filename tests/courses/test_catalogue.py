"""The public training catalogue (研修一覧): filters, keyword search, next runs and seats,
bad input, pagination and a query budget that does not grow with the number of courses."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from courses.models import (
    CourseFormat,
    CourseKind,
    CoursePage,
    CourseRun,
    EnrolmentStatus,
    RunStatus,
    Session,
    SessionModality,
    SessionStatus,
)
from courses.selectors import course_list_for_catalogue
from lms.models import Field, Municipality, Profession
from tests.factories import (
    CourseIndexPageFactory,
    CoursePageFactory,
    CourseRunFactory,
    EnrolmentFactory,
    SessionFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

URL = "/courses/"
BOSAI = "地域防災リーダー養成講座"
DEMENTIA = "多職種で考える認知症ケア"
SHOKUDO = "子ども食堂ボランティア入門"
BASICS = "地域福祉の基礎"


def _in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _venue_in(code: str):
    return VenueFactory(municipality=Municipality.objects.get(code=code))


@pytest.fixture
def course_index(home_page):
    return CourseIndexPageFactory(parent=home_page, title="研修・講座", slug="courses")


@pytest.fixture
def courses(course_index):
    """Four live courses (next runs in 10, 20 and 40 days, and one with only a past run),
    plus a draft that visitors never see."""
    bosai = CoursePageFactory(
        parent=course_index,
        title=BOSAI,
        slug="bosai-leader",
        summary="避難所運営と地域の見守りを学ぶ全6回の講座です。",
        kind=CourseKind.LEADER_MODULE,
        format=CourseFormat.IN_PERSON,
        fields=[Field.objects.get(slug="disaster-prevention")],
    )  # open to every profession
    run = CourseRunFactory(course=bosai, title="2026年度 第1期", starts_on=_in_days(10), capacity=5)
    SessionFactory(run=run, venue=_venue_in("281107"))  # 神戸市 中央区
    for _ in range(2):
        EnrolmentFactory(run=run)
    EnrolmentFactory(run=run, status=EnrolmentStatus.CANCELLED)
    EnrolmentFactory(run=run, status=EnrolmentStatus.PENDING)  # not a seat yet
    later = CourseRunFactory(course=bosai, title="2026年度 第2期", starts_on=_in_days(60))
    SessionFactory(run=later, venue=_venue_in("282022"))  # 尼崎市, a later run

    dementia = CoursePageFactory(
        parent=course_index,
        title=DEMENTIA,
        slug="dementia-care",
        summary="ケアマネジャーと看護師が事例をもとに話し合います。",
        kind=CourseKind.JOINT_TRAINING,
        format=CourseFormat.HYBRID,
        fields=[Field.objects.get(slug="long-term-care"), Field.objects.get(slug="health-medical")],
        target_professions=list(Profession.objects.filter(slug__in=["care-manager", "nurse"])),
    )
    run = CourseRunFactory(course=dementia, starts_on=_in_days(20))
    SessionFactory(run=run, venue=_venue_in("282014"))  # 姫路市
    SessionFactory(
        run=run, venue=_venue_in("282022"), status=SessionStatus.CANCELLED
    )  # 尼崎市, but cancelled

    shokudo = CoursePageFactory(
        parent=course_index,
        title=SHOKUDO,
        slug="kodomo-shokudo",
        summary="子ども食堂の運営にかかわりたい方のための入門講座です。",
        kind=CourseKind.ORIENTATION,
        format=CourseFormat.ONLINE,
        fields=[Field.objects.get(slug="child-rearing")],
        target_professions=[Profession.objects.get(slug="childcare-worker")],
    )
    run = CourseRunFactory(course=shokudo, starts_on=_in_days(40), capacity=2)
    SessionFactory(run=run, venue=None, modality=SessionModality.ONLINE)
    EnrolmentFactory(run=run)
    EnrolmentFactory(run=run, status=EnrolmentStatus.OFFERED)
    EnrolmentFactory(run=run, status=EnrolmentStatus.WAITLISTED)

    basics = CoursePageFactory(
        parent=course_index,
        title=BASICS,
        slug="welfare-basics",
        summary="地域福祉の考え方と制度を学びます。",
        kind=CourseKind.GENERAL,
        fields=[Field.objects.get(slug="welfare-general")],
    )
    past = CourseRunFactory(
        course=basics,
        starts_on=_in_days(-30),
        ends_on=_in_days(-29),
        enrolment_opens_at=timezone.now() - dt.timedelta(days=60),
        enrolment_closes_at=timezone.now() - dt.timedelta(days=31),
    )
    SessionFactory(run=past, venue=_venue_in("282014"))  # 姫路市, but over
    CourseRunFactory(course=basics, starts_on=_in_days(5), status=RunStatus.CANCELLED)

    CoursePageFactory(parent=course_index, title="下書きの防災講座", slug="draft", publish=False)
    return {"bosai": bosai, "dementia": dementia, "shokudo": shokudo, "basics": basics}


def _titles(response) -> list[str]:
    assert response.status_code == 200
    return [course.title for course in response.context["courses"]]


def test_catalogue_lists_live_courses_by_next_run(client, courses):
    response = client.get(URL)

    assert _titles(response) == [BOSAI, DEMENTIA, SHOKUDO, BASICS]
    html = response.content.decode()
    assert "4件の研修" in html
    assert f'<a href="/courses/bosai-leader/">{BOSAI}</a>' in html
    assert "下書き" not in html


def test_catalogue_cards_show_the_next_run_seats_and_labels(client, courses):
    html = client.get(URL).content.decode()
    bosai, dementia, shokudo, basics = (
        html.split(f">{title}</a>", 1)[1].split("</li>", 1)[0]
        for title in (BOSAI, DEMENTIA, SHOKUDO, BASICS)
    )

    start, end = _in_days(10), _in_days(25)
    assert f"{start.year}年{start.month}月{start.day}日" in bosai
    assert f'<time datetime="{end:%Y-%m-%d}">{end.year}年{end.month}月{end.day}日</time>' in bosai
    assert "2026年度 第1期" in bosai and "第2期" not in bosai
    assert "残り3席" in bosai  # 5 seats, 2 enrolled; cancelled and pending hold none
    assert f"{CourseKind.LEADER_MODULE.label} ・ {CourseFormat.IN_PERSON.label}" in bosai
    assert '<span class="tag">防災</span>' in bosai
    assert "すべての職種" in bosai
    assert "残り20席" in dementia and str(CourseFormat.HYBRID.label) in dementia
    assert "介護支援専門員（ケアマネジャー）、看護師" in dementia
    assert "満席（キャンセル待ち受付中）" in shokudo  # an offered seat is taken
    assert str(CourseFormat.ONLINE.label) in shokudo
    assert "今後の日程はありません" in basics


def test_catalogue_annotates_the_next_run(courses):
    bosai = course_list_for_catalogue(parent=courses["bosai"].get_parent()).get(slug="bosai-leader")

    assert bosai.next_run_starts_on == _in_days(10)
    assert bosai.next_run_ends_on == _in_days(25)
    assert bosai.next_run_title == "2026年度 第1期"
    assert bosai.next_run_seats_left == 3
    assert bosai.next_run_enrolment == "open"


def test_catalogue_says_when_enrolment_is_closed_or_not_open_yet(client, course_index):
    closed = CoursePageFactory(parent=course_index, title="締切済みの講座")
    CourseRunFactory(
        course=closed,
        enrolment_opens_at=timezone.now() - dt.timedelta(days=10),
        enrolment_closes_at=timezone.now() - dt.timedelta(days=1),
    )
    soon = CoursePageFactory(parent=course_index, title="受付前の講座")
    opens = timezone.now() + dt.timedelta(days=3)
    CourseRunFactory(
        course=soon, enrolment_opens_at=opens, enrolment_closes_at=opens + dt.timedelta(days=7)
    )

    html = client.get(URL).content.decode()

    assert "受付終了" in html
    opens = timezone.localtime(opens)
    assert f"{opens.year}年{opens.month}月{opens.day}日から受付" in html


def test_catalogue_filters_by_field(client, courses):
    assert _titles(client.get(URL, {"field": "disaster-prevention"})) == [BOSAI]
    assert _titles(client.get(URL, {"field": "health-medical"})) == [DEMENTIA]


def test_catalogue_profession_filter_includes_courses_open_to_everyone(client, courses):
    assert _titles(client.get(URL, {"profession": "nurse"})) == [BOSAI, DEMENTIA, BASICS]
    assert _titles(client.get(URL, {"profession": "childcare-worker"})) == [BOSAI, SHOKUDO, BASICS]


def test_catalogue_filters_by_format_and_kind(client, courses):
    assert _titles(client.get(URL, {"format": "online"})) == [SHOKUDO]
    assert _titles(client.get(URL, {"format": "in_person"})) == [BOSAI, BASICS]
    assert _titles(client.get(URL, {"kind": "joint_training"})) == [DEMENTIA]
    assert _titles(client.get(URL, {"kind": "orientation", "format": "online"})) == [SHOKUDO]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("281000", [BOSAI]),  # 神戸市: the venue is in its 中央区
        ("281107", [BOSAI]),  # 神戸市 中央区 itself
        ("281018", []),  # 神戸市 東灘区: another ward
        ("282014", [DEMENTIA]),  # 姫路市: the past run of 地域福祉の基礎 does not count
        ("282022", [BOSAI]),  # 尼崎市: a later run counts, a cancelled session does not
    ],
)
def test_catalogue_filters_by_venue_municipality(client, courses, code, expected):
    municipality = Municipality.objects.get(code=code)

    assert _titles(client.get(URL, {"municipality": municipality.pk})) == expected


def test_catalogue_date_range_applies_to_the_next_run(client, courses):
    def between(date_from=None, date_to=None):
        params = {"date_from": date_from, "date_to": date_to}
        return _titles(client.get(URL, {k: f"{v:%Y-%m-%d}" for k, v in params.items() if v}))

    assert between(_in_days(15)) == [DEMENTIA, SHOKUDO]
    assert between(date_to=_in_days(20)) == [BOSAI, DEMENTIA]
    assert between(_in_days(20), _in_days(20)) == [DEMENTIA]
    assert between(_in_days(50), _in_days(70)) == []  # 防災's second run is not its next


def test_catalogue_has_seats_leaves_out_full_courses_and_those_without_dates(client, courses):
    response = client.get(URL, {"has_seats": "on"})

    assert _titles(response) == [BOSAI, DEMENTIA]
    assert response.context["query_string"] == "has_seats=True"
    assert 'name="has_seats" id="id_has_seats" checked' in response.content.decode()


def test_catalogue_unticked_has_seats_is_no_filter(client, courses):
    response = client.get(URL, {"field": ""})

    assert _titles(response) == [BOSAI, DEMENTIA, SHOKUDO, BASICS]
    assert response.context["query_string"] == ""


@pytest.mark.parametrize("query", ["防災", "養成講座", "リーダー"])
def test_catalogue_keyword_finds_japanese_words_inside_titles(client, courses, query):
    assert _titles(client.get(URL, {"q": query})) == [BOSAI]


def test_catalogue_keyword_searches_summaries_and_combines_with_filters(client, courses):
    assert _titles(client.get(URL, {"q": "看護師"})) == [DEMENTIA]
    assert _titles(client.get(URL, {"q": "地域"})) == [BOSAI, BASICS]
    assert _titles(client.get(URL, {"q": "地域", "kind": "general"})) == [BASICS]
    assert _titles(client.get(URL, {"q": "防犯"})) == []
    assert _titles(client.get(URL, {"q": "・"})) == []


def test_catalogue_only_lists_courses_under_its_own_page(client, courses, home_page):
    other = CourseIndexPageFactory(parent=home_page, title="別の一覧", slug="other-courses")
    CoursePageFactory(parent=other, title="別の防災講座")

    assert _titles(client.get(URL, {"q": "防災"})) == [BOSAI]
    assert _titles(client.get("/other-courses/")) == ["別の防災講座"]


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-02-30"},
        {"date_to": "tomorrow"},
        {"field": "no-such-field"},
        {"profession": "../../etc/passwd"},
        {"format": "correspondence"},
        {"kind": "party"},
        {"municipality": "abc"},
        {"municipality": "99999999"},
        {"q": "防" * 101},
        {"q": "\x00"},
        {"q": "防災\x00"},
        {"field": "\x00"},
        {"profession": "\x00"},
        {"format": "\x00"},
        {"municipality": "\x00"},
        {"date_from": "\x00"},
    ],
)
def test_catalogue_invalid_filters_show_an_error_and_do_not_crash(client, courses, params):
    response = client.get(URL, params)

    assert response.status_code == 200
    assert set(response.context["filter_form"].errors) == set(params)
    assert 'class="form-error-summary"' in response.content.decode()
    assert len(_titles(response)) == 4  # the bad filter is ignored, nothing is hidden
    assert response.context["query_string"] == ""


def test_catalogue_bad_page_number_shows_the_first_page(client, courses):
    response = client.get(URL, {"page": "\x00"})

    assert len(_titles(response)) == 4
    assert not response.context["filter_form"].errors


def test_catalogue_end_date_before_start_date_is_refused_clearly(client, courses):
    response = client.get(
        URL, {"date_from": f"{_in_days(30):%Y-%m-%d}", "date_to": f"{_in_days(10):%Y-%m-%d}"}
    )

    errors = response.context["filter_form"].errors
    assert set(errors) == {"date_to"}
    with translation.override("en"):
        assert str(errors["date_to"][0]) == (
            "Choose a date on or after the “Starts on or after” date."
        )
    assert _titles(response) == [SHOKUDO]  # the valid start date still applies
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert f'value="{_in_days(30):%Y-%m-%d}"' in html  # the date picker gets ISO dates back


def test_catalogue_applies_the_valid_filters_when_another_is_invalid(client, courses):
    response = client.get(URL, {"field": "disaster-prevention", "profession": "\x00"})

    assert set(response.context["filter_form"].errors) == {"profession"}
    assert _titles(response) == [BOSAI]


def test_catalogue_pagination_keeps_the_valid_filters(client, course_index):
    field = Field.objects.get(slug="disaster-prevention")
    for n in range(23):
        course = CoursePageFactory(parent=course_index, title=f"防災講座{n:02}", fields=[field])
        CourseRunFactory(course=course, starts_on=_in_days(n + 1))
    CoursePageFactory(parent=course_index, title="子育て講座")

    params = {"q": "防災", "field": "disaster-prevention", "has_seats": "on", "kind": "bogus"}
    first = client.get(URL, params)

    query = "q=%E9%98%B2%E7%81%BD&amp;field=disaster-prevention&amp;has_seats=True"
    html = first.content.decode()
    assert "23件の研修" in html
    assert f'href="?{query}&amp;page=2" rel="next"' in html
    second = client.get(f"{URL}?{query.replace('&amp;', '&')}&page=2")
    assert _titles(second) == ["防災講座20", "防災講座21", "防災講座22"]
    assert f'href="?{query}&amp;page=1" rel="prev"' in second.content.decode()


def test_catalogue_marks_japanese_content_under_en(client, courses):
    html = client.get(f"/en{URL}").content.decode()

    assert '<html lang="en">' in html
    assert f'<h2 class="card-title" lang="ja"><a href="/courses/bosai-leader/">{BOSAI}</a>' in html
    assert '<p lang="ja">避難所運営と地域の見守りを学ぶ全6回の講座です。</p>' in html
    assert '<span class="meta" lang="ja">2026年度 第1期</span></dd>' in html
    assert "3 seats left" in html
    assert "Full (waiting list open)" in html
    assert "No upcoming dates" in html
    assert "4 courses" in html
    start = _in_days(10)
    assert f'<time datetime="{start:%Y-%m-%d}">' in html


def test_catalogue_form_is_labelled_and_offers_kobes_wards(client, courses):
    response = client.get(URL)

    html = response.content.decode()
    for name in (
        "q",
        "field",
        "profession",
        "format",
        "kind",
        "municipality",
        "date_from",
        "date_to",
        "has_seats",
    ):
        assert f'<label for="id_{name}">' in html, name
    assert '<input type="date" name="date_from"' in html
    labels = [
        label for _value, label in response.context["filter_form"].fields["municipality"].choices
    ]
    kobe = labels.index("神戸市")
    assert (
        labels[kobe + 1].startswith("神戸市 ") and "神戸市 中央区" in labels[kobe + 1 : kobe + 10]
    )


def _add_courses(course_index, count: int, start: int = 0) -> None:
    """Courses with two runs of two sessions each (in different places) and a few enrolments;
    built in bulk except for the pages themselves."""
    fields = list(Field.objects.all()[:3])
    professions = list(Profession.objects.all()[:2])
    venues = [_venue_in("281107"), _venue_in("282014")]
    today = timezone.localdate()
    now = timezone.now()
    for n in range(start, start + count):
        course = CoursePage(
            title=f"研修{n:03}", slug=f"course-{n:03}", summary="多職種で学ぶ研修です。"
        )
        course.fields = fields[n % 2 :]
        course.target_professions = professions[: n % 3]
        course_index.add_child(instance=course)
        runs = CourseRun.objects.bulk_create(
            CourseRun(
                course=course,
                title=f"第{k}期",
                starts_on=today + dt.timedelta(days=n + 30 * k),
                ends_on=today + dt.timedelta(days=n + 30 * k + 7),
                capacity=3,
                enrolment_opens_at=now - dt.timedelta(days=1),
                enrolment_closes_at=now + dt.timedelta(days=14),
            )
            for k in (1, 2)
        )
        Session.objects.bulk_create(
            Session(
                run=run,
                title=f"第{k}回",
                starts_at=now + dt.timedelta(days=n + 30 * i + k),
                ends_at=now + dt.timedelta(days=n + 30 * i + k, hours=2),
                venue=venues[k],
            )
            for i, run in enumerate(runs, start=1)
            for k in (0, 1)
        )
        if n % 10 == 0:
            EnrolmentFactory(run=runs[0])


def _count_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "研修", "has_seats": "on", "municipality": "281000"},
        {"profession": "nurse", "field": "education", "date_from": "2026-01-01", "page": "2"},
    ],
)
def test_catalogue_query_count_is_the_same_for_5_and_200_courses(client, course_index, params):
    """Next-run dates, titles and seats are subqueries; fields and professions are prefetched;
    a keyword costs one query for the matching ids.  So 200 courses (20 on the page) with 400
    runs and 800 sessions cost exactly what 5 do."""
    if "municipality" in params:
        params["municipality"] = Municipality.objects.get(code=params["municipality"]).pk
    _add_courses(course_index, 5)
    _count_queries(client, **params)  # warm Wagtail's site and locale caches
    with_five = _count_queries(client, **params)
    assert client.get(URL, params).context["courses"].paginator.count == 5 or params

    _add_courses(course_index, 195, start=5)
    with_two_hundred = _count_queries(client, **params)

    response = client.get(URL, params)
    assert not response.context["filter_form"].errors
    assert response.context["courses"].paginator.count > 20
    assert with_two_hundred == with_five
    assert with_five <= 25


def test_factories_build_a_published_course_with_a_run_open_now(home_page):
    """The shared factories: a run open for enrolment now, 20 seats, ending in a month."""
    session = SessionFactory()
    run = session.run
    waiting = EnrolmentFactory(run=run, status=EnrolmentStatus.WAITLISTED)

    assert run.is_open_at(timezone.now())
    assert run.capacity == 20
    assert run.starts_on > timezone.localdate() and run.ends_on == _in_days(30)
    assert run.course.live and run.course.get_parent().slug == "courses"
    assert timezone.localtime(session.starts_at).date() == run.starts_on
    assert session.venue.municipality.code == "282014"
    assert waiting.waitlisted_at is not None and waiting.offer_expires_at is None


# --- Leader programmes in the catalogue ------------------------------------------------------


def _add_program(course_index, title: str, modules: list[CoursePage], **fields):
    from courses.models import ProgramModule, ProgramPage

    program = ProgramPage(
        title=title,
        slug=f"program-{ProgramPage.objects.count()}",
        summary="地域の担い手を育てる半年間のプログラムです。",
        **fields,
    )
    program.modules = [ProgramModule(course=course) for course in modules]
    course_index.add_child(instance=program)
    program.save_revision().publish()
    return program


def test_catalogue_lists_leader_programmes_with_modules_and_first_date(
    client, course_index, courses
):
    course_pages = {page.title: page for page in CoursePage.objects.all()}
    _add_program(
        course_index,
        "次世代リーダー育成プログラム 2026",
        [course_pages[BOSAI], course_pages[DEMENTIA]],
    )

    response = client.get(URL)

    programs = response.context["programs"]
    assert [p.title for p in programs] == ["次世代リーダー育成プログラム 2026"]
    assert programs[0].module_count == 2
    first_run = (
        CourseRun.objects.filter(
            course__in=[course_pages[BOSAI], course_pages[DEMENTIA]],
            status=RunStatus.SCHEDULED,
            ends_on__gte=timezone.localdate(),
        )
        .order_by("starts_on")
        .first()
    )
    assert programs[0].next_starts_on == first_run.starts_on
    html = response.content.decode()
    assert "次世代リーダー育成プログラム" in html and "2件の研修" in html
    # Courses are still counted and listed on their own.
    assert "次世代リーダー育成プログラム 2026" not in _titles(response)


def test_catalogue_shows_programmes_for_a_keyword_but_not_for_run_filters(client, course_index):
    course = CoursePageFactory(parent=course_index, title="リーダー基礎講座")
    _add_program(course_index, "次世代リーダー育成プログラム", [course])

    def programs(**params):
        return [p.title for p in client.get(URL, params).context["programs"]]

    assert programs(q="リーダー育成") == ["次世代リーダー育成プログラム"]
    assert programs(q="防災") == []
    assert programs(kind=CourseKind.LEADER_MODULE) == ["次世代リーダー育成プログラム"]
    assert programs(kind=CourseKind.ORIENTATION) == []
    assert programs(has_seats="on") == []
    assert programs(format=CourseFormat.ONLINE) == []


def test_catalogue_programme_list_costs_the_same_for_1_and_10_programmes(client, course_index):
    modules = [CoursePageFactory(parent=course_index) for _ in range(3)]
    for course in modules:
        CourseRunFactory(course=course)
    _add_program(course_index, "プログラム0", modules)
    _count_queries(client)  # warm caches
    with_one = _count_queries(client)

    for n in range(1, 10):
        _add_program(course_index, f"プログラム{n}", modules)
    with_ten = _count_queries(client)

    assert len(client.get(URL).context["programs"]) == 10
    assert with_ten == with_one
