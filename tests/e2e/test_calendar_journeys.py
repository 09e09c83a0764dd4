"""Browser journey for calendars (issue #6): a participant enrols, downloads the .ics of the
run, finds their private feed address on the profile page, and after making a new address the
old one answers 404."""

import icalendar
import vobject
from playwright.sync_api import expect

from tests.e2e.journey_helpers import enrolment_card, form_button, open_my_learning, sign_in

SUPPORTER = ("supporter@demo.hyogo.example", "demo-supporter-2026")
JOINT_TRAINING = "支援者向け多職種合同研修（基礎編）"


def test_enrol_download_the_calendar_and_manage_the_feed(page, live_server, demo, axe):
    from courses.models import CoursePage
    from lms.models import CalendarFeed

    run = CoursePage.objects.get(slug="joint-training-basic").runs.get()
    sign_in(page, live_server, *SUPPORTER)
    page.goto(f"{live_server.url}/courses/joint-training-basic/")
    form_button(page, f"/runs/{run.pk}/enrol/").click()
    expect(page.locator("main .card.run .status-enrolled")).to_be_visible()

    # My learning offers the run's sessions as one .ics file.
    open_my_learning(page, live_server)
    card = enrolment_card(page, JOINT_TRAINING)
    with page.expect_download() as download_info:
        card.locator(f"a[href='/runs/{run.pk}/calendar.ics']").click()
    body = open(download_info.value.path(), "rb").read()
    calendar = icalendar.Calendar.from_ical(body)
    list(vobject.readComponents(body.decode()))
    assert len(list(calendar.walk("VEVENT"))) == run.sessions.count()

    # The profile page makes the private feed address and shows it.
    page.goto(f"{live_server.url}/profile/#calendar")
    page.get_by_role("button", name="カレンダーのアドレスを作る").click()
    address = page.get_by_label("非公開のカレンダーアドレス")
    expect(address).to_have_value(
        f"http://127.0.0.1:8000/calendar/{CalendarFeed.objects.get().token}.ics"
    )
    axe(page, "profile with the calendar feed")
    old_token = CalendarFeed.objects.get().token
    assert page.request.get(f"{live_server.url}/calendar/{old_token}.ics").status == 200

    # A new address: the old one stops working at once.
    page.get_by_role(
        "button", name="新しいアドレスにする（古いアドレスは使えなくなります）"
    ).click()
    expect(page.locator(".messages")).to_be_visible()
    new_token = CalendarFeed.objects.get().token
    assert new_token != old_token
    assert page.request.get(f"{live_server.url}/calendar/{old_token}.ics").status == 404
    feed = page.request.get(f"{live_server.url}/calendar/{new_token}.ics")
    assert feed.status == 200 and b"BEGIN:VEVENT" in feed.body()
