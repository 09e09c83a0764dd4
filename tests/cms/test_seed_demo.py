"""manage.py seed_demo: idempotent demo content and one account per role; never in production."""

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from wagtail.models import Page, Site

from cms.demo import DEMO_ACCOUNTS
from cms.models import CaseStudyPage, HomePage, NewsPage, Organisation
from courses import selectors
from courses.demo import DEMO_JOINT_PARTICIPANTS, DEMO_SEAT_POOLS
from courses.models import CourseRun, Enrolment, EnrolmentStatus
from lms import roles
from lms.models import User
from mentoring.demo import MENTEES as DEMO_MENTEES
from mentoring.demo import MENTORS as DEMO_MENTORS
from volunteers.demo import PEOPLE as DEMO_VOLUNTEERS

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "home": HomePage.objects.count(),
        "pages": Page.objects.count(),
        "news": NewsPage.objects.count(),
        "case_studies": CaseStudyPage.objects.count(),
        "organisations": Organisation.objects.count(),
        "users": User.objects.count(),
        "emails": EmailAddress.objects.count(),
        "sites": Site.objects.count(),
    }


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_runs_twice_without_duplicating_anything():
    _seed()
    first = _counts()

    _seed()

    assert _counts() == first
    assert first["home"] == 2  # Japanese and its English translation
    assert first["organisations"] == 6
    assert first["news"] == 6  # three items, each in two languages
    # One account per role, plus the demo courses' participants (courses.demo), the demo
    # volunteers (volunteers.demo) and the mentors and mentees besides the demo mentor and
    # supporter (mentoring.demo).
    assert first["users"] == (
        len(DEMO_ACCOUNTS)
        + 5
        + len(DEMO_JOINT_PARTICIPANTS)
        + len(DEMO_VOLUNTEERS)
        + len(DEMO_MENTORS)
        - 1
        + len(DEMO_MENTEES)
        - 1
        + 1  # the demo organisation admin (organisations.demo)
    )


def test_seed_demo_joint_training_has_reserved_seats_and_mixed_groups():
    _seed()

    run = CourseRun.objects.get(course__slug="joint-training-basic")
    assert [(p.name, p.seats) for p in run.seat_pools.order_by("sort_order")] == [
        (name, seats) for name, seats, _slugs in DEMO_SEAT_POOLS
    ]
    seated = Enrolment.objects.filter(run=run, status=EnrolmentStatus.ENROLLED)
    assert seated.count() == len(DEMO_JOINT_PARTICIPANTS)
    assert seated.filter(seat_pool__isnull=False).exists()
    groups = selectors.breakout_groups_for_run(run=run)["groups"]
    assert [len(group["members"]) for group in groups] == [6, 6, 6]
    # The two colleagues from 神戸市社会福祉協議会 sit in different groups.
    assert all("organisation" not in group["report"].clashes for group in groups)


def test_seed_demo_creates_one_verified_account_per_role(client):
    output = _seed()

    for account in DEMO_ACCOUNTS:
        user = User.objects.get(email=account.email)
        assert user.check_password(account.password)
        assert user.full_name == account.full_name
        assert EmailAddress.objects.get(user=user).verified is True
        assert user.is_superuser is account.is_superuser
        assert account.email in output
        if account.group:
            assert list(user.groups.values_list("name", flat=True)) == [account.group]
    editor = User.objects.get(groups__name=roles.CONTENT_EDITORS)
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200
    supporter = User.objects.get(email="supporter@demo.hyogo.example")
    assert supporter.groups.count() == 0
    assert (
        client.post(
            "/accounts/login/", {"login": supporter.email, "password": "demo-supporter-2026"}
        ).status_code
        == 302
    )


def test_seed_demo_site_serves_the_home_page_and_directory(client):
    _seed()

    home = client.get("/")
    english = client.get("/en/")
    directory = client.get("/organisations/")

    assert "すべての人に居場所がある、兵庫へ" in home.content.decode()
    assert english.status_code == 200
    assert '<html lang="en">' in english.content.decode()
    assert len(directory.context["organisations"]) == 6
    assert Site.objects.get(is_default_site=True).root_page.specific.__class__ is HomePage


def test_seed_demo_refuses_in_production(settings):
    settings.IS_PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        _seed()

    assert Organisation.objects.count() == 0
    assert not User.objects.filter(email__endswith="@demo.hyogo.example").exists()


def test_seed_demo_has_attendance_by_every_method_and_each_completion_state():
    from courses.demo import ATTENDANCE_COURSE_SLUG, CURRENT_RUN_TITLE, PAST_RUN_TITLE
    from courses.models import Attendance, AttendanceEvidence, CompletionState

    _seed()
    _seed()  # idempotent

    runs = CourseRun.objects.filter(course__slug=ATTENDANCE_COURSE_SLUG)
    assert runs.count() == 3
    past = runs.get(title=PAST_RUN_TITLE)
    current = runs.get(title=CURRENT_RUN_TITLE)
    past_states = list(past.enrolments.values_list("completion", flat=True))
    assert past_states.count(CompletionState.COMPLETED) == 5  # the demo supporter among them
    assert past_states.count(CompletionState.NOT_POSSIBLE) == 1
    assert past.enrolments.filter(status=EnrolmentStatus.COMPLETED).count() == 5
    assert set(Attendance.objects.filter(session__run=past).values_list("evidence", flat=True)) == {
        AttendanceEvidence.QR,
        AttendanceEvidence.ONLINE_CODE,
        AttendanceEvidence.STAFF,
        AttendanceEvidence.APOLOGY,
    }
    current_states = list(current.enrolments.values_list("completion", flat=True))
    assert current_states.count(CompletionState.ON_TRACK) == 7
    assert current_states.count(CompletionState.NOT_POSSIBLE) == 1
    assert current.enrolments.filter(user__email="supporter@demo.hyogo.example").exists()
    follow_up = selectors.completion_follow_up_list()
    assert {e.run_id for e in follow_up} == {past.pk, current.pk}
    assert all(e.make_up_runs for e in follow_up if e.run_id == current.pk)


def test_seed_demo_has_the_supporters_certificate_a_revoked_and_a_superseded_one():
    from certificates.models import Certificate, CertificateStatus

    _seed()
    _seed()  # idempotent

    mine = Certificate.objects.get(
        enrolment__user__email="supporter@demo.hyogo.example", status=CertificateStatus.VALID
    )
    assert mine.pdf and mine.holder_name == "兵庫 花子"
    statuses = list(Certificate.objects.values_list("status", flat=True))
    assert statuses.count(CertificateStatus.REVOKED) == 1
    assert statuses.count(CertificateStatus.SUPERSEDED) == 1
    assert statuses.count(CertificateStatus.VALID) == 4  # 5 completed, one revoked; reissue valid


def test_seed_demo_gives_the_supporter_a_feed_with_a_changed_and_a_cancelled_session(client):
    import icalendar

    from lms.services import calendar_feed_regenerate

    _seed()
    supporter = User.objects.get(email="supporter@demo.hyogo.example")
    token = calendar_feed_regenerate(user=supporter).token

    calendar = icalendar.Calendar.from_ical(client.get(f"/calendar/{token}.ics").content)

    events = list(calendar.walk("VEVENT"))
    statuses = [str(e["STATUS"]) for e in events]
    assert statuses.count("CANCELLED") == 1
    assert any(e["SEQUENCE"] >= 1 and str(e["STATUS"]) == "CONFIRMED" for e in events)
    assert len(events) >= 8  # the finished spring run and the run under way


def test_seed_demo_has_volunteers_in_every_stage_with_a_duplicate_and_a_leader_candidate(client):
    from volunteers import selectors
    from volunteers.models import PIPELINE, LikelyDuplicate, Stage, VolunteerProfile

    _seed()
    _seed()  # idempotent

    stages = set(VolunteerProfile.objects.values_list("stage", flat=True))
    assert set(PIPELINE) | {Stage.PAUSED} <= stages
    assert VolunteerProfile.objects.values("municipality").distinct().count() >= 8
    assert LikelyDuplicate.objects.filter(resolution="").count() == 1
    assert selectors.waiting_for_contact_default().count() >= 2
    candidates = {p.user.email for p in selectors.leader_candidates()}
    assert "v-kakogawa@demo.hyogo.example" in candidates
    nada = VolunteerProfile.objects.get(user__email="v-nada@demo.hyogo.example")
    assert [c.to_stage for c in nada.stage_changes.all()] == ["applied", "contacted", "orientation"]

    volunteer = User.objects.get(email="volunteer@demo.hyogo.example")
    client.force_login(volunteer)
    page = client.get("/volunteer/").content.decode()
    assert "次のステップ" in page and "オリエンテーション" in page
    assert "はじめてのボランティア・オリエンテーション" in page  # recommended


def test_seed_demo_has_an_organisation_admin_a_pending_change_and_an_application(client):
    from cms.models import Activity
    from organisations.demo import ORG_ADMIN
    from organisations.models import ActivityVersion, Membership, OrganisationApplication

    _seed()
    _seed()  # idempotent

    membership = Membership.objects.get(user__email=ORG_ADMIN[0])
    assert membership.role == "admin"
    assert ActivityVersion.objects.filter(status="pending").count() == 1
    assert OrganisationApplication.objects.filter(status="submitted").count() == 1
    assert Activity.objects.exclude(weekdays="").exists()
    client.post("/accounts/login/", {"login": ORG_ADMIN[0], "password": ORG_ADMIN[1]})
    page = client.get(f"/organisations/{membership.organisation.slug}/dashboard/")
    assert page.status_code == 200 and "食堂 結衣" in page.content.decode()
