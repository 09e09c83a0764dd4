"""Browser journeys for volunteer opportunities (issue #12, item 4), on a phone, on the demo.

The demo volunteer (髙橋 﨑子), without the volunteer orientation, is told on the list and on
the opportunity which course to take and when it next runs, and cannot apply.  Once she has
completed the orientation she applies in one tap; the canteen's admin is emailed, opens the
applicants page from the email and accepts her; she logs her hours and the admin confirms
them, which adds volunteering hours to her profile.  axe-core checks the list, the
opportunity, the applicants page, the volunteer's page and the posting form.  The pages'
own wording is not relied on (its Japanese comes later): controls are found by stable hooks."""

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.journey_helpers import path_is, sign_in

VOLUNTEER = ("volunteer@demo.hyogo.example", "demo-volunteer-2026")  # 髙橋 﨑子
ADMIN_EMAIL = "shokudo.himeji@example.jp"
ADMIN_PASSWORD = "himeji-shokudo-2026"
ORGANISATION = "himeji-kodomo-shokudo"
ORIENTATION_SLUG = "volunteer-orientation"


def test_a_volunteer_is_told_which_course_to_take_then_applies_and_is_accepted(
    page, new_page, live_server, demo, axe
):
    from cms.models import Organisation
    from courses.models import CoursePage, EnrolmentStatus
    from courses.selectors import course_list_for_catalogue
    from lms.models import OutboundEmail, User
    from opportunities.demo import CANTEEN, load_demo_opportunities
    from opportunities.models import HoursLog, Opportunity, OpportunityApplication
    from organisations.models import Membership
    from tests.factories import CourseRunFactory, EnrolmentFactory, UserFactory
    from volunteers.models import VolunteerHours

    load_demo_opportunities()  # a no-op once cms.demo loads it itself
    canteen = Opportunity.objects.get(title=CANTEEN)
    orientation = CoursePage.objects.get(slug=ORIENTATION_SLUG)
    suggested = course_list_for_catalogue(parent=None, kind="orientation").first()
    assert suggested.pk == orientation.pk and suggested.next_run_starts_on
    resident = User.objects.get(email=VOLUNTEER[0])
    profile = resident.volunteer_profile
    stage_before = profile.stage
    admin = UserFactory(email=ADMIN_EMAIL, full_name="姫路 食堂子", password=ADMIN_PASSWORD)
    Membership.objects.create(
        organisation=Organisation.objects.get(slug=ORGANISATION), user=admin, role="admin"
    )
    detail_path = f"/opportunities/{canteen.pk}/"
    apply_action = f"/opportunities/{canteen.pk}/apply/"

    # --- Without the orientation: the list and the opportunity name the course to take. ---
    sign_in(page, live_server, *VOLUNTEER)
    page.goto(live_server.url + "/opportunities/")
    card = page.locator(f"#opportunity-{canteen.pk}")
    course_link = card.locator(".take-first a.training-link")
    expect(course_link).to_have_text(orientation.title)
    expect(course_link).to_have_attribute("href", orientation.url)
    expect(card.locator(".next-run time")).to_have_attribute(
        "datetime", suggested.next_run_starts_on.isoformat()
    )
    axe(page, "opportunity list, volunteer without the training")

    card.locator(f"a[href='{detail_path}']").click()
    expect(page).to_have_url(path_is(live_server, detail_path))
    expect(page.locator(".take-first a.training-link")).to_have_text(orientation.title)
    expect(page.locator(".apply-blocked")).to_be_visible()
    expect(page.locator(f"form[action='{apply_action}']")).to_have_count(0)
    axe(page, "opportunity, volunteer without the training")
    assert not OpportunityApplication.objects.filter(user=resident).exists()

    # --- She completed the orientation (an earlier run): one tap applies. ---
    earlier = timezone.localdate() - dt.timedelta(days=30)
    past_run = CourseRunFactory(
        course=orientation,
        title="2026年度 出前講座",
        starts_on=earlier,
        ends_on=earlier,
        enrolment_opens_at=timezone.now() - dt.timedelta(days=60),
        enrolment_closes_at=timezone.now() - dt.timedelta(days=31),
    )
    EnrolmentFactory(
        run=past_run, user=resident, status=EnrolmentStatus.COMPLETED, completed_at=timezone.now()
    )
    page.reload()
    expect(page.locator(".training-held")).to_be_visible()
    apply_button = page.locator(f"form[action='{apply_action}'] button[type=submit]")
    axe(page, "opportunity, volunteer with the training")
    apply_button.click()

    expect(page).to_have_url(path_is(live_server, detail_path))
    expect(page.locator(".messages .message-success")).to_be_visible()
    expect(page.locator(".apply-area .application-status.status-applied")).to_be_visible()
    application = OpportunityApplication.objects.get(opportunity=canteen, user=resident)
    assert application.status == "applied"
    notice = OutboundEmail.objects.get(
        recipient=ADMIN_EMAIL, template="opportunities/email/new_application"
    )
    applicants_path = f"/organisations/{ORGANISATION}/opportunities/{canteen.pk}/applicants/"
    assert applicants_path in notice.body_text

    # --- The canteen's admin opens the applicants page and accepts her. ---
    admin_page = new_page()
    sign_in(admin_page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    admin_page.goto(live_server.url + applicants_path)
    applicant = admin_page.locator(f"#applicant-{application.pk}")
    expect(applicant).to_contain_text("髙橋 﨑子")
    expect(applicant).to_have_class("card applicant status-applied")
    axe(admin_page, "applicants page")
    applicant.locator("button.decide-accept").click()

    expect(admin_page).to_have_url(path_is(live_server, applicants_path))
    expect(admin_page.locator(".messages .message-success")).to_be_visible()
    expect(admin_page.locator(f"#applicant-{application.pk}")).to_have_class(
        "card applicant status-accepted"
    )
    application.refresh_from_db()
    assert (application.status, application.decided_by) == ("accepted", admin)
    assert application.accepted_at is not None
    assert OutboundEmail.objects.filter(
        recipient=VOLUNTEER[0], template="opportunities/email/accepted"
    ).exists()
    profile.refresh_from_db()
    assert profile.stage == stage_before  # "contacted": only a volunteer in training moves on

    # --- She logs her hours on her page; the admin confirms them. ---
    page.goto(live_server.url + "/opportunities/mine/")
    mine = page.locator(f"#application-{application.pk}")
    expect(mine).to_have_class("card application status-accepted")
    prefix = f"log-{application.pk}"
    mine.locator(f"select[name='{prefix}-minutes']").select_option("150")
    mine.locator(f"input[name='{prefix}-what']").fill("配膳と片付け、子どもたちの見守り")
    axe(page, "my applications and hours")
    mine.locator(".hours-form button[type=submit]").click()
    expect(page).to_have_url(path_is(live_server, "/opportunities/mine/"))
    expect(page.locator(f"#application-{application.pk} .hours-log.hours-pending")).to_be_visible()
    log = HoursLog.objects.get(application=application)
    assert (log.minutes, log.date, log.status) == (150, timezone.localdate(), "pending")
    hours_before = VolunteerHours.objects.filter(profile=profile).count()

    admin_page.reload()
    admin_page.locator(f"#hours-{log.pk} button.confirm-hours").click()
    expect(admin_page.locator(f"#hours-{log.pk}")).to_have_class("hours-log hours-confirmed")
    log.refresh_from_db()
    assert log.status == "confirmed"
    assert VolunteerHours.objects.filter(profile=profile).count() == hours_before + 1

    # The posting form is accessible too.
    admin_page.goto(live_server.url + f"/organisations/{ORGANISATION}/opportunities/new/")
    expect(admin_page.locator("form.opportunity-form")).to_be_visible()
    axe(admin_page, "opportunity posting form")
