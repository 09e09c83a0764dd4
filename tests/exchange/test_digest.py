"""The weekly digest (exchange.tasks.send_weekly_digest): each member who has not turned it off
gets, once per ISO week, the posts and notices published since their last digest, in their
own language, with a one-click unsubscribe link; never hidden posts, never non-members (someone
removed from their organisation stops getting it), nothing when there is nothing new."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.utils import timezone

from exchange import services, tasks
from exchange.models import DigestPreference, DigestSent, Notice, Post
from lms.models import OutboundEmail
from lms.schedules import PERIODIC_JOBS, schedules_ensure
from organisations.models import Membership
from tests.exchange.conftest import make_post

pytestmark = pytest.mark.django_db

# Wednesday 25 November 2026 (ISO week 2026-W48), at noon in Japan.
NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)


def digests() -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(template="exchange/email/digest").order_by("pk"))


def by_recipient() -> dict[str, OutboundEmail]:
    return {m.recipient: m for m in digests()}


def published(obj, when: dt.datetime):
    """Move an object's publication time (auto_now_add) to ``when``."""
    type(obj).objects.filter(pk=obj.pk).update(created_at=when)
    return obj


@pytest.fixture
def news(org, other_org, people):
    """Two days ago: a case report from A, a resource from B, a notice; and a post A hid."""
    two_days_ago = NOW - dt.timedelta(days=2)
    report = published(make_post(org, people["author"], title="相談コーナーの事例"), two_days_ago)
    resource = published(
        make_post(other_org, people["other_admin"], kind="resource", title="見守りの手引き"),
        two_days_ago,
    )
    hidden = make_post(org, people["member"], title="不適切な投稿")
    services.post_set_hidden(post=hidden, by=people["coordinator"], hidden=True)
    published(hidden, two_days_ago)
    notice = published(
        services.notice_create(by=people["coordinator"], title="情報交換会のご案内", body="本文"),
        two_days_ago,
    )
    return {"report": report, "resource": resource, "hidden": hidden, "notice": notice}


def test_members_get_new_posts_and_notices_but_not_hidden_posts(people, news):
    sent = tasks.send_weekly_digest(now=NOW)

    members = ["author", "member", "admin", "other_member", "other_admin"]
    assert sent == len(members)
    mails = by_recipient()
    assert set(mails) == {people[who].email for who in members}
    member_mail = mails[people["member"].email]
    for text in ("相談コーナーの事例", "見守りの手引き", "情報交換会のご案内", "尼崎まちの縁側"):
        assert text in member_mail.body_text
    assert "不適切な投稿" not in member_mail.body_text
    assert f"{settings.SITE_URL}/members/posts/{news['report'].pk}/" in member_mail.body_text
    assert f"{settings.SITE_URL}/members/notices/{news['notice'].pk}/" in member_mail.body_text
    assert "/members/digest/unsubscribe/" in member_mail.body_text
    assert member_mail.subject
    # Nobody is told about their own post.
    assert "相談コーナーの事例" not in mails[people["author"].email].body_text
    assert "見守りの手引き" in mails[people["author"].email].body_text


def test_non_members_and_the_secretariat_get_nothing(people, news):
    tasks.send_weekly_digest(now=NOW)

    recipients = set(by_recipient())
    for who in ("volunteer", "coordinator", "editor"):
        assert people[who].email not in recipients


def test_a_second_run_in_the_same_week_sends_nothing(people, news):
    first = tasks.send_weekly_digest(now=NOW)
    later_that_week = NOW + dt.timedelta(days=3)  # Saturday, still 2026-W48
    published(make_post(people["admin"].memberships.get().organisation, people["admin"]), NOW)

    assert tasks.send_weekly_digest(now=later_that_week) == 0
    assert tasks.send_weekly_digest(now=NOW) == 0

    assert len(digests()) == first
    assert set(DigestSent.objects.values_list("week", flat=True)) == {"2026-W48"}


def test_the_next_week_lists_only_what_is_new_since(org, people, news):
    tasks.send_weekly_digest(now=NOW)
    newer = published(
        make_post(org, people["admin"], title="翌週の投稿"), NOW + dt.timedelta(days=3)
    )
    OutboundEmail.objects.all().delete()

    next_week = NOW + dt.timedelta(weeks=1)
    assert tasks.send_weekly_digest(now=next_week) == 4  # everyone but its author

    mail = by_recipient()[people["member"].email]
    assert "翌週の投稿" in mail.body_text
    assert "相談コーナーの事例" not in mail.body_text
    assert f"/members/posts/{newer.pk}/" in mail.body_text


def test_nothing_new_nothing_sent(people):
    assert tasks.send_weekly_digest(now=NOW) == 0
    assert digests() == []
    assert not DigestSent.objects.exists()


def test_old_posts_are_not_sent_again_to_a_first_timer(org, people):
    """A first digest looks back one week only."""
    published(make_post(org, people["admin"], title="先月の投稿"), NOW - dt.timedelta(days=30))

    assert tasks.send_weekly_digest(now=NOW) == 0


def test_opting_out_is_respected(client, people, news):
    client.force_login(people["member"])
    response = client.post("/members/digest/", {})  # the box unticked
    assert response.status_code == 302
    assert DigestPreference.objects.get(user=people["member"]).weekly_digest is False

    tasks.send_weekly_digest(now=NOW)

    assert people["member"].email not in by_recipient()
    assert people["other_member"].email in by_recipient()
    page = client.get("/members/digest/")
    assert page.context["form"].initial == {"weekly_digest": False}


def test_the_unsubscribe_link_works_without_signing_in(client, people, news):
    tasks.send_weekly_digest(now=NOW)
    body = by_recipient()[people["member"].email].body_text
    url = re.search(r"https?://\S+/members/digest/unsubscribe/\S+/", body).group(0)
    path = url.removeprefix(settings.SITE_URL)

    page = client.get(path)
    assert page.status_code == 200
    assert 'class="unsubscribe-form"' in page.content.decode()
    assert (
        DigestPreference.objects.filter(user=people["member"]).count() == 0
    )  # GET changes nothing

    done = client.post(path)
    assert done.status_code == 200
    assert 'class="message message-success unsubscribed"' in done.content.decode()
    assert DigestPreference.objects.get(user=people["member"]).weekly_digest is False

    OutboundEmail.objects.all().delete()
    make_post(people["admin"].memberships.get().organisation, people["admin"])
    tasks.send_weekly_digest(now=timezone.now() + dt.timedelta(weeks=1))
    assert people["member"].email not in by_recipient()
    assert people["other_member"].email in by_recipient()  # the others still get it


def test_a_tampered_unsubscribe_link_is_refused(client, people):
    token = services.unsubscribe_token(user=people["member"])
    forged = token.replace(token.split(":")[0], "Mg", 1)  # another user's id, same signature

    for bad in (forged, "nonsense", token + "x"):
        assert client.post(f"/members/digest/unsubscribe/{bad}/").status_code == 400
    assert not DigestPreference.objects.exists()


def test_a_removed_member_gets_nothing(org, people, news):
    Membership.objects.filter(user=people["member"]).delete()

    tasks.send_weekly_digest(now=NOW)

    assert people["member"].email not in by_recipient()


def test_each_member_reads_it_in_their_language(people, news):
    person = people["other_member"]
    person.preferred_language = "en"
    person.save(update_fields=["preferred_language"])

    tasks.send_weekly_digest(now=NOW)

    mail = by_recipient()[person.email]
    assert mail.language == "en"
    assert mail.subject == "Members' exchange: 3 new items"
    assert "[Case report] 相談コーナーの事例" in mail.body_text
    assert f"{settings.SITE_URL}/en/members/digest/unsubscribe/" in mail.body_text


def test_the_digest_is_a_periodic_job():
    from django_q.models import Schedule

    assert ("exchange-weekly-digest", "exchange.tasks.send_weekly_digest", 24 * 60) in (
        PERIODIC_JOBS
    )
    schedules_ensure()
    assert Schedule.objects.get(name="exchange-weekly-digest").func == (
        "exchange.tasks.send_weekly_digest"
    )


def test_the_digest_runs_a_fixed_number_of_queries(
    org, people, news, django_assert_max_num_queries
):
    """Recipients, their windows, the posts and the notices are read once for everyone; each
    message then costs a constant number of writes."""
    for _n in range(10):
        published(make_post(org, people["admin"]), NOW - dt.timedelta(days=1))
    with django_assert_max_num_queries(5 + 5 * 6) as ctx:
        assert tasks.send_weekly_digest(now=NOW) == 5
    assert len(ctx.captured_queries) <= 35
    assert Post.objects.count() == 13 and Notice.objects.count() == 1


def test_a_post_saved_while_the_digest_runs_goes_in_the_next_one(org, other_org, people):
    """created_at is set before a post's transaction commits: a post stamped a minute before
    the run may not be visible to it yet, so this run does not cover it and next week's does."""
    late = published(
        make_post(other_org, people["other_admin"], title="締め切り直前の投稿"),
        NOW - dt.timedelta(minutes=1),
    )

    tasks.send_weekly_digest(now=NOW)
    assert "締め切り直前の投稿" not in "".join(m.body_text for m in digests())

    tasks.send_weekly_digest(now=NOW + dt.timedelta(days=7))
    mail = by_recipient()[people["member"].email]
    assert late.title in mail.body_text
