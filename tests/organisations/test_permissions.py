"""Every partner-organisation, activity and opportunity URL (issue #12), requested by each kind
of person with ids that belong to organisation A: anonymous visitors are sent to sign in,
signed-in people without the right get "not found" (members' pages) or "forbidden"/the admin's
front door (secretariat pages), nothing changes, and no page shows someone else's private data.
A URL added without an entry here fails the first test."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from cms.models import Activity
from lms import roles
from lms.models import Municipality
from opportunities import services as opportunity_services
from opportunities.models import HoursLog, Opportunity, OpportunityApplication
from organisations import activity_services, services
from organisations.activity_forms import ActivityForm
from organisations.models import (
    ActivityVersion,
    Invitation,
    MemberRole,
    Membership,
    OrganisationApplication,
)
from tests.factories import ActivityFactory, UserFactory
from tests.opportunities.conftest import make_opportunity, member_of, volunteer
from tests.organisations.test_activities import activity_post
from tests.organisations.test_joining import form as application_form
from tests.url_names import url_names_starting_with
from volunteers.models import VolunteerHours

pytestmark = pytest.mark.django_db

# Private data, and who may see it anywhere.
APPLICANT_PHONE = "0795-77-0123"  # the contact phone of an organisation's application
INVITEE = "kouhai@a-shokudo.example.jp"  # an invitation A's admin sent
PENDING_TITLE = "まだ審査中の新しい居場所"  # A's activity waiting for the secretariat
WAITING_NAME = "応募 待子"  # a volunteer whose application A has not decided yet
MEMBER_EMAIL = "kaiin@a-shokudo.example.jp"  # a plain member of A
PLACED_EMAIL = "haizen@example.jp"  # a registered volunteer A accepted (nominations name them)
SECRETS = {
    APPLICANT_PHONE: {"coordinator", "superuser"},
    INVITEE: {"admin_a"},
    PENDING_TITLE: {"admin_a", "coordinator", "content_editor", "superuser"},
    WAITING_NAME: {"admin_a"},
    MEMBER_EMAIL: set(),  # members are listed by name only
}

PEOPLE = [
    "anonymous",
    "volunteer",
    "member_a",
    "admin_a",
    "admin_b",
    "coordinator",
    "content_editor",
    "admin_access_only",  # staff who may open the admin, nothing more
    "superuser",
]
EVERYONE = set(PEOPLE)
SIGNED_IN = EVERYONE - {"anonymous"}
SECRETARIAT = {"coordinator", "superuser"}
# Content editors already edit the directory's organisations, so they may review activities too.
MODERATORS = SECRETARIAT | {"content_editor"}

# url name -> (method, who may use it).  Denied GETs and every POST by someone not allowed
# must change nothing; allowed GETs answer 200 (or a redirect for "applied").
MATRIX = {
    # Public
    "organisations:apply": ("get", EVERYONE),
    "organisations:applied": ("get", EVERYONE),
    "activities:finder": ("get", EVERYONE),
    "opportunities:list": ("get", EVERYONE),
    "opportunities:detail": ("get", EVERYONE),
    # Anyone signed in (their own things; an invitation link works for whoever holds it)
    "organisations:mine": ("get", SIGNED_IN),
    "organisations:accept": ("get", SIGNED_IN),
    "opportunities:mine": ("get", SIGNED_IN),
    "opportunities:apply": ("post", SIGNED_IN),
    # The volunteer's own application
    "opportunities:log_hours": ("post", {"volunteer"}),
    "opportunities:withdraw": ("post", {"volunteer"}),
    # Members of A
    "organisations:dashboard": ("get", {"member_a", "admin_a"}),
    "activities:organisation": ("get", {"member_a", "admin_a"}),
    # Admins of A
    "organisations:invite": ("post", {"admin_a"}),
    "organisations:nominate": ("post", {"admin_a"}),
    "organisations:member": ("post", {"admin_a"}),
    "activities:create": ("get", {"admin_a"}),
    "activities:edit": ("get", {"admin_a"}),
    "activities:profile": ("get", {"admin_a"}),
    "opportunities:new": ("get", {"admin_a"}),
    "opportunities:edit": ("get", {"admin_a"}),
    "opportunities:applicants": ("get", {"admin_a"}),
    "opportunities:decide": ("post", {"admin_a"}),
    "opportunities:review_hours": ("post", {"admin_a"}),
    # The secretariat (Wagtail admin)
    "organisations_applications": ("get", SECRETARIAT),
    "organisations_application_decide": ("post", SECRETARIAT),
    "organisations_moderation": ("get", MODERATORS),
    "organisations_moderation_publish": ("post", MODERATORS),
    "organisations_moderation_reject": ("post", MODERATORS),
    "organisations_moderation_trust": ("post", MODERATORS),
    "organisations_report": ("get", SECRETARIAT | {"content_editor"}),
}

# What a POST would do if it were allowed: the most harmful thing each form can do.
POST_DATA = {
    "organisations:invite": {"email": "nottaken@example.jp", "role": "admin"},
    "organisations:nominate": {"email": PLACED_EMAIL, "reason": "乗っ取り"},
    "organisations:member": {"action": "remove"},
    "opportunities:apply": {},
    "opportunities:log_hours": "hours",  # filled in with the accepted application's form
    "opportunities:withdraw": {},
    "opportunities:decide": {"decision": "declined"},
    "opportunities:review_hours": {"action": "confirm"},
    "organisations_application_decide": {"decision": "approve"},
    "organisations_moderation_publish": {},
    "organisations_moderation_reject": {"note": "不可"},
    "organisations_moderation_trust": {},
}


def test_every_organisation_url_is_in_the_matrix():
    assert url_names_starting_with(
        "organisations:", "organisations_", "activities:", "opportunities:"
    ) == set(MATRIX)


@pytest.fixture
def scene(client, directory_page, role_user):
    """Organisation A with an admin, a member, a pending invitation, a published activity and
    a change waiting for review, an opportunity with an accepted applicant (hours waiting)
    and an undecided one; organisation B with its admin; an application to join waiting."""
    from tests.factories import OrganisationFactory

    org_a = OrganisationFactory(name="ひめじ子ども食堂", slug="a-shokudo")
    org_b = OrganisationFactory(name="尼崎まちの縁側", slug="b-engawa")
    admin_a = member_of(org_a, full_name="A 管理者")
    member_a = member_of(org_a, role=MemberRole.MEMBER, full_name="A 会員", email=MEMBER_EMAIL)
    admin_b = member_of(org_b, full_name="B 管理者")
    services.invitation_create(organisation=org_a, email=INVITEE, role="member", by=admin_a)

    activity = ActivityFactory(organisation=org_a, title="公開中の居場所", is_published=True)
    chuo = Municipality.objects.get(name="中央区", parent__name="神戸市")
    form = ActivityForm(activity_post(chuo, title=PENDING_TITLE))
    assert form.is_valid(), form.errors
    pending = activity_services.activity_submit(
        organisation=org_a, activity=activity, data=form.activity_data(), by=admin_a
    )
    assert pending.status == ActivityVersion.Status.PENDING

    opportunity = make_opportunity(org_a, title="A の配膳ボランティア")
    placed = volunteer().user
    placed.email = PLACED_EMAIL
    placed.save(update_fields=["email"])
    waiting = volunteer().user
    waiting.full_name = WAITING_NAME
    waiting.save(update_fields=["full_name"])
    accepted = opportunity_services.application_submit(opportunity=opportunity, user=placed)
    accepted = opportunity_services.application_decide(
        application=accepted, decision="accepted", by=admin_a
    )
    undecided = opportunity_services.application_submit(opportunity=opportunity, user=waiting)
    log = opportunity_services.hours_log(
        application=accepted, date=timezone.localdate(), minutes=90, what="配膳"
    )

    response = client.post(
        "/organisations/apply/",
        application_form(name="たんばの縁側", contact_phone=APPLICANT_PHONE),
    )
    assert response.status_code == 302
    client.logout()
    application = OrganisationApplication.objects.get(name="たんばの縁側")

    people = {
        "anonymous": None,
        "volunteer": placed,
        "member_a": member_a,
        "admin_a": admin_a,
        "admin_b": admin_b,
        "coordinator": role_user(roles.COORDINATORS, is_staff=True),
        "content_editor": role_user(roles.CONTENT_EDITORS, is_staff=True),
        "admin_access_only": admin_access_only(),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
    }
    membership = Membership.objects.get(user=member_a)
    kwargs = {
        "organisations:accept": {"token": "not-a-real-invitation-token"},
        "opportunities:detail": {"pk": opportunity.pk},
        "opportunities:apply": {"pk": opportunity.pk},
        "opportunities:log_hours": {"application_id": accepted.pk},
        "opportunities:withdraw": {"application_id": accepted.pk},
        "organisations:dashboard": {"slug": org_a.slug},
        "activities:organisation": {"slug": org_a.slug},
        "organisations:invite": {"slug": org_a.slug},
        "organisations:nominate": {"slug": org_a.slug},
        "organisations:member": {"slug": org_a.slug, "membership_id": membership.pk},
        "activities:create": {"slug": org_a.slug},
        "activities:edit": {"slug": org_a.slug, "activity_id": activity.pk},
        "activities:profile": {"slug": org_a.slug},
        "opportunities:new": {"slug": org_a.slug},
        "opportunities:edit": {"slug": org_a.slug, "pk": opportunity.pk},
        "opportunities:applicants": {"slug": org_a.slug, "pk": opportunity.pk},
        "opportunities:decide": {"slug": org_a.slug, "application_id": undecided.pk},
        "opportunities:review_hours": {"slug": org_a.slug, "log_id": log.pk},
        "organisations_application_decide": {"application_id": application.pk},
        "organisations_moderation_publish": {"version_id": pending.pk},
        "organisations_moderation_reject": {"version_id": pending.pk},
        "organisations_moderation_trust": {"organisation_id": org_a.pk},
    }
    prefix = f"log-{accepted.pk}"
    hours = {
        f"{prefix}-date": timezone.localdate().isoformat(),
        f"{prefix}-minutes": "60",
        f"{prefix}-what": "なりすまし",
    }
    return {"people": people, "kwargs": kwargs, "org_b": org_b, "hours": hours}


def admin_access_only():
    from django.contrib.auth.models import Permission

    person = UserFactory(is_staff=True)
    person.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    return person


def post_data(name: str, scene) -> dict:
    data = POST_DATA.get(name, {})
    return scene["hours"] if data == "hours" else data


def snapshot() -> tuple:
    """Everything the URLs above could change."""
    from cms.models import Organisation
    from volunteers.models import Nomination, StageChange

    return (
        sorted(Organisation.objects.values_list("pk", "trusted", "is_listed")),
        Nomination.objects.count(),
        StageChange.objects.count(),
        sorted(OrganisationApplication.objects.values_list("pk", "status")),
        sorted(Membership.objects.values_list("pk", "organisation_id", "user_id", "role")),
        sorted(Invitation.objects.values_list("pk", "email", "accepted_at")),
        sorted(ActivityVersion.objects.values_list("pk", "status")),
        sorted(Activity.objects.values_list("pk", "title", "is_published")),
        sorted(Opportunity.objects.values_list("pk", "title", "status")),
        sorted(OpportunityApplication.objects.values_list("pk", "status")),
        sorted(HoursLog.objects.values_list("pk", "status")),
        VolunteerHours.objects.count(),
    )


def url_for(name: str, scene) -> str:
    with translation.override("ja"):
        return reverse(name, kwargs=scene["kwargs"].get(name, {}))


def assert_denied(response, who: str, url: str) -> None:
    if who == "anonymous":
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"], url
    elif url.startswith("/admin/"):
        # Wagtail sends people without admin access to sign in or to its dashboard; staff
        # without the permission are refused.
        assert response.status_code in (302, 403), (who, url, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith(("/admin/", "/accounts/login/")), (who, url)
    else:
        assert response.status_code == 404, (who, url, response.status_code)


@pytest.mark.parametrize("who", PEOPLE)
def test_each_person_reaches_only_what_they_may(client, scene, who):
    person = scene["people"][who]
    if person is not None:
        client.force_login(person)
    before = snapshot()

    for name, (method, allowed) in MATRIX.items():
        url = url_for(name, scene)
        if who in allowed:
            if method == "get":
                response = client.get(url)
                expected = (200, 302) if name == "organisations:applied" else (200,)
                assert response.status_code in expected, (who, url, response.status_code)
                body = response.content.decode()
                for secret, may_see in SECRETS.items():
                    if who not in may_see:
                        assert secret not in body, (who, url, secret)
            continue
        response = getattr(client, method)(url, post_data(name, scene))
        assert_denied(response, who, url)
        body = response.content.decode()
        for secret in SECRETS:
            assert secret not in body, (who, url, secret)

    assert snapshot() == before


def test_the_allowed_people_see_the_private_data_meant_for_them(client, scene):
    """The secrets above are really on the pages (so the absence checks can fail)."""
    seen_by = {secret: set() for secret in SECRETS}
    for who in ("admin_a", "member_a", "coordinator"):
        client.force_login(scene["people"][who])
        for name, (method, allowed) in MATRIX.items():
            if method == "get" and who in allowed:
                body = client.get(url_for(name, scene)).content.decode()
                for secret in SECRETS:
                    if secret in body:
                        seen_by[secret].add(who)
    assert seen_by == {
        APPLICANT_PHONE: {"coordinator"},
        INVITEE: {"admin_a"},
        PENDING_TITLE: {"admin_a", "coordinator"},
        WAITING_NAME: {"admin_a"},
        MEMBER_EMAIL: set(),
    }


def test_an_admin_of_b_cannot_reach_a_through_bs_own_address(client, scene):
    """Tampered ids: B's admin uses B's slug with A's activity, opportunity, application,
    hours and membership."""
    client.force_login(scene["people"]["admin_b"])
    before = snapshot()
    b_slug = scene["org_b"].slug
    for name, (method, _allowed) in MATRIX.items():
        kwargs = scene["kwargs"].get(name, {})
        if "slug" not in kwargs or len(kwargs) == 1:
            continue  # only addresses that also carry one of A's ids
        with translation.override("ja"):
            url = reverse(name, kwargs={**kwargs, "slug": b_slug})
        response = getattr(client, method)(url, post_data(name, scene))
        assert response.status_code == 404, (url, response.status_code)
    assert snapshot() == before


def test_the_refused_payloads_work_for_those_allowed(client, scene):
    """The POSTs above are real ones: made by the right person, they change something (so
    "nothing changes" for everyone else can fail)."""
    for who, name in [
        ("admin_a", "organisations:nominate"),
        ("admin_a", "organisations:invite"),
        ("admin_a", "opportunities:decide"),
        ("admin_a", "opportunities:review_hours"),
        ("volunteer", "opportunities:log_hours"),
        ("coordinator", "organisations_moderation_trust"),
        ("coordinator", "organisations_application_decide"),
    ]:
        client.force_login(scene["people"][who])
        before = snapshot()
        client.post(url_for(name, scene), post_data(name, scene))
        assert snapshot() != before, (who, name)
