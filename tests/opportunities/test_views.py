"""The opportunity pages: the public list (matching first, the course to take first), the
one-tap apply button, the volunteer's applications and hours, and the organisation admins'
pages.  Content is checked on the English pages (/en/), whose wording is the msgids."""

import datetime as dt

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation

from courses.models import CourseKind
from lms.models import OutboundEmail
from opportunities import services
from opportunities.models import HoursLog, Opportunity, OpportunityApplication
from organisations.models import Membership
from tests.factories import ActivityFactory, CoursePageFactory, CourseRunFactory, UserFactory
from tests.opportunities.conftest import complete, field, make_opportunity, place, volunteer
from volunteers.models import VolunteerHours

pytestmark = pytest.mark.django_db


def en(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"opportunities:{name}", args=args)


def english_date(day: dt.date) -> str:
    with translation.override("en"):
        return formats.date_format(day, "DATE_FORMAT")


def page_url(page) -> str:
    with translation.override("en"):
        return page.get_url()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# The public list -------------------------------------------------------------------------------


def test_the_list_is_public_and_says_which_course_to_take_first(client, org, orientation):
    opportunity = make_opportunity(org, required_course_kind=CourseKind.ORIENTATION)
    make_opportunity(org, title="誰でも参加できる清掃活動")
    next_run = orientation.runs.get()

    response = client.get(en("list"))

    assert response.status_code == 200
    html = response.content.decode()
    card = html[html.index(f'id="opportunity-{opportunity.pk}"') :]
    card = card[: card.index("</li>")]
    assert "Take this course first:" in card
    assert f'href="{page_url(orientation)}"' in card
    assert "はじめてのボランティア・オリエンテーション" in card
    assert f'Next run starts on <time datetime="{next_run.starts_on:%Y-%m-%d}">' in card
    assert english_date(next_run.starts_on) in card
    assert "No training required" in html  # the other one
    assert "Sign in to see the opportunities that suit you" in html


def test_closed_ended_and_unlisted_opportunities_are_not_listed(client, org, other_org):
    make_opportunity(org, title="募集中の活動")
    make_opportunity(org, title="締め切った活動", status="closed")
    make_opportunity(
        org, title="終わった活動", starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2020, 1, 2)
    )
    other_org.is_listed = False
    other_org.save()
    make_opportunity(other_org, title="非公開団体の活動")

    html = client.get(en("list")).content.decode()

    assert "募集中の活動" in html
    for hidden in ("締め切った活動", "終わった活動", "非公開団体の活動"):
        assert hidden not in html


def test_a_volunteer_sees_the_opportunities_matching_them_first(client, org, other_org):
    profile = volunteer(fields=[field("child-rearing")])  # Himeji, weekdays, daytime
    near = make_opportunity(
        org,
        title="姫路の平日昼の見守り",
        fields=[field("child-rearing")],
        weekdays=True,
        daytime=True,
    )
    far = make_opportunity(other_org, title="尼崎の商店街イベント", municipality=place("28202"))
    client.force_login(profile.user)

    response = client.get(en("list"))

    board = response.context["board"]
    assert (board.matching, board.others) == ([near], [far])
    html = response.content.decode()
    assert (
        html.index("Matching you")
        < html.index("姫路の平日昼の見守り")
        < html.index("Other opportunities")
        < html.index("尼崎の商店街イベント")
    )
    assert "Near you" in html and "When you are free" in html


def test_the_list_costs_the_same_queries_for_3_and_30_opportunities(client, org, other_org):
    """The board fetches organisations, places, fields, required courses with their next run,
    the volunteer's completions and applications in bulk: the number of queries does not grow
    with the number of opportunities."""
    profile = volunteer()
    client.force_login(profile.user)
    courses = [CoursePageFactory(kind=CourseKind.ORIENTATION) for _ in range(3)]
    for course in courses:
        CourseRunFactory(course=course)
    complete(profile.user, courses[0])

    def add(count: int) -> None:
        for index in range(count):
            requirement = [
                {},
                {"required_course_kind": CourseKind.ORIENTATION},
                {"required_course": courses[index % 3]},
                {"required_course_kind": CourseKind.LEADER_MODULE},
            ][index % 4]
            opportunity = make_opportunity(
                org if index % 2 else other_org,
                title=f"活動{index}",
                fields=[field("child-rearing"), field("volunteering")],
                weekdays=bool(index % 3),
                **requirement,
            )
            if index % 5 == 0:
                OpportunityApplication.objects.create(opportunity=opportunity, user=profile.user)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(en("list")).status_code == 200
        return len(queries)

    add(3)
    client.get(en("list"))  # warm the site root paths cache
    few = count_queries()
    add(27)
    assert Opportunity.objects.count() == 30
    assert count_queries() == few


# One opportunity and applying ------------------------------------------------------------------


def test_the_detail_offers_the_one_tap_button_only_to_a_qualified_volunteer(
    client, org, orientation
):
    opportunity = make_opportunity(org, required_course=orientation)
    apply_action = f'action="{en("apply", opportunity.pk)}"'
    url = en("detail", opportunity.pk)

    html = client.get(url).content.decode()
    assert "Sign in to apply" in html and apply_action not in html

    client.force_login(UserFactory())
    html = client.get(url).content.decode()
    assert "To apply, sign up as a volunteer first." in html and apply_action not in html

    profile = volunteer()
    client.force_login(profile.user)
    html = client.get(url).content.decode()
    assert apply_action not in html
    assert "You can apply once you have completed the training above." in html
    assert f'href="{page_url(orientation)}"' in html

    complete(profile.user, orientation)
    html = client.get(url).content.decode()
    assert apply_action in html
    assert "You have completed the training this needs." in html


def test_applying_on_the_page_and_tapping_twice(client, org, admin):
    opportunity = make_opportunity(org)
    profile = volunteer()
    client.force_login(profile.user)

    first = client.post(
        en("apply", opportunity.pk), {"message": "よろしくお願いします。"}, follow=True
    )

    assert first.redirect_chain == [(en("detail", opportunity.pk), 302)]
    assert messages_of(first) == [
        f"Thank you: you have applied. {org.name} will let you know by email."
    ]
    assert "Status: <strong>Applied</strong>" in first.content.decode()
    application = OpportunityApplication.objects.get()
    assert (application.user, application.message) == (profile.user, "よろしくお願いします。")

    second = client.post(en("apply", opportunity.pk), {"message": "二回目"}, follow=True)

    assert messages_of(second) == ["You have already applied for this opportunity."]
    assert OpportunityApplication.objects.get().message == "よろしくお願いします。"


def test_applying_without_the_training_names_the_course_and_creates_nothing(
    client, org, orientation
):
    opportunity = make_opportunity(org, required_course_kind=CourseKind.ORIENTATION)
    client.force_login(volunteer().user)

    response = client.post(en("apply", opportunity.pk), follow=True)

    assert messages_of(response) == [
        "To apply, first complete a course of the kind “Volunteer orientation”, for example "
        "“はじめてのボランティア・オリエンテーション”."
    ]
    assert not OpportunityApplication.objects.exists()


def test_tampered_opportunity_ids_apply_to_nothing(client, org, other_org):
    closed = make_opportunity(org, status="closed")
    other_org.is_listed = False
    other_org.save()
    unlisted = make_opportunity(other_org)
    client.force_login(volunteer().user)

    assert client.post(en("apply", 999_999)).status_code == 404
    assert client.post(en("apply", unlisted.pk)).status_code == 404
    assert client.get(en("detail", unlisted.pk)).status_code == 404
    response = client.post(en("apply", closed.pk), follow=True)
    assert messages_of(response) == ["This opportunity is no longer taking applications."]
    assert client.get(en("apply", closed.pk)).status_code == 405
    assert not OpportunityApplication.objects.exists()


def test_applying_needs_a_signed_in_person(client, org):
    opportunity = make_opportunity(org)
    response = client.post(en("apply", opportunity.pk))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert not OpportunityApplication.objects.exists()


# The volunteer's own page and hours ------------------------------------------------------------


def _accepted_application(org, admin):
    opportunity = make_opportunity(org)
    profile = volunteer()
    application = services.application_submit(opportunity=opportunity, user=profile.user)
    application = services.application_decide(
        application=application, decision="accepted", by=admin
    )
    return application, profile


def test_the_volunteer_logs_hours_and_the_organisation_confirms_them_once(client, org, admin):
    application, profile = _accepted_application(org, admin)
    client.force_login(profile.user)
    html = client.get(en("mine")).content.decode()
    assert f'action="{en("log_hours", application.pk)}"' in html
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    prefix = f"log-{application.pk}"

    response = client.post(
        en("log_hours", application.pk),
        {
            f"{prefix}-date": yesterday.isoformat(),
            f"{prefix}-minutes": "150",
            f"{prefix}-what": "配膳",
        },
        follow=True,
    )

    assert messages_of(response) == ["Your hours are logged. The organisation will confirm them."]
    log = HoursLog.objects.get()
    assert (log.date, log.minutes, log.what, log.status) == (yesterday, 150, "配膳", "pending")
    assert "Waiting for confirmation" in response.content.decode()

    client.force_login(admin)
    applicants = client.get(en("applicants", org.slug, application.opportunity_id))
    assert f'action="{en("review_hours", org.slug, log.pk)}"' in applicants.content.decode()
    for _tap in range(2):
        response = client.post(
            en("review_hours", org.slug, log.pk), {"action": "confirm"}, follow=True
        )
        assert messages_of(response) == ["The hours are confirmed."]
    hours = VolunteerHours.objects.get()
    assert (hours.profile, hours.minutes, hours.recorded_by) == (profile, 150, admin)


def test_bad_hours_are_explained_and_nothing_is_logged(client, org, admin):
    application, profile = _accepted_application(org, admin)
    client.force_login(profile.user)
    prefix = f"log-{application.pk}"
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    response = client.post(
        en("log_hours", application.pk),
        {f"{prefix}-date": tomorrow.isoformat(), f"{prefix}-minutes": "9999", f"{prefix}-what": ""},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "The date cannot be in the future." in html
    assert "Say briefly what you did." in html
    assert "Select a valid choice." in html
    assert not HoursLog.objects.exists()


def test_hours_cannot_be_logged_before_acceptance(client, org):
    profile = volunteer()
    application = services.application_submit(opportunity=make_opportunity(org), user=profile.user)
    client.force_login(profile.user)
    prefix = f"log-{application.pk}"
    response = client.post(
        en("log_hours", application.pk),
        {
            f"{prefix}-date": timezone.localdate().isoformat(),
            f"{prefix}-minutes": "60",
            f"{prefix}-what": "配膳",
        },
        follow=True,
    )
    assert messages_of(response) == [
        "Hours can be logged only for an opportunity you were accepted for."
    ]
    assert not HoursLog.objects.exists()


def test_a_volunteer_withdraws_from_their_page(client, org):
    profile = volunteer()
    application = services.application_submit(opportunity=make_opportunity(org), user=profile.user)
    client.force_login(profile.user)

    response = client.post(en("withdraw", application.pk), follow=True)

    assert messages_of(response) == ["Your application is withdrawn."]
    application.refresh_from_db()
    assert application.status == "withdrawn"
    response = client.post(en("withdraw", application.pk), follow=True)
    assert messages_of(response) == ["This application can no longer be withdrawn."]


def test_my_page_without_applications_points_to_the_list(client):
    client.force_login(UserFactory())
    html = client.get(en("mine")).content.decode()
    assert "You have not applied for any opportunity yet." in html
    assert f'href="{en("list")}"' in html


# Organisation admins ---------------------------------------------------------------------------


def _post_data(org, **overrides) -> dict:
    return {
        "title": "夏休み子ども食堂の配膳",
        "description": "配膳と片付け、子どもの見守りをお願いします。",
        "activity": "",
        "when": "8月の毎週土曜日 16:30〜19:00",
        "starts_on": "2026-08-01",
        "ends_on": "2026-08-29",
        "places": "3",
        "municipality": str(org.municipality_id),
        "fields": [str(field("child-rearing").pk)],
        "weekends": "on",
        "evening": "on",
        "required_course_kind": CourseKind.ORIENTATION,
        "required_course": "",
        **overrides,
    }


def test_an_admin_posts_an_opportunity(client, org, admin):
    activity = ActivityFactory(organisation=org)
    client.force_login(admin)
    assert client.get(en("new", org.slug)).status_code == 200

    response = client.post(en("new", org.slug), _post_data(org, activity=str(activity.pk)))

    opportunity = Opportunity.objects.get()
    assert response.url == en("applicants", org.slug, opportunity.pk)
    assert (opportunity.organisation, opportunity.activity, opportunity.created_by) == (
        org,
        activity,
        admin,
    )
    assert (opportunity.places, opportunity.required_course_kind, opportunity.status) == (
        3,
        "orientation",
        "open",
    )
    assert (opportunity.weekends, opportunity.evening, opportunity.weekdays) == (True, True, False)
    assert list(opportunity.fields.all()) == [field("child-rearing")]


def test_posting_bad_input_explains_it_and_creates_nothing(
    client, org, other_org, admin, orientation
):
    theirs = ActivityFactory(organisation=other_org)
    client.force_login(admin)

    response = client.post(
        en("new", org.slug),
        _post_data(
            org,
            activity=str(theirs.pk),
            required_course=str(orientation.pk),
            starts_on="2026-08-29",
            ends_on="2026-08-01",
            places="0",
        ),
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "Select a valid choice" in errors["activity"][0]
    assert errors["required_course"] == [
        "Choose either a kind of course or one specific course, not both."
    ]
    assert errors["ends_on"] == ["The last day cannot be before the first day."]
    assert "places" in errors
    assert not Opportunity.objects.exists()


def test_an_admin_edits_and_closes_an_opportunity(client, org, admin):
    opportunity = make_opportunity(org)
    client.force_login(admin)
    assert client.get(en("edit", org.slug, opportunity.pk)).status_code == 200

    client.post(
        en("edit", org.slug, opportunity.pk),
        _post_data(org, title="新しい題", status="closed", required_course_kind=""),
    )

    opportunity.refresh_from_db()
    assert (opportunity.title, opportunity.status, opportunity.organisation) == (
        "新しい題",
        "closed",
        org,
    )


def test_an_admin_accepts_on_the_applicants_page_and_the_volunteer_is_told(
    client, org, admin, django_capture_on_commit_callbacks
):
    opportunity = make_opportunity(org, places=1)
    first, second = volunteer(), volunteer()
    one = services.application_submit(opportunity=opportunity, user=first.user)
    two = services.application_submit(opportunity=opportunity, user=second.user)
    client.force_login(admin)

    html = client.get(en("applicants", org.slug, opportunity.pk)).content.decode()
    assert first.user.get_full_name() in html and second.user.get_full_name() in html
    assert "0 of 1 place filled" in html
    assert 'name="beyond_places"' not in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            en("decide", org.slug, one.pk), {"decision": "accepted"}, follow=True
        )

    assert messages_of(response) == [
        f"{first.user.get_full_name()}: Accepted. They have been told by email."
    ]
    assert OutboundEmail.objects.get(recipient=first.user.email).template == (
        "opportunities/email/accepted"
    )
    html = response.content.decode()
    assert "1 of 1 place filled" in html
    assert f'id="beyond-{two.pk}"' in html  # the second can be accepted only with the tick

    response = client.post(en("decide", org.slug, two.pk), {"decision": "accepted"}, follow=True)
    assert "The 1 place is already filled." in messages_of(response)[0]
    two.refresh_from_db()
    assert two.status == "applied"

    response = client.post(en("decide", org.slug, two.pk), {"decision": "bogus"}, follow=True)
    assert messages_of(response) == ["Choose to accept, decline or put on the waiting list."]
    two.refresh_from_db()
    assert two.status == "applied"


def test_the_dashboard_section_shows_counts_and_admin_links(org, admin):
    opportunity = make_opportunity(org, places=2)
    services.application_submit(opportunity=opportunity, user=volunteer().user)
    membership = Membership.objects.get(user=admin)

    with translation.override("en"):
        as_admin = render_to_string(
            "opportunities/includes/dashboard_opportunities.html",
            {"organisation": org, "membership": membership, "is_admin": True},
        )
        as_member = render_to_string(
            "opportunities/includes/dashboard_opportunities.html",
            {"organisation": org, "membership": membership, "is_admin": False},
        )

    assert "1 applicant" in as_admin and "0 of 2 places filled" in as_admin
    assert "1 to review" in as_admin
    assert f'href="{en("applicants", org.slug, opportunity.pk)}"' in as_admin
    assert f'href="{en("new", org.slug)}"' in as_admin
    assert "1 applicant" in as_member
    assert en("applicants", org.slug, opportunity.pk) not in as_member
    assert en("new", org.slug) not in as_member
