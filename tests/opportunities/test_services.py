"""Volunteer opportunities (issue #12, item 4): who holds the required training, applying in
one tap (once, only while open), decisions with emails and the placement in the stage
history, hours logged by the volunteer and confirmed once by the organisation."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from courses.models import CourseKind
from lms.models import OutboundEmail
from opportunities import selectors, services
from opportunities.models import (
    ApplicationStatus,
    HoursLog,
    Opportunity,
    OpportunityApplication,
    OpportunityStatus,
)
from tests.factories import (
    ActivityFactory,
    CoursePageFactory,
    CourseRunFactory,
    EnrolmentFactory,
    UserFactory,
)
from tests.opportunities.conftest import (
    complete,
    field,
    make_opportunity,
    member_of,
    place,
    volunteer,
)
from volunteers.models import Stage, StageChange, VolunteerHours

pytestmark = pytest.mark.django_db


def holds(user, opportunity) -> bool:
    return selectors.holds_required_training(
        opportunity=opportunity, completions=selectors.completions_of(user=user)
    )


def apply(opportunity, user, message=""):
    with translation.override("en"):
        return services.application_submit(opportunity=opportunity, user=user, message=message)


def decide(application, decision, by, **kwargs):
    with translation.override("en"):
        return services.application_decide(
            application=application, decision=decision, by=by, **kwargs
        )


# Qualification ---------------------------------------------------------------------------------


def test_a_completed_course_of_the_required_kind_qualifies(org):
    opportunity = make_opportunity(org, required_course_kind=CourseKind.ORIENTATION)
    person = UserFactory()
    assert not holds(person, opportunity)

    EnrolmentFactory(  # a seat in an orientation run is not a completion
        run=CourseRunFactory(course=CoursePageFactory(kind=CourseKind.ORIENTATION)), user=person
    )
    complete(person, kind=CourseKind.GENERAL)  # a completion of another kind is not either
    assert not holds(person, opportunity)

    complete(person, kind=CourseKind.ORIENTATION)
    assert holds(person, opportunity)


def test_a_specific_course_qualifies_only_itself(org, orientation):
    opportunity = make_opportunity(org, required_course=orientation)
    person = UserFactory()

    complete(person, kind=CourseKind.ORIENTATION)  # another orientation course
    assert not holds(person, opportunity)

    complete(person, orientation)  # any run of the course itself
    assert holds(person, opportunity)


def test_an_opportunity_without_requirement_needs_no_training(org):
    assert holds(UserFactory(), make_opportunity(org))


def test_an_opportunity_cannot_require_a_kind_and_a_course(org, orientation):
    opportunity = Opportunity(
        organisation=org,
        title="t",
        description="d",
        when="w",
        municipality=org.municipality,
        required_course_kind=CourseKind.ORIENTATION,
        required_course=orientation,
    )
    with pytest.raises(ValidationError) as error:
        opportunity.full_clean()
    assert "required_course" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        opportunity.save()  # the check constraint holds even without full_clean
    assert not Opportunity.objects.exists()


def test_an_opportunity_can_only_name_its_own_organisations_activity(org, other_org, admin):
    theirs = ActivityFactory(organisation=other_org)
    with pytest.raises(ValidationError) as error:
        services.opportunity_create(
            organisation=org,
            by=admin,
            data={
                "title": "t",
                "description": "d",
                "when": "w",
                "municipality": org.municipality,
                "activity": theirs,
            },
        )
    assert "activity" in error.value.message_dict
    assert not Opportunity.objects.exists()


# Applying --------------------------------------------------------------------------------------


def test_without_the_training_applying_names_the_course_and_creates_nothing(org, orientation):
    opportunity = make_opportunity(org, required_course_kind=CourseKind.ORIENTATION)
    profile = volunteer()

    with pytest.raises(services.OpportunityError) as error:
        apply(opportunity, profile.user)

    assert "はじめてのボランティア・オリエンテーション" in str(error.value)
    assert "Volunteer orientation" in str(error.value)
    assert not OpportunityApplication.objects.exists()


def test_without_the_required_course_applying_names_that_course(org, orientation):
    opportunity = make_opportunity(org, required_course=orientation)
    with pytest.raises(services.OpportunityError) as error:
        apply(opportunity, volunteer().user)
    assert str(error.value) == (
        "To apply, first complete the course “はじめてのボランティア・オリエンテーション”."
    )


def test_with_the_training_one_tap_applies_and_tells_the_admins(
    org, admin, orientation, django_capture_on_commit_callbacks
):
    opportunity = make_opportunity(org, required_course_kind=CourseKind.ORIENTATION)
    member_of(org, role="member")  # members are not told
    profile = volunteer()
    complete(profile.user, orientation)

    with django_capture_on_commit_callbacks(execute=True):
        application = apply(opportunity, profile.user, message="土曜日なら毎週行けます。")

    assert (application.status, application.message) == ("applied", "土曜日なら毎週行けます。")
    (mail,) = OutboundEmail.objects.all()
    assert (mail.recipient, mail.template) == (
        admin.email,
        "opportunities/email/new_application",
    )
    assert f"/organisations/{org.slug}/opportunities/{opportunity.pk}/applicants/" in (
        mail.body_text
    )
    assert profile.user.get_full_name() in mail.body_text


def test_a_second_tap_changes_nothing_and_says_so(org):
    opportunity = make_opportunity(org)
    profile = volunteer()
    first = apply(opportunity, profile.user, message="最初")

    with pytest.raises(services.OpportunityError) as error:
        apply(opportunity, profile.user, message="二回目")

    assert str(error.value) == "You have already applied for this opportunity."
    again = OpportunityApplication.objects.get()
    assert (again.pk, again.message, again.updated_at) == (first.pk, "最初", first.updated_at)


def test_the_database_refuses_a_second_application_row(org):
    opportunity = make_opportunity(org)
    person = volunteer().user
    OpportunityApplication.objects.create(opportunity=opportunity, user=person)
    with pytest.raises(IntegrityError), transaction.atomic():
        OpportunityApplication.objects.create(opportunity=opportunity, user=person)


@pytest.mark.parametrize(
    "state",
    [
        {"status": OpportunityStatus.CLOSED},
        {"ends_on": dt.date(2020, 1, 31), "starts_on": dt.date(2020, 1, 1)},
    ],
    ids=["closed", "ended"],
)
def test_a_closed_or_ended_opportunity_takes_no_application(org, state):
    opportunity = make_opportunity(org, **state)
    with pytest.raises(services.OpportunityError) as error:
        apply(opportunity, volunteer().user)
    assert str(error.value) == "This opportunity is no longer taking applications."
    assert not OpportunityApplication.objects.exists()


def test_only_registered_volunteers_apply(org):
    with pytest.raises(services.OpportunityError) as error:
        apply(make_opportunity(org), UserFactory())
    assert str(error.value) == "Please sign up as a volunteer before applying."
    assert not OpportunityApplication.objects.exists()


def test_a_withdrawn_application_can_be_made_again(org):
    opportunity = make_opportunity(org)
    person = volunteer().user
    application = apply(opportunity, person)
    services.application_withdraw(application=application)

    again = apply(opportunity, person, message="やはり参加したいです。")

    assert again.pk == application.pk
    assert (again.status, again.message) == ("applied", "やはり参加したいです。")


# Decisions -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "decision, subject",
    [
        ("accepted", "You are accepted: 子ども食堂の配膳ボランティア"),
        ("declined", "About your application: 子ども食堂の配膳ボランティア"),
        ("waitlisted", "On the waiting list: 子ども食堂の配膳ボランティア"),
    ],
)
def test_each_decision_is_recorded_and_emailed_to_the_volunteer(
    org, admin, decision, subject, django_capture_on_commit_callbacks
):
    opportunity = make_opportunity(org)
    person = volunteer().user
    person.preferred_language = "en"
    person.save()
    application = apply(opportunity, person)

    with django_capture_on_commit_callbacks(execute=True):
        decide(application, decision, admin, note="当日は10分前に集合です。")

    application.refresh_from_db()
    assert (application.status, application.decided_by) == (decision, admin)
    assert application.decided_at is not None
    assert (application.accepted_at is not None) == (decision == "accepted")
    mail = OutboundEmail.objects.get(recipient=person.email)
    assert (mail.template, mail.subject, mail.language) == (
        f"opportunities/email/{decision}",
        subject,
        "en",
    )
    assert "当日は10分前に集合です。" in mail.body_text


def test_accepting_a_volunteer_in_training_makes_them_active_with_the_placement(org, admin):
    opportunity = make_opportunity(org)
    profile = volunteer(stage=Stage.TRAINING)
    application = apply(opportunity, profile.user)

    decide(application, "accepted", admin)

    profile.refresh_from_db()
    assert profile.stage == Stage.ACTIVE
    change = StageChange.objects.filter(profile=profile).latest("pk")
    assert (change.from_stage, change.to_stage, change.changed_by) == ("training", "active", admin)
    assert "子ども食堂の配膳ボランティア" in change.note and org.name in change.note


def test_accepting_an_active_volunteer_keeps_the_stage_and_records_the_placement(org, admin):
    opportunity = make_opportunity(org)
    profile = volunteer(stage=Stage.ACTIVE)
    history = StageChange.objects.filter(profile=profile).count()

    application = decide(apply(opportunity, profile.user), "accepted", admin)

    profile.refresh_from_db()
    assert profile.stage == Stage.ACTIVE
    assert StageChange.objects.filter(profile=profile).count() == history
    assert application.accepted_at is not None


def test_accepting_beyond_the_places_needs_confirmation(org, admin):
    opportunity = make_opportunity(org, places=1)
    first = apply(opportunity, volunteer().user)
    second = apply(opportunity, volunteer().user)
    decide(first, "accepted", admin)

    with pytest.raises(services.OpportunityError) as error:
        decide(second, "accepted", admin)
    assert "The 1 place is already filled" in str(error.value)
    second.refresh_from_db()
    assert second.status == "applied" and second.decided_at is None

    decide(second, "accepted", admin, beyond_places=True)
    assert opportunity.applications.filter(status="accepted").count() == 2


def test_a_decision_already_made_or_on_a_withdrawn_application_changes_nothing(org, admin):
    opportunity = make_opportunity(org)
    application = decide(apply(opportunity, volunteer().user), "waitlisted", admin)
    with pytest.raises(services.OpportunityError):
        decide(application, "waitlisted", admin)

    services.application_withdraw(application=application)
    with pytest.raises(services.OpportunityError) as error:
        decide(application, "accepted", admin)
    assert str(error.value) == "The volunteer has withdrawn this application."
    application.refresh_from_db()
    assert application.status == "withdrawn" and application.accepted_at is None


def test_an_unknown_decision_is_refused(org, admin):
    application = apply(make_opportunity(org), volunteer().user)
    with pytest.raises(services.OpportunityError):
        decide(application, "withdrawn", admin)
    application.refresh_from_db()
    assert application.status == "applied"


# Hours -----------------------------------------------------------------------------------------


def _accepted(org, admin, **profile):
    opportunity = make_opportunity(org)
    person = volunteer(**profile)
    return decide(apply(opportunity, person.user), "accepted", admin), person


def test_hours_logged_and_confirmed_become_volunteering_hours_once(org, admin):
    application, profile = _accepted(org, admin)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    log = services.hours_log(
        application=application, date=yesterday, minutes=150, what="配膳と片付け"
    )
    assert (log.status, VolunteerHours.objects.count()) == ("pending", 0)

    services.hours_confirm(log=log, by=admin)
    services.hours_confirm(log=log, by=admin)  # a second tap (or a retry) adds nothing

    entry = VolunteerHours.objects.get()
    assert (entry.profile, entry.date, entry.minutes, entry.recorded_by) == (
        profile,
        yesterday,
        150,
        admin,
    )
    assert "子ども食堂の配膳ボランティア" in entry.activity and "配膳と片付け" in entry.activity
    log.refresh_from_db()
    assert (log.status, log.confirmed_by, log.volunteer_hours) == ("confirmed", admin, entry)


def test_declined_hours_are_not_recorded_and_cannot_be_confirmed_later(org, admin):
    application, _profile = _accepted(org, admin)
    log = services.hours_log(
        application=application, date=timezone.localdate(), minutes=60, what="見守り"
    )
    services.hours_decline(log=log, by=admin, note="この日は活動がありませんでした。")

    with pytest.raises(services.OpportunityError):
        services.hours_confirm(log=log, by=admin)
    log.refresh_from_db()
    assert (log.status, log.declined_note) == ("declined", "この日は活動がありませんでした。")
    assert not VolunteerHours.objects.exists()


def test_hours_are_logged_only_for_an_accepted_placement_and_not_in_the_future(org, admin):
    opportunity = make_opportunity(org)
    application = apply(opportunity, volunteer().user)
    with pytest.raises(services.OpportunityError), translation.override("en"):
        services.hours_log(
            application=application, date=timezone.localdate(), minutes=60, what="配膳"
        )
    application = decide(application, "accepted", admin)
    with pytest.raises(services.OpportunityError):
        services.hours_log(
            application=application,
            date=timezone.localdate() + dt.timedelta(days=1),
            minutes=60,
            what="配膳",
        )
    with pytest.raises(ValidationError):
        services.hours_log(
            application=application, date=timezone.localdate(), minutes=24 * 60 + 1, what="x"
        )
    assert not HoursLog.objects.exists()


# Matching --------------------------------------------------------------------------------------


def test_matching_uses_the_city_fields_and_times(org):
    kobe_chuo = place("28110")
    profile = volunteer(
        municipality=kobe_chuo,
        fields=[field("child-rearing")],
        weekdays=False,
        weekends=True,
        daytime=False,
        evening=True,
    )
    profile = selectors.volunteer_profile_of(profile.user)

    def reasons(**data):
        opportunity = make_opportunity(org, **data)
        opportunity = selectors._public_base().get(pk=opportunity.pk)
        return selectors.match_reasons(opportunity=opportunity, profile=profile)

    everything = {"fields": [field("child-rearing")], "weekends": True, "evening": True}
    with translation.override("en"):
        assert len(reasons(municipality=place("28100"), **everything)) == 3  # Kobe city
        assert len(reasons(municipality=place("28102"), **everything)) == 3  # another ward
        assert reasons(municipality=place("28201"), **everything) == [  # Himeji
            "In your fields",
            "When you are free",
        ]
        assert reasons(municipality=kobe_chuo, fields=[field("hikikomori")]) == [
            "Near you",
            "When you are free",
        ]  # no time asked for: any time suits
        assert reasons(municipality=kobe_chuo, weekdays=True, evening=True) == [
            "Near you",
            "In your fields",
        ]  # evenings, but on weekdays only


# Personal data ---------------------------------------------------------------------------------


def test_withdrawing_from_the_platform_withdraws_applications_and_removes_messages(org, admin):
    opportunity = make_opportunity(org)
    person = volunteer().user
    apply(opportunity, person, message="電話番号は090-0000-0000です。")

    services.opportunities_erase(user=person)

    application = OpportunityApplication.objects.get()
    assert (application.status, application.message) == ("withdrawn", "")


def test_my_data_lists_my_applications(org, client):
    from django.apps import apps

    person = volunteer().user
    apply(make_opportunity(org), person, message="よろしくお願いします。")

    data = apps.get_app_config("opportunities").personal_data(person)

    (entry,) = data["volunteer_opportunities"]
    assert (entry["opportunity"], entry["status"], entry["message"]) == (
        "子ども食堂の配膳ボランティア",
        ApplicationStatus.APPLIED,
        "よろしくお願いします。",
    )
