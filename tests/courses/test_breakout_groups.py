"""Breakout groups of a run in the admin: made among the people with a seat, mixed, adjustable
by hand, printable; bad input changes nothing."""

from collections import Counter

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses import selectors, services
from courses.models import Enrolment, EnrolmentStatus
from courses.services import EnrolmentError
from lms import roles
from lms.models import Municipality, OrganisationGroup, Profession
from tests.factories import CourseRunFactory, EnrolmentFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]


@pytest.fixture
def coordinator(client):
    person = UserFactory(is_staff=True)
    person.groups.add(Group.objects.get(name=roles.COORDINATORS))
    client.force_login(person)
    return person


def joint_training(people: int = 24):
    """A joint training where half the room are social workers and colleagues come in fours."""
    run = CourseRunFactory(capacity=people)
    professions = list(Profession.objects.order_by("pk")[:6])
    kinds = list(OrganisationGroup.objects.order_by("pk"))
    places = list(Municipality.objects.filter(kind="city").order_by("code")[:4])
    for n in range(people):
        user = UserFactory(
            profession=professions[0] if n % 2 == 0 else professions[n % 6],
            organisation_name=f"団体{n // 4}",
            organisation_group=kinds[n % len(kinds)],
            municipality=places[n % len(places)],
        )
        EnrolmentFactory(run=run, user=user)
    return run


def groups_of(run) -> dict[int, list[Enrolment]]:
    groups: dict[int, list[Enrolment]] = {}
    for enrolment in Enrolment.objects.filter(run=run, breakout_group__isnull=False).select_related(
        "user"
    ):
        groups.setdefault(enrolment.breakout_group, []).append(enrolment)
    return groups


def test_groups_are_made_among_the_seated_and_keep_colleagues_apart():
    run = joint_training(24)
    waiting = EnrolmentFactory(run=run, status=EnrolmentStatus.WAITLISTED)
    cancelled = EnrolmentFactory(run=run, status=EnrolmentStatus.CANCELLED)

    assert services.breakout_groups_generate(run=run, group_size=4) == 6

    groups = groups_of(run)
    assert sorted(groups) == [1, 2, 3, 4, 5, 6]
    assert [len(members) for members in groups.values()] == [4] * 6
    for members in groups.values():
        organisations = Counter(e.user.organisation_name for e in members)
        assert max(organisations.values()) == 1  # 6 organisations of 4: one of each per group
        professions = Counter(e.user.profession_id for e in members)
        assert max(professions.values()) <= 2  # half the room is one profession
    for outsider in (waiting, cancelled):
        outsider.refresh_from_db()
        assert outsider.breakout_group is None


def test_making_groups_twice_gives_the_same_groups():
    run = joint_training(20)
    services.breakout_groups_generate(run=run, group_size=5)
    first = dict(Enrolment.objects.filter(run=run).values_list("pk", "breakout_group"))

    services.breakout_groups_generate(run=run, group_size=5)

    assert dict(Enrolment.objects.filter(run=run).values_list("pk", "breakout_group")) == first


def test_the_report_explains_each_group():
    run = joint_training(8)
    services.breakout_groups_generate(run=run, group_size=4)
    first = Enrolment.objects.filter(run=run, breakout_group=1).order_by("pk")[0]
    other = Enrolment.objects.filter(run=run, breakout_group=2).order_by("pk")[0]
    # Put two colleagues together by hand: the report must say so.
    colleague = Enrolment.objects.filter(
        run=run, user__organisation_name=first.user.organisation_name
    ).exclude(pk=first.pk)[0]
    services.breakout_groups_assign(
        run=run, assignments={colleague.pk: 1, other.pk: colleague.breakout_group}
    )

    breakouts = selectors.breakout_groups_for_run(run=run)

    group_one = breakouts["groups"][0]
    assert group_one["number"] == 1
    assert "organisation" in group_one["report"].clashes
    assert "同じ団体の方がいます" in [str(label) for label in group_one["repeats"]]
    assert breakouts["people"] == 8


@pytest.mark.parametrize(
    "assignments",
    [
        {"other_run": 1},  # someone who is not in this run
        {"first": 0},  # out of range
        {"first": 100},
        {"waiting": 1},  # no seat
    ],
)
def test_bad_hand_changes_change_nothing(assignments):
    run = joint_training(8)
    services.breakout_groups_generate(run=run, group_size=4)
    before = dict(Enrolment.objects.filter(run=run).values_list("pk", "breakout_group"))
    ids = {
        "first": Enrolment.objects.filter(run=run).order_by("pk")[0].pk,
        "other_run": EnrolmentFactory().pk,
        "waiting": EnrolmentFactory(run=run, status=EnrolmentStatus.WAITLISTED).pk,
    }
    second = Enrolment.objects.filter(run=run, breakout_group=2).order_by("pk")[0].pk

    with pytest.raises(EnrolmentError):
        services.breakout_groups_assign(
            run=run, assignments={second: 1, **{ids[k]: v for k, v in assignments.items()}}
        )

    after = dict(
        Enrolment.objects.filter(run=run, pk__in=before).values_list("pk", "breakout_group")
    )
    assert after == before


@pytest.mark.parametrize("size", [1, 21])
def test_a_group_size_out_of_range_is_refused(size):
    run = joint_training(8)

    with pytest.raises(EnrolmentError):
        services.breakout_groups_generate(run=run, group_size=size)

    assert not Enrolment.objects.filter(run=run, breakout_group__isnull=False).exists()


def test_staff_make_move_and_print_groups_in_the_admin(client, coordinator):
    run = joint_training(12)
    url = f"/admin/courses/runs/{run.pk}/groups/"

    made = client.post(f"{url}generate/", {"group_size": "4"}, follow=True)
    assert "3個のグループを作りました" in made.content.decode()
    mover = Enrolment.objects.filter(run=run, breakout_group=1).order_by("pk")[0]
    data = {f"group-{e.pk}": str(e.breakout_group) for e in Enrolment.objects.filter(run=run)}
    data[f"group-{mover.pk}"] = "3"
    saved = client.post(f"{url}assign/", data, follow=True)
    printed = client.get(f"{url}print/")

    mover.refresh_from_db()
    assert mover.breakout_group == 3
    assert "1人のグループを変更しました" in saved.content.decode()
    html = printed.content.decode()
    assert "グループ 1" in html and "グループ 3" in html
    assert mover.user.full_name in html and mover.user.full_name_kana in html


def test_a_size_that_is_not_a_number_is_reported_and_nothing_changes(client, coordinator):
    run = joint_training(8)

    response = client.post(
        f"/admin/courses/runs/{run.pk}/groups/generate/", {"group_size": "六"}, follow=True
    )

    assert "整数を入力してください" in response.content.decode()
    assert not Enrolment.objects.filter(run=run, breakout_group__isnull=False).exists()


def test_a_tampered_group_number_is_reported_and_nothing_changes(client, coordinator):
    run = joint_training(8)
    services.breakout_groups_generate(run=run, group_size=4)
    before = dict(Enrolment.objects.filter(run=run).values_list("pk", "breakout_group"))
    first = min(before)

    response = client.post(
        f"/admin/courses/runs/{run.pk}/groups/assign/", {f"group-{first}": "x1"}, follow=True
    )

    assert "グループ番号は整数で" in response.content.decode()
    assert dict(Enrolment.objects.filter(run=run).values_list("pk", "breakout_group")) == before


def test_breakout_pages_are_for_staff_with_the_permission_only(client):
    run = joint_training(4)
    editor = UserFactory(is_staff=True)
    editor.groups.add(Group.objects.get(name=roles.CONTENT_EDITORS))
    client.force_login(editor)

    page = client.get(f"/admin/courses/runs/{run.pk}/groups/print/")
    made = client.post(f"/admin/courses/runs/{run.pk}/groups/generate/", {"group_size": "2"})

    assert page.status_code in (302, 403) and made.status_code in (302, 403)
    assert not Enrolment.objects.filter(run=run, breakout_group__isnull=False).exists()


def test_the_groups_page_costs_the_same_queries_for_12_and_120_people(client, coordinator):
    def count(people):
        run = joint_training(people)
        services.breakout_groups_generate(run=run, group_size=6)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/admin/courses/runs/{run.pk}/groups/")
        assert response.status_code == 200
        return len(queries)

    client.get("/admin/")  # the admin's sidebar, kept for both (lms.admin_sidebar)
    assert count(12) == count(120)
