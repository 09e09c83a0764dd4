"""Bad input to the pages of volunteers and partner organisations: applying for an
opportunity, logging hours, withdrawing; an organisation admin's opportunity, decisions and
hours review, invitations, nominations, members, activities and profile; the members'
exchange (posts, comments, the digest choice, the secretariat's notices) and its one-click
unsubscribe link.  Garbage gets a clear error in Japanese (or a refusal message) and writes
nothing; another organisation's or person's ids are "not found"."""

from __future__ import annotations

import os

import pytest
from django.test import Client
from hypothesis import assume, given
from hypothesis import strategies as st

from cms.models import Activity, Organisation
from exchange.models import Comment, DigestPreference, Notice, Post
from lms import roles
from lms.models import OutboundEmail
from opportunities.models import HoursLog, Opportunity, OpportunityApplication
from organisations.activity_forms import ActivityForm
from organisations.models import ActivityVersion, Invitation, MemberRole, Membership
from tests.factories import OrganisationFactory, UserFactory
from tests.opportunities.conftest import make_opportunity, member_of, volunteer
from tests.robustness.conftest import fresh_cache
from tests.robustness.helpers import (
    FAST,
    SOME,
    assert_clear_error,
    assert_error_message,
    assert_not_server_error,
    changed,
    snapshot,
)
from tests.robustness.strategies import (
    form_data,
    nasty_date,
    nasty_id,
    nasty_path_segment,
    nasty_text,
    nasty_value,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]

OPPORTUNITY_WRITES = (Opportunity, OpportunityApplication, HoursLog, OutboundEmail)
ORGANISATION_WRITES = (
    Organisation,
    Membership,
    Invitation,
    Activity,
    ActivityVersion,
    OutboundEmail,
)
EXCHANGE_WRITES = (Post, Comment, Notice, DigestPreference, OutboundEmail)


@pytest.fixture
def org():
    return OrganisationFactory(name="ひめじ子ども食堂", slug="himeji-shokudo")


@pytest.fixture
def other_org():
    return OrganisationFactory(name="尼崎まちの縁側", slug="amagasaki-engawa")


@pytest.fixture
def org_admin(org):
    client = Client()
    client.force_login(member_of(org, full_name="団体 管理者"))
    return client


@pytest.fixture
def opportunity(org):
    return make_opportunity(org)


@pytest.fixture
def volunteer_client():
    client = Client()
    client.force_login(volunteer().user)
    return client


@pytest.fixture
def accepted(opportunity):
    """An accepted application of a signed-in volunteer, so hours can be logged."""
    profile = volunteer()
    application = OpportunityApplication.objects.create(
        opportunity=opportunity, user=profile.user, status="accepted"
    )
    client = Client()
    client.force_login(profile.user)
    return client, application


# --- Opportunities: volunteers ------------------------------------------------------------------


@SOME
@given(message=nasty_value(max_size=200))
def test_applying_with_a_garbage_message(message, volunteer_client, opportunity):
    """A bad message is refused with a message and no application; an acceptable one is one
    application (a second is refused)."""
    before = snapshot(*OPPORTUNITY_WRITES)
    response = volunteer_client.post(
        f"/opportunities/{opportunity.pk}/apply/", {"message": message}
    )
    assert response.status_code == 302
    after = snapshot(*OPPORTUNITY_WRITES)
    if after != before:
        assert after["opportunities.OpportunityApplication"] == 1
        OpportunityApplication.objects.all().delete()
    else:
        assert_error_message(response)


@SOME
@given(date=nasty_date(), minutes=nasty_value(), what=nasty_value())
def test_logging_hours_refuses_garbage(date, minutes, what, accepted):
    client, application = accepted
    prefix = f"log-{application.pk}-"
    before = snapshot(*OPPORTUNITY_WRITES)
    response = client.post(
        f"/opportunities/mine/{application.pk}/hours/",
        {f"{prefix}date": date, f"{prefix}minutes": minutes, f"{prefix}what": what},
    )
    assert_not_server_error(response)
    after = snapshot(*OPPORTUNITY_WRITES)
    if response.status_code == 302:
        assert after["opportunities.HoursLog"] == before["opportunities.HoursLog"] + 1
        HoursLog.objects.all().delete()
    else:
        assert_clear_error(response, statuses=(400,))
        assert after == before, changed(before, after)


@FAST
@given(
    tampered=nasty_id(),
    path=st.sampled_from(
        [
            "/opportunities/{}/",
            "/opportunities/{}/apply/",
            "/opportunities/mine/{}/hours/",
            "/opportunities/mine/{}/withdraw/",
        ]
    ),
)
def test_opportunity_ids_that_do_not_exist_are_not_found(tampered, path, volunteer_client):
    before = snapshot(*OPPORTUNITY_WRITES)
    assert volunteer_client.post(path.format(tampered), {"message": "よろしく"}).status_code == 404
    assert snapshot(*OPPORTUNITY_WRITES) == before


def test_someone_elses_application_cannot_be_withdrawn_or_logged(accepted, volunteer_client):
    _client, application = accepted
    theirs = OpportunityApplication.objects.filter(pk=application.pk)
    before = snapshot(*OPPORTUNITY_WRITES, rows=(theirs,))
    for action in ("withdraw", "hours"):
        response = volunteer_client.post(f"/opportunities/mine/{application.pk}/{action}/")
        assert response.status_code == 404
    assert snapshot(*OPPORTUNITY_WRITES, rows=(theirs,)) == before


# --- Opportunities: the organisation's admins ---------------------------------------------------


OPPORTUNITY_FIELDS = {
    "title": nasty_value(),
    "description": nasty_value(),
    "activity": nasty_value(),
    "when": nasty_value(),
    "starts_on": nasty_date(),
    "ends_on": nasty_date(),
    "places": nasty_value(),
    "municipality": nasty_value(),
    "fields": nasty_value(),
    "weekdays": nasty_value(),
    "required_course_kind": nasty_value(),
    "required_course": nasty_value(),
    "status": nasty_value(),
}


@SOME
@given(data=form_data(OPPORTUNITY_FIELDS))
def test_new_opportunity_refuses_garbage(data, org_admin, org):
    before = snapshot(*OPPORTUNITY_WRITES)
    response = org_admin.post(
        f"/organisations/{org.slug}/opportunities/new/", {"title": "", **data}
    )
    assert_not_server_error(response)
    after = snapshot(*OPPORTUNITY_WRITES)
    if response.status_code == 302:
        assert after["opportunities.Opportunity"] == before["opportunities.Opportunity"] + 1
    else:
        assert_clear_error(response, statuses=(400,))
        assert after == before, changed(before, after)


@SOME
@given(data=form_data(["decision", "note", "beyond_places"]), tampered=nasty_id())
def test_decisions_with_garbage_or_tampered_ids(data, tampered, org_admin, org, opportunity):
    application = OpportunityApplication.objects.create(
        opportunity=opportunity, user=UserFactory(), status="applied"
    )
    row = OpportunityApplication.objects.filter(pk=application.pk)
    before = snapshot(*OPPORTUNITY_WRITES, rows=(row,))
    base = f"/organisations/{org.slug}/applications/"
    assert org_admin.post(f"{base}{tampered}/decide/", data).status_code == 404
    assert snapshot(*OPPORTUNITY_WRITES, rows=(row,)) == before
    response = org_admin.post(f"{base}{application.pk}/decide/", data)
    assert response.status_code == 302
    if snapshot(*OPPORTUNITY_WRITES, rows=(row,)) == before:
        assert_error_message(response)
    application.delete()


def test_another_organisations_admin_gets_not_found_everywhere(org, other_org, opportunity):
    outsider = Client()
    outsider.force_login(member_of(other_org))
    application = OpportunityApplication.objects.create(
        opportunity=opportunity, user=UserFactory(), status="applied"
    )
    before = snapshot(*OPPORTUNITY_WRITES, *ORGANISATION_WRITES)
    for path in [
        f"/organisations/{org.slug}/opportunities/new/",
        f"/organisations/{org.slug}/opportunities/{opportunity.pk}/edit/",
        f"/organisations/{other_org.slug}/opportunities/{opportunity.pk}/edit/",
        f"/organisations/{org.slug}/applications/{application.pk}/decide/",
        f"/organisations/{other_org.slug}/applications/{application.pk}/decide/",
        f"/organisations/{org.slug}/invite/",
        f"/organisations/{org.slug}/nominate/",
        f"/organisations/{org.slug}/activities/new/",
        f"/organisations/{org.slug}/profile/",
    ]:
        response = outsider.post(path, {"decision": "accepted", "title": "乗っ取り"})
        assert response.status_code == 404, path
    assert snapshot(*OPPORTUNITY_WRITES, *ORGANISATION_WRITES) == before


# --- Organisations: members, invitations, nominations, activities, profile ---------------------


@SOME
@given(data=form_data(["email", "role"]))
def test_invitations_refuse_garbage(data, org_admin, org):
    fresh_cache()
    before = snapshot(*ORGANISATION_WRITES)
    response = org_admin.post(f"/organisations/{org.slug}/invite/", data)
    assert response.status_code == 302
    after = snapshot(*ORGANISATION_WRITES)
    if after != before:  # a well-formed address by chance: one invitation, one email
        assert after["organisations.Invitation"] == before["organisations.Invitation"] + 1
    else:
        assert_error_message(response)


@SOME
@given(data=form_data(["email", "reason"]))
def test_nominations_refuse_garbage(data, org_admin, org):
    before = snapshot(*ORGANISATION_WRITES)
    response = org_admin.post(f"/organisations/{org.slug}/nominate/", data)
    assert response.status_code == 302
    assert snapshot(*ORGANISATION_WRITES) == before
    assert_error_message(response)


@SOME
@given(data=form_data(["action", "role"]), tampered=nasty_id())
def test_member_changes_with_garbage_or_tampered_ids(data, tampered, org_admin, org, other_org):
    colleague = Membership.objects.create(
        organisation=org, user=UserFactory(), role=MemberRole.MEMBER
    )
    stranger = Membership.objects.create(
        organisation=other_org, user=UserFactory(), role=MemberRole.MEMBER
    )
    rows = (Membership.objects.filter(pk__in=[colleague.pk, stranger.pk]),)
    before = snapshot(*ORGANISATION_WRITES, rows=rows)
    for membership_id in (tampered, stranger.pk):
        response = org_admin.post(f"/organisations/{org.slug}/members/{membership_id}/", data)
        assert response.status_code == 404
    assert snapshot(*ORGANISATION_WRITES, rows=rows) == before
    response = org_admin.post(f"/organisations/{org.slug}/members/{colleague.pk}/", data)
    assert response.status_code == 302
    colleague.delete() if Membership.objects.filter(pk=colleague.pk).exists() else None
    stranger.delete()


@FAST
@given(token=nasty_path_segment())
def test_invitation_links_with_garbage_tokens(token, signed_in):
    before = snapshot(*ORGANISATION_WRITES)
    page = signed_in.get(f"/organisations/invitations/{token}/")
    assert page.status_code in (200, 404)
    response = signed_in.post(f"/organisations/invitations/{token}/")
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert_error_message(response)
    assert snapshot(*ORGANISATION_WRITES) == before


# The form's own fields, so that a field added to it is sent garbage too.
ACTIVITY_FIELDS = list(ActivityForm.base_fields)


@SOME
@given(data=form_data(ACTIVITY_FIELDS))
def test_activity_form_refuses_garbage(data, org_admin, org):
    before = snapshot(*ORGANISATION_WRITES)
    response = org_admin.post(f"/organisations/{org.slug}/activities/new/", {"title": "", **data})
    assert_not_server_error(response)
    after = snapshot(*ORGANISATION_WRITES)
    if response.status_code == 302:
        assert after["organisations.ActivityVersion"] == before["organisations.ActivityVersion"] + 1
    else:
        assert_clear_error(response)
        assert after == before, changed(before, after)


@FAST
@given(tampered=nasty_id())
def test_editing_an_activity_that_is_not_the_organisations_is_not_found(
    tampered, org_admin, org, other_org
):
    theirs = Activity.objects.create(organisation=other_org, title="よその活動")
    before = snapshot(*ORGANISATION_WRITES)
    for activity_id in (tampered, theirs.pk):
        response = org_admin.post(
            f"/organisations/{org.slug}/activities/{activity_id}/edit/", {"title": "乗っ取り"}
        )
        assert response.status_code == 404
    theirs.delete()
    assert snapshot(*ORGANISATION_WRITES) == {**before, "cms.Activity": before["cms.Activity"] - 1}


@SOME
@given(
    data=form_data(
        [
            "description",
            "address",
            "website",
            "public_email",
            "public_phone",
            "fields",
            "municipalities_served",
        ]
    )
)
def test_organisation_profile_refuses_garbage(data, org_admin, org):
    row = Organisation.objects.filter(pk=org.pk)
    before = snapshot(*ORGANISATION_WRITES, rows=(row,))
    response = org_admin.post(f"/organisations/{org.slug}/profile/", {"description": "", **data})
    assert_not_server_error(response)
    if response.status_code != 302:
        assert_clear_error(response)
        assert snapshot(*ORGANISATION_WRITES, rows=(row,)) == before


# --- Members' exchange --------------------------------------------------------------------------


@pytest.fixture
def member(org):
    client = Client()
    client.force_login(member_of(org, role=MemberRole.MEMBER))
    return client


@pytest.fixture
def post(org):
    from tests.exchange.conftest import make_post

    return make_post(org, member_of(org, role=MemberRole.MEMBER))


@SOME
@given(data=form_data(["organisation", "kind", "title", "body", "fields", "link"]))
def test_new_post_refuses_garbage(data, member):
    before = snapshot(*EXCHANGE_WRITES)
    response = member.post("/members/posts/new/", {"title": "", **data})
    assert_not_server_error(response)
    after = snapshot(*EXCHANGE_WRITES)
    if response.status_code == 302:
        assert after["exchange.Post"] == before["exchange.Post"] + 1
    else:
        assert_clear_error(response, statuses=(400,))
        assert after == before, changed(before, after)


def test_posting_for_another_organisation_is_refused(member, other_org):
    before = snapshot(*EXCHANGE_WRITES)
    response = member.post(
        "/members/posts/new/",
        {"organisation": str(other_org.pk), "kind": "case_report", "title": "件名", "body": "本文"},
    )
    assert_clear_error(response, statuses=(400,))
    assert snapshot(*EXCHANGE_WRITES) == before


@SOME
@given(body=nasty_value(max_size=200))
def test_comments_refuse_garbage(body, member, post):
    before = snapshot(*EXCHANGE_WRITES)
    response = member.post(f"/members/posts/{post.pk}/comments/", {"body": body})
    assert_not_server_error(response)
    after = snapshot(*EXCHANGE_WRITES)
    if response.status_code == 302:
        assert after["exchange.Comment"] == before["exchange.Comment"] + 1
        Comment.objects.all().delete()
    else:
        assert_clear_error(response, statuses=(400,))
        assert after == before, changed(before, after)


@FAST
@given(
    tampered=nasty_id(),
    path=st.sampled_from(
        [
            "/members/posts/{}/",
            "/members/posts/{}/edit/",
            "/members/posts/{}/delete/",
            "/members/posts/{}/comments/",
            "/members/files/{}/",
            "/members/notices/{}/",
        ]
    ),
)
def test_exchange_ids_that_do_not_exist_are_not_found(tampered, path, member):
    before = snapshot(*EXCHANGE_WRITES)
    assert member.post(path.format(tampered), {"body": "こんにちは"}).status_code == 404
    assert snapshot(*EXCHANGE_WRITES) == before


def test_a_post_cannot_be_edited_or_deleted_by_another_member(member, post):
    row = Post.objects.filter(pk=post.pk)
    before = snapshot(*EXCHANGE_WRITES, rows=(row,))
    assert member.post(f"/members/posts/{post.pk}/edit/", {"title": "改ざん"}).status_code == 404
    assert member.post(f"/members/posts/{post.pk}/delete/").status_code == 404
    assert snapshot(*EXCHANGE_WRITES, rows=(row,)) == before


@FAST
@given(value=nasty_value())
def test_digest_choice_takes_any_value_as_a_tick(value, member):
    """A checkbox: any value is "yes", a missing one "no"; never an error page."""
    response = member.post("/members/digest/", {"weekly_digest": value})
    assert response.status_code == 302
    assert DigestPreference.objects.count() <= 1


@SOME
@given(data=form_data(["title", "body"]))
def test_notices_refuse_garbage(data, role_user):
    client = Client()
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))
    before = snapshot(*EXCHANGE_WRITES)
    response = client.post("/members/notices/new/", {"title": "", **data})
    assert_not_server_error(response)
    after = snapshot(*EXCHANGE_WRITES)
    if response.status_code == 302:
        assert after["exchange.Notice"] == before["exchange.Notice"] + 1
    else:
        assert_clear_error(response, statuses=(400,))
        assert after == before, changed(before, after)


@FAST
@given(token=nasty_path_segment())
def test_unsubscribe_links_with_garbage_tokens_change_nothing(token):
    client = Client()
    before = snapshot(*EXCHANGE_WRITES)
    for response in (
        client.get(f"/members/digest/unsubscribe/{token}/"),
        client.post(f"/members/digest/unsubscribe/{token}/"),
    ):
        assert response.status_code in (400, 404)
        if response.status_code == 400:
            assert "リンク" in response.content.decode()
    assert snapshot(*EXCHANGE_WRITES) == before


@SOME
@given(
    name=nasty_text(min_size=1, max_size=120),
    extension=st.sampled_from(["pdf", "txt", "csv", "exe", ""]),
)
def test_attachments_with_nasty_file_names(name, extension, member, org):
    """The file's name is the sender's text too: a post with it is refused with a clear error
    and no file, or saved with a name that has no control characters."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from exchange.models import Attachment
    from lms.text import has_invisible_characters
    from tests.exchange.conftest import PDF

    content = PDF if extension == "pdf" else "見出し,値\n1,2\n".encode()
    file_name = f"{name}.{extension}" if extension else name
    # No browser sends a file without a name ("", ".", "a/"): Django refuses to build one.
    assume(os.path.basename(file_name) not in {"", ".", ".."})
    upload = SimpleUploadedFile(file_name, content)
    before = snapshot(*EXCHANGE_WRITES, Attachment)
    response = member.post(
        "/members/posts/new/",
        {
            "organisation": str(org.pk),
            "kind": "resource",
            "title": "資料の共有",
            "body": "研修資料です。",
            "attachment_1": upload,
        },
    )
    assert_not_server_error(response)
    after = snapshot(*EXCHANGE_WRITES, Attachment)
    if response.status_code == 302:
        added = after["exchange.Attachment"] - before["exchange.Attachment"]
        if added == 0:  # a name with nothing visible is "no file chosen" to Django
            assert not "".join(ch for ch in upload.name if ch.isprintable()).strip()
        else:
            saved = Attachment.objects.order_by("-pk").first()
            assert added == 1
            assert not has_invisible_characters(saved.original_name), saved.original_name
            assert len(saved.original_name) <= 200
    else:
        assert_clear_error(response, statuses=(400,))
        assert after == before, changed(before, after)
