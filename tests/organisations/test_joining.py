"""Organisations joining the platform (issue #12): the public application, the secretariat's
decision, the contact person invited as admin, members and roles; each member's page refuses
everyone else."""

import re

import pytest

from cms.models import Organisation
from lms import roles
from lms.models import Field, Municipality, OrganisationType, OutboundEmail
from organisations.models import Invitation, Membership, OrganisationApplication
from tests.factories import OrganisationFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]


def form(**overrides):
    return {
        "name": "NPO法人 たんばの縁側",
        "name_kana": "たんばのえんがわ",
        "organisation_type": str(OrganisationType.objects.get(name="NPO法人").pk),
        "fields": [str(Field.objects.get(slug="community-development").pk)],
        "municipality": str(Municipality.objects.get(code="282235").pk),
        "address": "丹波市柏原町1-1",
        "website": "https://engawa.example.jp",
        "contact_name": "縁側 広子",
        "contact_email": "hiroko@engawa.example.jp",
        "contact_phone": "0795-00-0000",
        "wants": "高齢者の居場所づくりの事例を他の団体と共有したい。",
        "accept_terms": "on",
        "nickname": "",
        **overrides,
    }


@pytest.fixture
def coordinator(role_user):
    return role_user(roles.COORDINATORS, is_staff=True)


def invitation_link(recipient: str) -> str:
    message = OutboundEmail.objects.filter(recipient=recipient).order_by("-pk").first()
    return re.search(r"/organisations/invitations/[\w\-]+/", message.body_text).group(0)


def test_an_organisation_applies_is_approved_and_its_contact_becomes_admin(client, coordinator):
    response = client.post("/organisations/apply/", form())
    assert response["Location"] == "/organisations/apply/sent/"
    application = OrganisationApplication.objects.get()
    assert (application.status, application.terms_version) == ("submitted", "2026-11")
    assert OutboundEmail.objects.filter(recipient="hiroko@engawa.example.jp").count() == 1

    client.force_login(coordinator)
    listing = client.get("/admin/organisations/applications/").content.decode()
    assert "たんばの縁側" in listing and "高齢者の居場所づくり" in listing
    client.post(f"/admin/organisations/applications/{application.pk}/", {"decision": "approve"})

    organisation = Organisation.objects.get(name="NPO法人 たんばの縁側")
    assert organisation.is_listed and organisation.joined_on
    assert list(organisation.fields.values_list("slug", flat=True)) == ["community-development"]
    link = invitation_link("hiroko@engawa.example.jp")

    contact = UserFactory(email="Hiroko@engawa.example.jp", full_name="縁側 広子")
    client.force_login(contact)
    assert "たんばの縁側" in client.get(link).content.decode()
    accepted = client.post(link)
    assert accepted["Location"] == f"/organisations/{organisation.slug}/dashboard/"
    assert Membership.objects.get(organisation=organisation).role == "admin"
    assert client.post(link).status_code == 302  # used: refused with a message
    assert Membership.objects.count() == 1


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"accept_terms": ""}, "accept_terms"),
        ({"contact_email": "hiroko@"}, "contact_email"),
        ({"name": ""}, "name"),
        ({"wants": "あ" * 10_000}, "wants"),
        ({"organisation_type": "99999"}, "organisation_type"),
    ],
)
def test_bad_applications_are_explained_and_create_nothing(client, overrides, field):
    response = client.post("/organisations/apply/", form(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not OrganisationApplication.objects.exists()


def test_a_duplicate_application_and_a_bot_create_nothing(client):
    OrganisationFactory(name="NPO法人　たんばの縁側")
    response = client.post("/organisations/apply/", form())
    assert "すでに" in response.content.decode()
    Organisation.objects.all().delete()
    client.post("/organisations/apply/", form())
    again = client.post("/organisations/apply/", form(contact_email="other@example.jp"))
    assert "審査" in again.content.decode()
    assert OrganisationApplication.objects.count() == 1
    client.post("/organisations/apply/", form(name="別の団体", nickname="spam"))
    assert OrganisationApplication.objects.count() == 1


def test_declining_needs_a_reason_and_tells_the_organisation(client, coordinator):
    client.post("/organisations/apply/", form())
    application = OrganisationApplication.objects.get()
    client.force_login(coordinator)

    client.post(f"/admin/organisations/applications/{application.pk}/", {"decision": "decline"})
    application.refresh_from_db()
    assert application.status == "submitted"

    client.post(
        f"/admin/organisations/applications/{application.pk}/",
        {"decision": "ask", "message": "活動実績を教えてください。"},
    )
    application.refresh_from_db()
    assert application.status == "needs_info"
    client.post(
        f"/admin/organisations/applications/{application.pk}/",
        {"decision": "decline", "message": "県外のみで活動されているため。"},
    )
    application.refresh_from_db()
    assert application.status == "declined"
    bodies = " ".join(OutboundEmail.objects.values_list("body_text", flat=True))
    assert "活動実績を教えてください。" in bodies and "県外のみで活動されているため。" in bodies
    assert not Organisation.objects.exists()


@pytest.fixture
def organisation_with_admin():
    organisation = OrganisationFactory()
    admin = UserFactory(full_name="管理 一郎")
    Membership.objects.create(organisation=organisation, user=admin, role="admin")
    return organisation, admin


def test_an_admin_invites_a_colleague_who_joins_with_the_invited_address(
    client, organisation_with_admin
):
    organisation, admin = organisation_with_admin
    client.force_login(admin)
    client.post(
        f"/organisations/{organisation.slug}/invite/",
        {"email": "colleague@example.jp", "role": "member"},
    )
    link = invitation_link("colleague@example.jp")
    assert Invitation.objects.get().token_hash not in link  # only a hash is stored

    client.force_login(UserFactory(email="someone.else@example.jp"))
    client.post(link)
    assert Membership.objects.count() == 1

    colleague = UserFactory(email="colleague@example.jp", full_name="同僚 二葉")
    client.force_login(colleague)
    client.post(link)
    membership = Membership.objects.get(user=colleague)
    assert membership.role == "member"
    page = client.get(f"/organisations/{organisation.slug}/dashboard/").content.decode()
    assert "管理 一郎" in page and "同僚 二葉" in page


def test_roles_and_the_last_admin(client, organisation_with_admin):
    organisation, admin = organisation_with_admin
    member = Membership.objects.create(organisation=organisation, user=UserFactory(), role="member")
    own = Membership.objects.get(user=admin)
    client.force_login(admin)

    client.post(f"/organisations/{organisation.slug}/members/{own.pk}/", {"role": "member"})
    own.refresh_from_db()
    assert own.role == "admin"  # never the last admin
    client.post(f"/organisations/{organisation.slug}/members/{member.pk}/", {"role": "admin"})
    member.refresh_from_db()
    assert member.role == "admin"
    client.post(f"/organisations/{organisation.slug}/members/{member.pk}/", {"action": "remove"})
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_members_pages_refuse_everyone_else(client, organisation_with_admin):
    organisation, admin = organisation_with_admin
    other_org = OrganisationFactory()
    other_admin = UserFactory()
    Membership.objects.create(organisation=other_org, user=other_admin, role="admin")
    plain = UserFactory()
    Membership.objects.create(organisation=organisation, user=plain, role="member")
    own = Membership.objects.get(user=admin)

    assert (
        client.get(f"/organisations/{organisation.slug}/dashboard/").status_code == 302
    )  # sign in
    client.force_login(other_admin)
    assert client.get(f"/organisations/{organisation.slug}/dashboard/").status_code == 404
    assert (
        client.post(
            f"/organisations/{organisation.slug}/invite/",
            {"email": "x@example.jp", "role": "admin"},
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/organisations/{organisation.slug}/members/{own.pk}/", {"action": "remove"}
        ).status_code
        == 404
    )
    client.force_login(plain)
    assert client.get(f"/organisations/{organisation.slug}/dashboard/").status_code == 200
    assert (
        client.post(
            f"/organisations/{organisation.slug}/invite/",
            {"email": "x@example.jp", "role": "admin"},
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/organisations/{organisation.slug}/members/{own.pk}/", {"role": "member"}
        ).status_code
        == 404
    )
    assert not Invitation.objects.exists()
    assert Membership.objects.filter(user=admin, role="admin").exists()


def test_an_organisation_admin_nominates_a_volunteer_for_the_leader_programme(
    client, organisation_with_admin
):
    from tests.volunteers.test_pipeline import register
    from volunteers import selectors as volunteer_selectors
    from volunteers.models import Nomination

    organisation, admin = organisation_with_admin
    profile = register(UserFactory(email="leader@example.jp", full_name="候補 育子"))
    client.force_login(admin)

    client.post(
        f"/organisations/{organisation.slug}/nominate/",
        {"email": "nobody@example.jp", "reason": "地域の信頼が厚い"},
    )
    assert not Nomination.objects.exists()
    client.post(
        f"/organisations/{organisation.slug}/nominate/",
        {"email": "LEADER@example.jp", "reason": "サロンを立ち上げ、地域の信頼が厚い"},
    )

    nomination = Nomination.objects.get()
    assert (nomination.profile, nomination.organisation, nomination.nominated_by) == (
        profile,
        organisation.name,
        admin,
    )
    profile.stage = "active"
    profile.save()
    assert profile in volunteer_selectors.leader_candidates()
