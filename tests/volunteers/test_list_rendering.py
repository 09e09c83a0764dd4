"""The coordinators' volunteer list renders its long selects in Python (issue #9): the HTML
must be exactly Django's, and wards with their city must not cost a query per row."""

import pytest

from lms import roles
from lms.forms import quick_selects
from lms.models import Municipality
from tests.factories import CourseRunFactory, UserFactory
from tests.volunteers.test_pipeline import register
from volunteers.admin_views import _runs_to_enrol_in
from volunteers.forms import BulkActionForm, VolunteerFilterForm
from volunteers.models import VolunteerProfile
from volunteers.selectors import VOLUNTEER_LIST_VERSION

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]

KOBE_NADA = "281026"


def html_of(form) -> dict[str, str]:
    return {bound.name: str(bound) for bound in form}


@pytest.mark.parametrize(
    "data",
    [None, {"stage": "active", "municipality": "1", "q": "<b>"}, {"stage": "nonsense"}],
)
def test_quick_selects_give_the_same_html_as_django(data, role_user):
    staff = role_user(roles.COORDINATORS, is_staff=True, full_name="調整 <役子> & 仲間")
    municipality = Municipality.objects.order_by("pk").first()
    if data and "municipality" in data:
        data["municipality"] = str(municipality.pk)
        data["coordinator"] = str(staff.pk)
    CourseRunFactory(title='"夜" <クラス>')

    plain = VolunteerFilterForm(data)
    quick = quick_selects(VolunteerFilterForm(data))
    assert html_of(quick) == html_of(plain)
    assert "&lt;役子&gt; &amp; 仲間" in str(quick["coordinator"])
    if data and "municipality" in data:
        assert f'<option value="{municipality.pk}" selected>' in str(quick["municipality"])

    profiles = VolunteerProfile.objects.all()
    bulk_plain = BulkActionForm(profiles=profiles, runs=_runs_to_enrol_in())
    bulk_quick = quick_selects(BulkActionForm(profiles=profiles, runs=_runs_to_enrol_in()))
    assert html_of(bulk_quick) == html_of(bulk_plain)


def test_wards_are_shown_with_their_city_without_a_query_per_row(
    client, role_user, django_assert_max_num_queries
):
    ward = Municipality.objects.get(code__startswith=KOBE_NADA)
    register(UserFactory(full_name="灘 一", email="n1@example.jp"), municipality=ward)
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))
    client.get("/admin/volunteers/")
    VOLUNTEER_LIST_VERSION.bump()  # built afresh, as after any change
    with django_assert_max_num_queries(30) as few:
        client.get("/admin/volunteers/")
    for n in range(2, 12):
        register(UserFactory(full_name=f"灘 {n}", email=f"n{n}@example.jp"), municipality=ward)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/admin/volunteers/")  # built again: the registrations changed it
    assert page.content.decode().count(f"<td>{ward}</td>") == 11
    assert str(ward).startswith("神戸市")
