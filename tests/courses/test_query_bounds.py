"""Pages that list sessions at venues in Kobe's wards: a ward's name is shown with its city
(「神戸市中央区」), which must not cost a query per row (an N+1 the benchmark data found on
My learning, issue #9)."""

import pytest

from courses.models import EnrolmentStatus
from lms.models import Municipality
from tests.factories import EnrolmentFactory, SessionFactory, UserFactory, VenueFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]


def enrol_at_wards(user, count: int) -> None:
    wards = list(Municipality.objects.filter(parent__name="神戸市").order_by("code"))
    for index in range(count):
        session = SessionFactory(venue=VenueFactory(municipality=wards[index % len(wards)]))
        EnrolmentFactory(run=session.run, user=user, status=EnrolmentStatus.ENROLLED)


def test_my_learning_with_ward_venues_runs_the_same_queries_for_2_or_9_courses(
    client, django_assert_max_num_queries
):
    learner = UserFactory()
    client.force_login(learner)
    enrol_at_wards(learner, 2)
    client.get("/learning/")
    with django_assert_max_num_queries(40) as few:
        response = client.get("/learning/")
    assert "神戸市" in response.content.decode()
    small = len(few.captured_queries)

    enrol_at_wards(learner, 7)
    with django_assert_max_num_queries(small):
        response = client.get("/learning/")
    assert response.content.decode().count("神戸市") >= 9
