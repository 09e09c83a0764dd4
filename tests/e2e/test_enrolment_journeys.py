"""Browser journeys through training and enrolment, on a phone, in Japanese.

People sign in, find a course in the catalogue, enrol, wait for a seat, take a freed seat, and
staff decide on requests for a course that needs approval.  As in test_journeys, controls are
found by stable hooks (form actions, URLs, field names, status classes) rather than by UI
wording; course titles and people's names from the demo content are asserted exactly, and the
database is checked after each decision.
"""

import re
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.e2e.journey_helpers import (
    enrolment_card,
    form_button,
    number,
    open_my_learning,
    path_is,
    sign_in,
    sign_out,
    submit,
)

FACTORY_PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory
SUPPORTER = ("supporter@demo.hyogo.example", "demo-supporter-2026")  # 兵庫 花子
COORDINATOR = ("coordinator@demo.hyogo.example", "demo-coordinator-2026")

CATALOGUE_TITLE = "研修をさがす"
JOINT_TRAINING = "支援者向け多職種合同研修（基礎編）"
LEADER_COURSE = "地域防災リーダー養成講座"
CASE_MEETING = "ひきこもり支援の連携を考える事例検討会"
REJECTION_REASON = "今回は定員を超えるお申し込みがあったため、次回の開催をご案内します。"

TOKYO = ZoneInfo("Asia/Tokyo")


# --- journeys ------------------------------------------------------------------------------


def test_find_a_course_enrol_and_see_it_on_my_learning(page, live_server, demo, axe):
    from courses.models import SEAT_STATUSES, CoursePage, Enrolment, EnrolmentStatus
    from lms.models import User

    course = CoursePage.objects.get(slug="joint-training-basic")
    run = course.runs.get()
    sessions = list(run.sessions.order_by("starts_at"))
    assert len(sessions) == 2
    seats_left = run.capacity - run.enrolments.filter(status__in=SEAT_STATUSES).count()
    assert seats_left > 1  # the demo fills part of the room (reserved seats, breakout groups)

    sign_in(page, live_server, *SUPPORTER)

    # The catalogue is in the main menu.
    page.locator("nav.main-nav").get_by_role("link", name=CATALOGUE_TITLE, exact=True).click()
    expect(page).to_have_url(live_server.url + "/courses/")
    expect(page.get_by_role("heading", level=1)).to_have_text(CATALOGUE_TITLE)
    cards = page.locator("main .course-list > li.card")
    expect(cards.get_by_role("link", name=LEADER_COURSE, exact=True)).to_be_visible()
    axe(page, "course catalogue")

    # Filter by field: 福祉全般 (welfare in general).
    page.locator("select[name=field]").select_option(label="福祉全般")
    submit(page, "form.filter-form")
    expect(page).to_have_url(re.compile(r"/courses/\?(.*&)?field=welfare-general(&|$)"))
    expect(cards).to_have_count(1)
    expect(cards.get_by_role("heading")).to_have_text(JOINT_TRAINING)
    expect(cards.locator(".seats")).to_contain_text(number(seats_left))
    axe(page, "course catalogue filtered by field")

    cards.get_by_role("link", name=JOINT_TRAINING, exact=True).click()
    expect(page).to_have_url(live_server.url + "/courses/joint-training-basic/")
    expect(page.get_by_role("heading", level=1)).to_have_text(JOINT_TRAINING)
    run_card = page.locator("main .card.run")
    expect(run_card.locator(".session-list > li")).to_have_count(2)
    axe(page, "course page")

    form_button(page, f"/runs/{run.pk}/enrol/").click()

    # Back on the course page with a success message and the new status.
    expect(page).to_have_url(path_is(live_server, "/courses/joint-training-basic/"))
    expect(page.locator("main .messages .message-success")).to_be_visible()
    expect(run_card.locator(".status-enrolled")).to_be_visible()
    expect(form_button(page, f"/runs/{run.pk}/enrol/")).to_have_count(0)
    expect(run_card.locator(".seats")).to_contain_text(number(seats_left - 1))
    axe(page, "course page after enrolling")

    supporter = User.objects.get(email=SUPPORTER[0])
    enrolment = Enrolment.objects.get(run=run, user=supporter)
    assert enrolment.status == EnrolmentStatus.ENROLLED

    open_my_learning(page, live_server)
    card = enrolment_card(page, JOINT_TRAINING)
    expect(card).to_have_count(1)
    expect(card.locator(".status-enrolled")).to_be_visible()
    expect(card).to_contain_text(run.title)
    session_items = card.locator(".session-list > li.session")
    expect(session_items).to_have_count(2)
    for item, session in zip(session_items.all(), sessions, strict=True):
        starts = session.starts_at.astimezone(TOKYO)
        when = item.locator(".session-when time").first
        expect(when).to_have_attribute("datetime", re.compile("^" + starts.date().isoformat()))
        expect(when).to_contain_text(f"{starts:%H:%M}")
        expect(item.locator(".session-title")).to_have_text(session.title)
    expect(card.locator(f"form[action='/enrolments/{enrolment.pk}/cancel/']")).to_be_visible()
    axe(page, "My learning")


def test_waiting_list_then_take_the_freed_seat(page, live_server, demo, axe):
    from courses import services
    from courses.models import CourseIndexPage, Enrolment, EnrolmentStatus
    from tests.factories import (
        CoursePageFactory,
        CourseRunFactory,
        SessionFactory,
        UserFactory,
    )

    title = "つながりづくり少人数ゼミ"
    course = CoursePageFactory(
        parent=CourseIndexPage.objects.get(slug="courses"), title=title, slug="small-seminar"
    )
    run = CourseRunFactory(course=course, capacity=1)
    SessionFactory(run=run)
    person_a, person_b = UserFactory(), UserFactory()
    seat_a = services.enrolment_create(run=run, user=person_a)
    assert seat_a.status == EnrolmentStatus.ENROLLED
    course_path = "/courses/small-seminar/"

    # B finds the run full and joins the waiting list.
    sign_in(page, live_server, person_b.email, FACTORY_PASSWORD)
    page.goto(live_server.url + course_path)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    form_button(page, f"/runs/{run.pk}/enrol/").click()

    expect(page).to_have_url(path_is(live_server, course_path))
    expect(page.locator("main .messages .message-success")).to_be_visible()
    expect(page.locator("main .card.run .status-waitlisted")).to_contain_text(number(1))
    place_b = Enrolment.objects.get(run=run, user=person_b)
    assert place_b.status == EnrolmentStatus.WAITLISTED

    open_my_learning(page, live_server)
    card = enrolment_card(page, title)
    expect(card.locator(".status-waitlisted")).to_contain_text(number(1))
    axe(page, "My learning on the waiting list")
    sign_out(page, live_server)

    # A gives the seat up on My learning.
    sign_in(page, live_server, person_a.email, FACTORY_PASSWORD)
    open_my_learning(page, live_server)
    card = enrolment_card(page, title)
    expect(card.locator(".status-enrolled")).to_be_visible()
    card.locator(f"form[action='/enrolments/{seat_a.pk}/cancel/'] button[type=submit]").click()

    expect(page).to_have_url(path_is(live_server, "/learning/"))
    expect(page.locator("main .messages .message-success")).to_be_visible()
    expect(enrolment_card(page, title)).to_have_count(0)  # cancelled places are not listed
    seat_a.refresh_from_db()
    place_b.refresh_from_db()
    assert seat_a.status == EnrolmentStatus.CANCELLED
    assert place_b.status == EnrolmentStatus.OFFERED
    sign_out(page, live_server)

    # B is offered the seat on My learning and takes it.
    sign_in(page, live_server, person_b.email, FACTORY_PASSWORD)
    open_my_learning(page, live_server)
    card = enrolment_card(page, title)
    expect(card.locator(".status-offered")).to_be_visible()
    accept = card.locator(f"form[action='/enrolments/{place_b.pk}/accept/'] button[type=submit]")
    decline = card.locator(f"form[action='/enrolments/{place_b.pk}/decline/'] button[type=submit]")
    expect(accept).to_be_visible()
    expect(decline).to_be_visible()
    axe(page, "My learning with a seat on offer")
    accept.click()

    expect(page).to_have_url(path_is(live_server, "/learning/"))
    expect(page.locator("main .messages .message-success")).to_be_visible()
    card = enrolment_card(page, title)
    expect(card.locator(".status-enrolled")).to_be_visible()
    expect(card.locator("form[action$='/accept/']")).to_have_count(0)
    place_b.refresh_from_db()
    assert place_b.status == EnrolmentStatus.ENROLLED
    assert place_b.offer_expires_at is None


def open_admin_menu_item(page, live_server, href: str) -> None:
    """Follow a link of the Wagtail admin's sidebar, opening the sidebar first on a phone."""
    page.goto(live_server.url + "/admin/")
    link = page.locator(f"#wagtail-sidebar a[href='{href}']")
    link.wait_for(state="attached")  # the sidebar is drawn by JavaScript
    if not link.is_visible():  # on a phone it starts folded away behind its toggle
        page.locator("button.sidebar-nav-toggle").click()
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(path_is(live_server, href))


def test_staff_approve_and_reject_requests(new_page, live_server, demo, axe):
    from courses import services
    from courses.models import CoursePage, Enrolment, EnrolmentStatus
    from lms.models import User
    from tests.factories import UserFactory

    course = CoursePage.objects.get(slug="hikikomori-support")
    run = course.runs.get()
    assert run.requires_approval
    course_path = "/courses/hikikomori-support/"

    # The supporter asks for a place; the run needs approval, so it is a request.
    supporter_page = new_page()
    sign_in(supporter_page, live_server, *SUPPORTER)
    supporter_page.goto(live_server.url + course_path)
    expect(supporter_page.get_by_role("heading", level=1)).to_have_text(CASE_MEETING)
    form_button(supporter_page, f"/runs/{run.pk}/enrol/").click()
    expect(supporter_page).to_have_url(path_is(live_server, course_path))
    expect(supporter_page.locator("main .messages .message-success")).to_be_visible()
    expect(supporter_page.locator("main .card.run .status-pending")).to_be_visible()
    supporter = User.objects.get(email=SUPPORTER[0])
    request = Enrolment.objects.get(run=run, user=supporter)
    assert request.status == EnrolmentStatus.PENDING

    # Someone else asked too (made directly: their part of the journey is the same).
    other = UserFactory(full_name="播磨 次郎")
    other_request = services.enrolment_create(run=run, user=other)
    assert other_request.status == EnrolmentStatus.PENDING

    # The coordinator decides in the admin.
    staff_page = new_page()
    sign_in(staff_page, live_server, *COORDINATOR)
    open_admin_menu_item(staff_page, live_server, "/admin/courses/requests/")
    rows = staff_page.locator("table.listing tbody tr")
    supporter_row = rows.filter(has_text=supporter.full_name)
    other_row = rows.filter(has_text=other.full_name)
    expect(supporter_row).to_have_count(1)
    expect(other_row).to_have_count(1)
    expect(supporter_row).to_contain_text(CASE_MEETING)

    supporter_row.locator(
        f"form[action='/admin/courses/requests/{request.pk}/approve/'] button[type=submit]"
    ).click()
    expect(staff_page).to_have_url(path_is(live_server, "/admin/courses/requests/"))
    expect(rows.filter(has_text=supporter.full_name)).to_have_count(0)
    request.refresh_from_db()
    # A seat, not the waiting list: the run has 20 seats and nobody else holds one.
    assert request.status == EnrolmentStatus.ENROLLED

    reject_form = other_row.locator(
        f"form[action='/admin/courses/requests/{other_request.pk}/reject/']"
    )
    reject_form.locator("input[name=reason]").fill(REJECTION_REASON)
    reject_form.locator("button[type=submit]").click()
    expect(staff_page).to_have_url(path_is(live_server, "/admin/courses/requests/"))
    expect(rows.filter(has_text=other.full_name)).to_have_count(0)
    other_request.refresh_from_db()
    assert other_request.status == EnrolmentStatus.REJECTED
    assert other_request.decision_reason == REJECTION_REASON

    # The supporter sees the seat on My learning...
    open_my_learning(supporter_page, live_server)
    card = enrolment_card(supporter_page, CASE_MEETING)
    expect(card.locator(".status-enrolled")).to_be_visible()
    expect(card.locator(".session-list > li.session")).to_have_count(2)
    axe(supporter_page, "My learning after approval")

    # ...and the other person sees the decision with its reason.
    other_page = new_page()
    sign_in(other_page, live_server, other.email, FACTORY_PASSWORD)
    open_my_learning(other_page, live_server)
    card = enrolment_card(other_page, CASE_MEETING)
    expect(card.locator(".status-rejected")).to_be_visible()
    expect(card).to_contain_text(REJECTION_REASON)
    axe(other_page, "My learning with a rejected request")


def test_staff_make_adjust_and_print_breakout_groups(page, live_server, demo, axe):
    from courses.models import CourseRun, Enrolment

    run = CourseRun.objects.get(course__slug="joint-training-basic")
    sign_in(page, live_server, *COORDINATOR)
    page.goto(live_server.url + f"/admin/courses/runs/{run.pk}/participants/")
    page.get_by_role("link", name="グループ分け").click()
    expect(page).to_have_url(path_is(live_server, f"/admin/courses/runs/{run.pk}/groups/"))

    # Remake the demo groups with four people per group.
    page.get_by_label("1グループの人数").fill("4")
    page.get_by_role("button", name="グループを作り直す").click()
    expect(page.locator(".messages")).to_contain_text("5個のグループを作りました")
    groups = page.locator("section.breakout-group")
    expect(groups).to_have_count(5)
    expect(groups.first).to_contain_text("職種")

    # Move one person from group 1 to group 2 by hand.
    mover = Enrolment.objects.filter(run=run, breakout_group=1).order_by("pk").first()
    page.locator(f"#group-of-{mover.pk}").fill("2")
    page.get_by_role("button", name="グループの変更を保存").click()
    expect(page.locator(".messages")).to_contain_text("1人のグループを変更しました")
    mover.refresh_from_db()
    assert mover.breakout_group == 2
    expect(groups.nth(1)).to_contain_text(mover.user.full_name)

    # The printable list opens in a new tab, with names and ふりがな.
    with page.context.expect_page() as printed_tab:
        page.get_by_role("link", name="グループ表を印刷").click()
    printed = printed_tab.value
    printed.wait_for_load_state()
    expect(printed.locator("section")).to_have_count(5)
    expect(printed.locator("section").nth(1)).to_contain_text(mover.user.full_name_kana)
    axe(printed, "printable breakout groups")


def test_staff_cancel_a_session_and_the_participant_is_told(new_page, live_server, demo, axe):
    """A coordinator cancels one session of a run in the admin; the save answers at once with
    how many people are being told, and the participant finds the session cancelled on My
    learning and a notice with a calendar cancellation in their mail."""
    from courses import services
    from courses.models import CoursePage, SessionStatus
    from lms.models import OutboundEmail, User

    run = CoursePage.objects.get(slug="joint-training-basic").runs.get()
    first_session, second_session = run.sessions.order_by("starts_at")
    supporter = User.objects.get(email=SUPPORTER[0])
    services.enrolment_create(run=run, user=supporter)
    people_told = run.enrolments.filter(status__in=["enrolled", "offered"]).count()
    last_email_before = OutboundEmail.objects.order_by("pk").last().pk

    staff_page = new_page()
    sign_in(staff_page, live_server, *COORDINATOR)
    edit_path = f"/admin/snippets/courses/courserun/edit/{run.pk}/"
    staff_page.goto(live_server.url + edit_path)
    # The session's row in the run's inline panel of sessions, found by its hidden id.
    id_field = staff_page.locator(
        f"input[name^='sessions-'][name$='-id'][value='{first_session.pk}']"
    )
    prefix = id_field.get_attribute("name").removesuffix("-id")
    staff_page.locator(f"select[name='{prefix}-status']").select_option(SessionStatus.CANCELLED)
    staff_page.locator("footer button.action-save").click()
    expect(staff_page.locator(".messages")).to_contain_text(
        f"1回分の変更を{people_told}人に送信しています。"
    )

    first_session.refresh_from_db()
    second_session.refresh_from_db()
    assert (first_session.status, first_session.sequence) == (SessionStatus.CANCELLED, 1)
    assert second_session.sequence == 0  # unchanged: not announced
    told = OutboundEmail.objects.filter(pk__gt=last_email_before)
    assert set(told.values_list("template", flat=True)) == {"courses/email/session_cancelled"}
    assert told.count() == people_told
    notice = told.get(recipient=supporter.email)
    assert notice.calendar_method == "CANCEL"
    assert first_session.title in notice.body_text

    supporter_page = new_page()
    sign_in(supporter_page, live_server, *SUPPORTER)
    open_my_learning(supporter_page, live_server)
    card = enrolment_card(supporter_page, JOINT_TRAINING)
    expect(card.locator(f"#my-session-{first_session.pk}.session-cancelled")).to_be_visible()
    expect(card.locator(f"#my-session-{second_session.pk}")).not_to_have_class(
        re.compile("session-cancelled")
    )
    axe(supporter_page, "My learning with a cancelled session")
