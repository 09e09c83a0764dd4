"""Volunteer-opportunity test data: organisations with admins and members, opportunities,
registered volunteers and completed training."""

from __future__ import annotations

import pytest
from django.utils import timezone

from courses.models import CourseKind, EnrolmentStatus
from lms.models import Field, Municipality
from lms.taxonomy_data import lg_code
from opportunities.models import Opportunity
from organisations.models import MemberRole, Membership
from tests.factories import (
    CoursePageFactory,
    CourseRunFactory,
    EnrolmentFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.volunteers.test_pipeline import register

HIMEJI = "28201"


def place(code5: str) -> Municipality:
    return Municipality.objects.get(code=lg_code(code5))


def field(slug: str) -> Field:
    return Field.objects.get(slug=slug)


def member_of(organisation, role: str = MemberRole.ADMIN, **user_fields):
    person = UserFactory(**user_fields)
    Membership.objects.create(organisation=organisation, user=person, role=role)
    return person


def make_opportunity(organisation, **data) -> Opportunity:
    fields = data.pop("fields", [])
    opportunity = Opportunity.objects.create(
        organisation=organisation,
        title=data.pop("title", "子ども食堂の配膳ボランティア"),
        description=data.pop("description", "配膳と片付けをお願いします。"),
        when=data.pop("when", "毎週土曜日 16:30〜19:00"),
        municipality=data.pop("municipality", None) or place(HIMEJI),
        **data,
    )
    opportunity.fields.set(fields)
    return opportunity


def volunteer(*, stage: str | None = None, **overrides):
    """A registered volunteer in Himeji (weekdays, daytime, the first field), optionally
    moved to ``stage``."""
    from volunteers.services import volunteer_stage_move

    profile = register(UserFactory(), **overrides)
    if stage:
        volunteer_stage_move(profile=profile, to_stage=stage, by=None)
        profile.refresh_from_db()
    return profile


def complete(user, course=None, *, kind: str = CourseKind.ORIENTATION):
    """A completed enrolment of ``user`` in a run of ``course`` (a new course of ``kind``
    when not given)."""
    course = course or CoursePageFactory(kind=kind)
    return EnrolmentFactory(
        run=CourseRunFactory(course=course),
        user=user,
        status=EnrolmentStatus.COMPLETED,
        completed_at=timezone.now(),
    )


@pytest.fixture
def org(home_page):
    return OrganisationFactory(name="ひめじ子ども食堂", slug="himeji-shokudo")


@pytest.fixture
def other_org(home_page):
    return OrganisationFactory(name="尼崎まちの縁側", slug="amagasaki-engawa")


@pytest.fixture
def admin(org):
    return member_of(org, full_name="団体 管理者")


@pytest.fixture
def orientation(home_page):
    """A live orientation course with a run in the coming weeks."""
    course = CoursePageFactory(
        title="はじめてのボランティア・オリエンテーション", kind=CourseKind.ORIENTATION
    )
    CourseRunFactory(course=course)
    return course
