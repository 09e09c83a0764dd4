"""Who may do what: only an admin of the organisation posts, edits and decides on its
opportunities; an admin of another organisation, a plain member and the volunteers
themselves get "not found" (and anonymous visitors the login page), and nothing changes.
A volunteer reaches only their own applications."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from opportunities import services
from opportunities.models import HoursLog, Opportunity, OpportunityApplication
from organisations.models import MemberRole
from tests.factories import UserFactory
from tests.opportunities.conftest import make_opportunity, member_of, volunteer
from volunteers.models import VolunteerHours

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(org, other_org, admin):
    """Organisation A (``org``) with an opportunity, an accepted applicant with hours waiting,
    and an undecided applicant; organisation B with an admin and an opportunity of its own."""
    opportunity = make_opportunity(org, title="A の募集")
    placed, waiting = volunteer(), volunteer()
    accepted = services.application_submit(opportunity=opportunity, user=placed.user)
    accepted = services.application_decide(application=accepted, decision="accepted", by=admin)
    undecided = services.application_submit(opportunity=opportunity, user=waiting.user)
    log = services.hours_log(
        application=accepted, date=timezone.localdate(), minutes=60, what="配膳"
    )
    return {
        "org": org,
        "other_org": other_org,
        "opportunity": opportunity,
        "accepted": accepted,
        "undecided": undecided,
        "log": log,
        "placed": placed.user,
        "waiting": waiting.user,
        "admin_b": member_of(other_org, full_name="B の管理者"),
        "member_a": member_of(org, role=MemberRole.MEMBER, full_name="A の会員"),
        "b_opportunity": make_opportunity(other_org, title="B の募集"),
    }


def admin_requests(scene, slug: str) -> list[tuple[str, str, dict]]:
    """Every organisation-admin request on A's objects, addressed through ``slug``."""
    opportunity, log = scene["opportunity"], scene["log"]
    with translation.override("en"):
        return [
            ("get", reverse("opportunities:new", args=[slug]), {}),
            (
                "post",
                reverse("opportunities:new", args=[slug]),
                {"title": "乗っ取り", "description": "x", "when": "x", "places": "1"},
            ),
            ("get", reverse("opportunities:edit", args=[slug, opportunity.pk]), {}),
            (
                "post",
                reverse("opportunities:edit", args=[slug, opportunity.pk]),
                {"title": "乗っ取り", "status": "closed"},
            ),
            ("get", reverse("opportunities:applicants", args=[slug, opportunity.pk]), {}),
            (
                "post",
                reverse("opportunities:decide", args=[slug, scene["undecided"].pk]),
                {"decision": "accepted"},
            ),
            (
                "post",
                reverse("opportunities:decide", args=[slug, scene["accepted"].pk]),
                {"decision": "declined"},
            ),
            (
                "post",
                reverse("opportunities:review_hours", args=[slug, log.pk]),
                {"action": "confirm"},
            ),
        ]


def snapshot(scene) -> tuple:
    return (
        sorted(Opportunity.objects.values_list("pk", "title", "status")),
        sorted(OpportunityApplication.objects.values_list("pk", "status", "decided_at")),
        sorted(HoursLog.objects.values_list("pk", "status")),
        VolunteerHours.objects.count(),
    )


@pytest.mark.parametrize("who", ["admin_b", "member_a", "placed"])
def test_only_the_organisations_admins_reach_its_pages(client, scene, who):
    client.force_login(scene[who])
    before = snapshot(scene)

    for method, url, data in admin_requests(scene, scene["org"].slug):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (who, method, url)

    assert snapshot(scene) == before


def test_another_organisations_admin_cannot_reach_a_through_their_own_slug(client, scene):
    """Tampered ids: B's admin uses B's address with A's opportunity, application and log."""
    client.force_login(scene["admin_b"])
    before = snapshot(scene)

    requests = admin_requests(scene, scene["other_org"].slug)[2:]  # "new" for B is legitimate
    for method, url, data in requests:
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url)

    assert snapshot(scene) == before


def test_anonymous_visitors_are_asked_to_sign_in(client, scene):
    before = snapshot(scene)
    for method, url, data in admin_requests(scene, scene["org"].slug):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, (method, url)
        assert response.url.startswith("/en/accounts/login/") or response.url.startswith(
            "/accounts/login/"
        )
    assert snapshot(scene) == before


def test_the_organisations_admin_reaches_every_page(client, scene, admin):
    client.force_login(admin)
    for method, url, _data in admin_requests(scene, scene["org"].slug):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_b_admin_sees_only_b_on_their_applicants_page(client, scene):
    client.force_login(scene["admin_b"])
    with translation.override("en"):
        url = reverse(
            "opportunities:applicants",
            args=[scene["other_org"].slug, scene["b_opportunity"].pk],
        )
    html = client.get(url).content.decode()
    assert "B の募集" in html
    assert scene["placed"].get_full_name() not in html


def test_a_volunteer_reaches_only_their_own_applications(client, scene):
    stranger = UserFactory()
    client.force_login(stranger)
    before = snapshot(scene)
    accepted = scene["accepted"]
    prefix = f"log-{accepted.pk}"
    with translation.override("en"):
        log_url = reverse("opportunities:log_hours", args=[accepted.pk])
        withdraw_url = reverse("opportunities:withdraw", args=[accepted.pk])

    response = client.post(
        log_url,
        {
            f"{prefix}-date": timezone.localdate().isoformat(),
            f"{prefix}-minutes": "60",
            f"{prefix}-what": "なりすまし",
        },
    )
    assert response.status_code == 404
    assert client.post(withdraw_url).status_code == 404
    assert snapshot(scene) == before

    client.force_login(scene["waiting"])  # another applicant of the same opportunity
    assert client.post(withdraw_url).status_code == 404
    assert snapshot(scene) == before
