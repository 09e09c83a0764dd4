"""bench.generate and manage.py generate_data: a small dataset (scale 0.002) with the scaled
counts, the same data from the same seed, every rule of the domain kept, the demo data left
alone, and pages that render."""

import datetime as dt
import itertools
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q

from bench.generate import (
    BENCH_DOMAIN,
    LEARNER_EMAIL,
    LEARNER_RUNS,
    dataset_digest,
    delete_generated,
    generate,
    generated_exists,
    generated_runs,
    generated_users,
    scaled_counts,
)
from certificates.models import Certificate, CertificateStatus, SerialCounter
from cms.models import Organisation
from courses import selectors
from courses.models import (
    Attendance,
    AttendanceChange,
    CoursePage,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Session,
)
from lms.models import User
from mentoring.models import CAPACITY_STATUSES, MentoringSession, MentorProfile, Pair
from volunteers.models import StageChange, VolunteerProfile

pytestmark = pytest.mark.django_db

SCALE = 0.002


def test_counts_follow_the_scale():
    expected = scaled_counts(SCALE)
    users = generated_users()

    generate(scale=SCALE)

    assert users.count() == expected["users"] == 100
    assert Organisation.objects.filter(slug__startswith="bench-").count() == 1
    assert CoursePage.objects.filter(slug__startswith="bench-").count() == expected["courses"]
    assert generated_runs().count() == expected["runs"]
    assert Session.objects.filter(run__in=generated_runs()).count() == expected["sessions"]
    assert Enrolment.objects.filter(run__in=generated_runs()).count() == expected["enrolments"]
    assert VolunteerProfile.objects.filter(user__in=users).count() == expected["volunteers"]
    assert Pair.objects.filter(mentee__in=users).count() == expected["pairs"]
    assert (
        MentoringSession.objects.filter(pair__mentee__in=users).count()
        == expected["mentoring_sessions"]
    )
    assert (
        Certificate.objects.filter(enrolment__run__in=generated_runs()).count()
        == expected["certificates"]
    )
    assert Attendance.objects.filter(session__run__in=generated_runs()).exists()


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    generate(scale=SCALE)
    first = dataset_digest()
    names = sorted(generated_users().values_list("email", "full_name", "full_name_kana"))

    delete_generated()
    assert not generated_exists()
    generate(scale=SCALE)

    assert dataset_digest() == first
    assert sorted(generated_users().values_list("email", "full_name", "full_name_kana")) == names
    delete_generated()
    generate(scale=SCALE, seed=7)
    assert dataset_digest() != first


def test_the_data_keeps_the_rules_of_the_domain():
    generate(scale=SCALE)
    runs = generated_runs()
    users = generated_users()

    # Never more seats taken than the run has; a waiting list only behind a full run.
    for run in runs.annotate(
        seated=Count(
            "enrolments", filter=Q(enrolments__status__in=["enrolled", "offered", "completed"])
        ),
        waiting=Count("enrolments", filter=Q(enrolments__status="waitlisted")),
    ):
        assert run.seated <= run.capacity
        assert not run.waiting or run.seated == run.capacity
        assert run.starts_on <= run.ends_on
        assert run.enrolment_opens_at < run.enrolment_closes_at
    enrolments = Enrolment.objects.filter(run__in=runs)
    assert not enrolments.filter(status="waitlisted", waitlisted_at=None).exists()
    # Attendance: people with a seat, sessions of their own run, each with its audit row.
    attendance = Attendance.objects.filter(session__run__in=runs)
    assert not attendance.exclude(enrolment__status__in=["enrolled", "completed"]).exists()
    assert not attendance.exclude(session__run=F("enrolment__run")).exists()
    assert AttendanceChange.objects.filter(attendance__in=attendance).count() == attendance.count()
    assert not enrolments.filter(status="completed", completed_at=None).exists()
    # Sessions are recorded as told (as staff's save of a run records them): nothing to announce.
    assert selectors.runs_with_unannounced_changes(now=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)) == []
    # Certificates: for completed enrolments, one current each, serials after the counter.
    certificates = Certificate.objects.filter(enrolment__run__in=runs)
    assert not certificates.exclude(enrolment__status=EnrolmentStatus.COMPLETED).exists()
    assert len(set(certificates.values_list("verification_code", flat=True))) == len(certificates)
    for counter in SerialCounter.objects.all():
        numbers = [
            int(serial.rsplit("-", 1)[1])
            for serial in certificates.filter(
                course_kind=counter.kind, issued_at__year=counter.year
            ).values_list("serial", flat=True)
        ]
        assert max(numbers, default=0) <= counter.last_number
    assert certificates.filter(status=CertificateStatus.VALID).exists()
    # Volunteers: the history starts with the sign-up and ends at the current stage.
    for profile in VolunteerProfile.objects.filter(user__in=users):
        history = list(StageChange.objects.filter(profile=profile).order_by("changed_at", "pk"))
        assert history[0].from_stage == "" and history[0].to_stage == "applied"
        assert history[-1].to_stage == profile.stage
        assert all(a.to_stage == b.from_stage for a, b in itertools.pairwise(history))
    # Mentoring: mentors within their capacity.
    for mentor in MentorProfile.objects.filter(user__in=users):
        taken = Pair.objects.filter(mentor=mentor.user, status__in=CAPACITY_STATUSES).count()
        assert taken <= mentor.capacity
    # Generated rows pass the models' own validation (without a certificate design, the
    # signer's name stays empty, as certificates.services leaves it).
    for model in (
        User,
        Organisation,
        CourseRun,
        Session,
        Enrolment,
        Attendance,
        Certificate,
        VolunteerProfile,
        Pair,
        MentoringSession,
        MentorProfile,
    ):
        for row in model.objects.order_by("pk")[:50]:
            row.full_clean(exclude=["signer_name"], validate_unique=False)


def _snapshot() -> dict:
    """Every row that is not generated, as it is now."""
    from wagtail.models import Page

    from mentoring.models import MentoringProgramme
    from organisations.models import Membership

    models = [
        User,
        Organisation,
        Page,
        CourseRun,
        Session,
        Enrolment,
        Attendance,
        Certificate,
        VolunteerProfile,
        StageChange,
        Pair,
        MentoringSession,
        MentoringProgramme,
        Membership,
    ]
    return {
        model._meta.label: {
            row["id"]: {k: v for k, v in row.items() if k not in ("numchild", "search_vector")}
            for row in model.objects.values()
        }
        for model in models
    }


def test_the_demo_data_is_left_alone(client):
    call_command("seed_demo", stdout=StringIO())
    before = _snapshot()

    out = StringIO()
    call_command("generate_data", "--scale", str(SCALE), stdout=out)
    after = _snapshot()

    for label, rows in before.items():
        assert {pk: after[label][pk] for pk in rows} == rows, label
    assert "Generated in" in out.getvalue() and "lms.User" in out.getvalue()
    # The demo's catalogue lists both.
    catalogue = client.get("/courses/").content.decode()
    assert "支援者向け多職種合同研修（基礎編）" in catalogue
    assert CoursePage.objects.get(slug="bench-course-0001").title in catalogue
    with pytest.raises(CommandError, match="--reset"):
        call_command("generate_data", "--scale", str(SCALE), stdout=StringIO())

    call_command("generate_data", "--delete", stdout=StringIO())

    assert _snapshot() == before
    assert not User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}").exists()


def test_generate_data_refuses_in_production(settings):
    settings.IS_PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        call_command("generate_data", "--scale", str(SCALE), stdout=StringIO())

    assert not generated_exists()


def test_a_generated_course_page_and_my_learning_render(client):
    generate(scale=SCALE)
    course = CoursePage.objects.filter(slug__startswith="bench-").order_by("path").first()
    learner = User.objects.get(email=LEARNER_EMAIL)

    page = client.get(course.url)
    catalogue = client.get("/courses/")
    client.force_login(learner)
    learning = client.get("/learning/")

    assert page.status_code == 200
    assert course.title in page.content.decode()
    assert catalogue.status_code == 200
    assert learning.status_code == 200
    seats = learner.enrolments.filter(status__in=["enrolled", "completed"])
    assert seats.count() == min(LEARNER_RUNS, generated_runs().count())
    for title in seats.values_list("run__course__title", flat=True):
        assert title in learning.content.decode()


def test_the_key_pages_answer_and_kept_pages_cost_one_query():
    """bench/pages.py on generated data: every key page answers, a page rendered runs its
    queries and the same public page kept for the next anonymous visitor at most one (the
    shared version: none here, where the tests' cache is in memory)."""
    from bench import pages

    generate(scale=SCALE)
    key_pages, people = pages.targets()
    counts = pages.query_counts(key_pages, people)

    assert {status for status, _queries in counts.values()} == {200}
    kept = [page for page in key_pages if page.kept]
    assert [page.name for page in kept] == [f"{page.name}: kept page" for page in key_pages[:3]]
    for page in kept:
        rendered = page.name.removesuffix(": kept page")
        after_change = f"{rendered}: first after a change"
        assert counts[page.name][1] <= 1, page.name
        # Rendered with what is kept under the version (the frame, the site, the home page):
        # fewer queries than the first request after a change, which reads them all.
        assert counts[after_change][1] > 5, after_change
        assert counts[rendered][1] < counts[after_change][1], rendered
    # After a place is taken only the course's runs are read again, not the tree or the frame.
    seats = counts["course page: first after a place taken"][1]
    assert counts["course page"][1] < seats < counts["course page: first after a change"][1]
