"""The weekly digest of mentoring alerts (issue #8, item 5): once per ISO week, to active
coordinators only, in each one's language, listing every alert they have not acknowledged."""

import datetime as dt

import pytest
from django.conf import settings

from lms import roles
from lms.models import OutboundEmail
from mentoring import selectors, services, tasks
from mentoring.models import ChangeRequest, DigestSent, MentoringProgramme, Pair, PairStatus
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db]

# Wednesday 25 November 2026 (ISO week 2026-W48), at noon in Japan.
NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def coordinators(role_user):
    return [
        role_user(roles.COORDINATORS, full_name="調整 一郎"),
        role_user(roles.COORDINATORS, full_name="Coord Two", preferred_language="en"),
    ]


@pytest.fixture
def quiet_pair():
    """An active pair that started five weeks ago (quiet after four) and never met."""
    programme = MentoringProgramme.objects.create(title="あおぞらメンタリング", quiet_after_weeks=4)
    return Pair.objects.create(
        programme=programme,
        mentor=UserFactory(full_name="山田 太郎", email="mentor@example.jp"),
        mentee=UserFactory(full_name="佐藤 花子", email="mentee@example.jp"),
        status=PairStatus.ACTIVE,
        starts_on=TODAY - dt.timedelta(weeks=5),
    )


def digests() -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(template="mentoring/email/digest").order_by("pk"))


def test_coordinators_get_one_digest_listing_the_quiet_pair(coordinators, quiet_pair, role_user):
    role_user(roles.COORDINATORS, is_active=False)  # left: gets nothing
    role_user(roles.CONTENT_EDITORS)  # another role: gets nothing

    assert tasks.send_weekly_digest(now=NOW) == 2

    sent = digests()
    assert sorted(m.recipient for m in sent) == sorted(c.email for c in coordinators)
    assert {m.recipient: m.language for m in sent} == {
        coordinators[0].email: "ja",
        coordinators[1].email: "en",
    }
    for message in sent:
        assert "山田 太郎" in message.body_text
        assert "佐藤 花子" in message.body_text
        assert "あおぞらメンタリング" in message.body_text
        assert f"{settings.SITE_URL}/admin/mentoring/alerts/" in message.body_text
        assert message.subject
    english = next(m for m in sent if m.language == "en")
    assert "Coord Two" in english.body_text
    assert "Mentoring: 1 alert to look at this week" == english.subject
    assert "No session for 4 weeks or more" in english.body_text
    assert f"{TODAY - dt.timedelta(weeks=5):%Y/%m/%d}" in english.body_text
    assert list(DigestSent.objects.values_list("week", flat=True)) == ["2026-W48"]


def test_nothing_goes_to_the_mentor_or_the_mentee(coordinators, quiet_pair):
    ChangeRequest.objects.create(pair=quiet_pair, reason="相性が合わないと感じています")

    assert tasks.send_weekly_digest(now=NOW) == 2

    recipients = set(OutboundEmail.objects.values_list("recipient", flat=True))
    assert recipients == {c.email for c in coordinators}
    assert "mentor@example.jp" not in recipients
    assert "mentee@example.jp" not in recipients
    # The mentee's private reason is in the coordinators' digest, and only there.
    assert all("相性が合わないと感じています" in m.body_text for m in digests())
    english = next(m for m in digests() if m.language == "en")
    assert english.subject == "Mentoring: 2 alerts to look at this week"


def test_a_second_run_in_the_same_week_sends_nothing(coordinators, quiet_pair):
    assert tasks.send_weekly_digest(now=NOW) == 2
    later_that_week = NOW + dt.timedelta(days=3)  # Saturday, still 2026-W48

    assert tasks.send_weekly_digest(now=later_that_week) == 0
    assert tasks.send_weekly_digest(now=NOW) == 0

    assert len(digests()) == 2
    assert DigestSent.objects.count() == 1


def test_the_next_week_gets_its_own_digest(coordinators, quiet_pair):
    assert tasks.send_weekly_digest(now=NOW) == 2
    assert tasks.send_weekly_digest(now=NOW + dt.timedelta(weeks=1)) == 2

    assert len(digests()) == 4
    assert sorted(DigestSent.objects.values_list("week", flat=True)) == ["2026-W48", "2026-W49"]


def test_no_digest_without_alerts(coordinators):
    programme = MentoringProgramme.objects.create(title="あおぞら", quiet_after_weeks=4)
    # Started three weeks ago: not quiet yet.
    Pair.objects.create(
        programme=programme,
        mentor=UserFactory(),
        mentee=UserFactory(),
        status=PairStatus.ACTIVE,
        starts_on=TODAY - dt.timedelta(weeks=3),
    )
    assert selectors.alerts(now=NOW) == []

    assert tasks.send_weekly_digest(now=NOW) == 0

    assert digests() == []
    assert not DigestSent.objects.exists()


def test_acknowledged_alerts_are_not_sent_again(coordinators, quiet_pair):
    [alert] = selectors.alerts(now=NOW)
    services.alert_acknowledge(key=alert.key, by=coordinators[0], note="電話で確認しました")

    assert tasks.send_weekly_digest(now=NOW) == 0

    assert digests() == []
    assert not DigestSent.objects.exists()


def test_a_week_crossing_the_new_year_is_named_the_iso_way(coordinators, quiet_pair):
    # Thursday 31 December 2026 falls in ISO week 2026-W53.
    new_year_eve = dt.datetime(2026, 12, 31, 3, 0, tzinfo=dt.UTC)
    assert tasks.send_weekly_digest(now=new_year_eve) == 2
    # Friday 1 January 2027 is in the same ISO week: nothing more.
    assert tasks.send_weekly_digest(now=new_year_eve + dt.timedelta(days=1)) == 0

    assert list(DigestSent.objects.values_list("week", flat=True)) == ["2026-W53"]
