"""The whole partner-organisation journey (issue #12, "Done when"), on phones, on the demo.

An NPO applies to join; a coordinator approves it in the admin; its contact person accepts the
emailed invitation and, as the organisation's admin, posts a connection-making activity
(reviewed by the secretariat, as the organisation is new) and a volunteer opportunity that
requires the volunteer orientation.  A resident, not signed in, finds the activity by
municipality.  The demo volunteer, without the orientation, is told which course to take; a
volunteer who has completed it applies in one tap and the organisation accepts her.  axe-core
checks the pages on the way; the database is checked after each step."""

import re

from playwright.sync_api import expect

from tests.e2e.journey_helpers import path_is, sign_in

COORDINATOR = ("coordinator@demo.hyogo.example", "demo-coordinator-2026")
DEMO_VOLUNTEER = ("volunteer@demo.hyogo.example", "demo-volunteer-2026")  # 髙橋 﨑子
CONTACT = ("hiroba@akashi-engawa.example.jp", "akashi-engawa-2026")
TRAINED = ("minori@example.jp", "akashi-minori-2026")
NAME = "NPO法人 あかしの縁側"
ACTIVITY = "多世代ひろば「潮騒」"
OPPORTUNITY = "ひろばの受付・見守りボランティア"


def test_an_organisation_joins_posts_an_activity_and_an_opportunity_and_accepts_a_volunteer(
    page, new_page, live_server, demo, axe
):
    from cms.models import Activity
    from courses.models import CoursePage
    from lms.models import Municipality, OutboundEmail
    from opportunities.models import Opportunity, OpportunityApplication
    from organisations.models import ActivityVersion, Membership, OrganisationApplication
    from tests.factories import UserFactory
    from tests.opportunities.conftest import complete
    from tests.volunteers.test_pipeline import register

    akashi = Municipality.objects.get(name="明石市", parent__isnull=True)
    orientation = CoursePage.objects.get(slug="volunteer-orientation")

    # --- The NPO applies to join, on a phone, without an account. ---
    page.goto(live_server.url + "/organisations/apply/")
    axe(page, "application to join")
    form = page.locator("main form[method=post]")
    form.locator("input[name=name]").fill(NAME)
    form.locator("input[name=name_kana]").fill("あかしのえんがわ")
    form.locator("select[name=organisation_type]").select_option(label="NPO法人")
    form.locator("input[name=fields]").first.check()
    form.locator("select[name=municipality]").select_option(label="明石市")
    form.locator("input[name=address]").fill("明石市大明石町１丁目２－３")
    form.locator("input[name=contact_name]").fill("縁側 ひろ子")
    form.locator("input[name=contact_email]").fill(CONTACT[0])
    form.locator("textarea[name=wants]").fill("多世代が集まる居場所の情報を発信したい。")
    form.locator("input[name=accept_terms]").check()
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(path_is(live_server, "/organisations/apply/sent/"))
    application = OrganisationApplication.objects.get(name=NAME)
    assert application.status == "submitted"
    assert application.municipality == akashi

    # --- A coordinator approves it in the admin. ---
    staff = new_page()
    sign_in(staff, live_server, *COORDINATOR)
    staff.goto(live_server.url + "/admin/organisations/applications/")
    decide = f"/admin/organisations/applications/{application.pk}/"
    staff.locator(f"form[action='{decide}'] button[value=approve]").click()
    expect(staff.locator(f"form[action='{decide}']")).to_have_count(0)
    application.refresh_from_db()
    organisation = application.organisation
    assert application.status == "approved" and organisation.is_listed
    slug = organisation.slug
    invitation = OutboundEmail.objects.filter(recipient=CONTACT[0]).order_by("-pk").first()
    link = re.search(r"/organisations/invitations/[\w\-]+/", invitation.body_text).group(0)

    # --- The contact person accepts the invitation and becomes its admin. ---
    contact = UserFactory(email=CONTACT[0], full_name="縁側 ひろ子", password=CONTACT[1])
    sign_in(page, live_server, *CONTACT)
    page.goto(live_server.url + link)
    page.locator("main form[method=post] button[type=submit]").click()
    dashboard = f"/organisations/{slug}/dashboard/"
    expect(page).to_have_url(path_is(live_server, dashboard))
    axe(page, "organisation dashboard")
    assert Membership.objects.get(organisation=organisation, user=contact).role == "admin"

    # --- The admin posts an activity; the secretariat publishes it. ---
    activity_form = f"/organisations/{slug}/activities/new/"
    page.goto(live_server.url + activity_form)
    page.locator("input[name=title]").fill(ACTIVITY)
    page.locator("textarea[name=description]").fill("子どもから高齢の方まで、誰でも立ち寄れます。")
    page.locator("input[name=place]").fill("明石駅前 交流スペース")
    page.locator("select[name=municipality]").select_option(label="明石市")
    page.locator("input[name=weekdays][value='3']").check()
    page.locator("input[name=schedule]").fill("毎週水曜日 14:00〜17:00")
    page.locator("input[name=audience]").fill("どなたでも")
    page.locator("input[name=cost]").fill("無料")
    page.locator(f"form[action='{activity_form}'] button[type=submit]").click()
    expect(page).to_have_url(path_is(live_server, f"/organisations/{slug}/activities/"))
    activity = Activity.objects.get(organisation=organisation, title=ACTIVITY)
    version = ActivityVersion.objects.get(activity=activity)
    assert (activity.is_published, version.status) == (False, "pending")

    staff.goto(live_server.url + "/admin/organisations/moderation/")
    staff.locator(
        f"form[action='/admin/organisations/moderation/{version.pk}/publish/'] button"
    ).click()
    expect(staff.locator(f"section[data-version='{version.pk}']")).to_have_count(0)
    activity.refresh_from_db()
    assert activity.is_published

    # --- The admin posts an opportunity at the activity that requires the orientation. ---
    opportunity_form = f"/organisations/{slug}/opportunities/new/"
    page.goto(live_server.url + opportunity_form)
    form = page.locator("form.opportunity-form")
    form.locator("input[name=title]").fill(OPPORTUNITY)
    form.locator("textarea[name=description]").fill("受付と、子どもたちの見守りをお願いします。")
    form.locator("select[name=activity]").select_option(label=ACTIVITY)
    form.locator("input[name=when]").fill("毎週水曜日 13:30〜17:30")
    form.locator("input[name=places]").fill("3")
    form.locator("select[name=municipality]").select_option(label="明石市")
    form.locator("select[name=required_course_kind]").select_option("orientation")
    form.locator("button[type=submit]").click()
    expect(page.locator(".messages .message-success")).to_be_visible()
    opportunity = Opportunity.objects.get(organisation=organisation, title=OPPORTUNITY)
    assert (opportunity.activity, opportunity.required_course_kind) == (activity, "orientation")
    assert opportunity.status == "open"

    # --- A resident finds the activity by municipality, on a phone. ---
    resident = new_page()
    resident.goto(live_server.url + "/activities/")
    resident.locator("select[name=municipality]").select_option(label="明石市")
    resident.locator("form.activity-filter button[type=submit]").click()
    expect(resident).to_have_url(re.compile(rf"/activities/\?.*municipality={akashi.pk}"))
    found = resident.locator(".activity-card").filter(has_text=ACTIVITY)
    expect(found).to_have_count(1)
    expect(found).to_contain_text("毎週水曜日 14:00〜17:00")
    expect(found.locator("a.map-link")).to_have_attribute(
        "href", re.compile(r"^https://www\.google\.com/maps/search/")
    )
    axe(resident, "activity finder with the new activity")

    # --- The demo volunteer, without the orientation, is told which course to take. ---
    detail = f"/opportunities/{opportunity.pk}/"
    apply_action = f"/opportunities/{opportunity.pk}/apply/"
    untrained = new_page()
    sign_in(untrained, live_server, *DEMO_VOLUNTEER)
    untrained.goto(live_server.url + detail)
    expect(untrained.locator(".take-first a.training-link")).to_have_text(orientation.title)
    expect(untrained.locator(".apply-blocked")).to_be_visible()
    expect(untrained.locator(f"form[action='{apply_action}']")).to_have_count(0)
    axe(untrained, "opportunity, volunteer without the training")

    # --- A volunteer who completed the orientation applies in one tap. ---
    trained_user = UserFactory(email=TRAINED[0], full_name="明石 みのり", password=TRAINED[1])
    register(trained_user, municipality=akashi)
    complete(trained_user, orientation)
    trained = new_page()
    sign_in(trained, live_server, *TRAINED)
    trained.goto(live_server.url + "/opportunities/")
    card = trained.locator(f"#opportunity-{opportunity.pk}")
    expect(card).to_contain_text(OPPORTUNITY)
    card.locator(f"a[href='{detail}']").click()
    trained.locator(f"form[action='{apply_action}'] button[type=submit]").click()
    expect(trained.locator(".apply-area .application-status.status-applied")).to_be_visible()
    application = OpportunityApplication.objects.get(opportunity=opportunity, user=trained_user)
    assert application.status == "applied"
    assert not OpportunityApplication.objects.filter(
        opportunity=opportunity, user__email=DEMO_VOLUNTEER[0]
    ).exists()

    # --- The organisation accepts her. ---
    applicants = f"/organisations/{slug}/opportunities/{opportunity.pk}/applicants/"
    page.goto(live_server.url + applicants)
    applicant = page.locator(f"#applicant-{application.pk}")
    expect(applicant).to_contain_text("明石 みのり")
    axe(page, "applicants of the new organisation")
    applicant.locator("button.decide-accept").click()
    expect(page.locator(f"#applicant-{application.pk}")).to_have_class(
        "card applicant status-accepted"
    )
    application.refresh_from_db()
    assert (application.status, application.decided_by) == ("accepted", contact)
    assert OutboundEmail.objects.filter(
        recipient=TRAINED[0], template="opportunities/email/accepted"
    ).exists()
