"""A person can download what the platform holds about them and delete their account (APPI)."""

import json
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from lms.models import OutboundEmail, OutboundEmailStatus, User
from lms.services import WITHDRAWN_RECIPIENT, outbound_email_purge_old
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory


def test_my_data_download_contains_only_my_own_information(client, home_page):
    me = UserFactory(full_name="髙橋 﨑子", email="saki@example.jp")
    other = UserFactory(full_name="別人 太郎", email="other@example.jp")
    OutboundEmail.objects.create(
        recipient="saki@example.jp", template="t", subject="研修のご案内", body_text="x"
    )
    OutboundEmail.objects.create(
        recipient=other.email, template="t", subject="別の人宛て", body_text="x"
    )
    client.force_login(me)

    response = client.get("/profile/my-data/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    data = json.loads(response.content)
    assert data["account"]["full_name"] == "髙橋 﨑子"
    assert data["email_addresses"] == [
        {"email": "saki@example.jp", "verified": True, "primary": True}
    ]
    assert [m["subject"] for m in data["emails_sent_to_you"]] == ["研修のご案内"]
    assert "別人" not in response.content.decode()
    assert "other@example.jp" not in response.content.decode()


def test_my_data_requires_login(client, home_page):
    response = client.get("/profile/my-data/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_withdraw_with_the_right_password_anonymises_the_account_and_mail(client, home_page):
    me = UserFactory(email="leaving@example.jp", full_name="退会 予定", organisation_name="〇〇会")
    OutboundEmail.objects.create(
        recipient="leaving@example.jp", template="t", subject="件名", body_text="本文"
    )
    client.force_login(me)

    response = client.post("/profile/withdraw/", {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 302
    gone = User.objects.get(pk=me.pk)
    assert gone.withdrawn_at is not None and not gone.is_active
    assert (gone.full_name, gone.full_name_kana, gone.organisation_name) == ("", "", "")
    assert gone.email == f"withdrawn-{me.pk}@invalid" and not gone.has_usable_password()
    assert str(gone) == "（退会済み）"
    assert not User.objects.filter(email__iexact="leaving@example.jp").exists()
    assert not EmailAddress.objects.filter(email="leaving@example.jp").exists()
    assert not EmailAddress.objects.filter(user=gone).exists()
    message = OutboundEmail.objects.get()
    assert (message.recipient, message.subject, message.body_text) == (WITHDRAWN_RECIPIENT, "", "")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "data",
    [{"password": "wrong-password", "confirm": "on"}, {"password": PASSWORD}, {}],
)
def test_withdraw_without_password_or_confirmation_deletes_nothing(client, home_page, data):
    me = UserFactory()
    client.force_login(me)

    response = client.post("/profile/withdraw/", data)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert User.objects.filter(pk=me.pk).exists()


def test_withdraw_refuses_administrators(client, home_page):
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)

    response = client.post(
        "/profile/withdraw/", {"password": PASSWORD, "confirm": "on"}, follow=True
    )

    assert User.objects.filter(pk=admin.pk).exists()
    assert "別の管理者" in response.content.decode()


def test_purge_old_emails_deletes_only_old_delivered_messages(settings):
    settings.EMAIL_RETENTION_DAYS = 30
    old = timezone.now() - timedelta(days=31)
    old_sent = OutboundEmail.objects.create(
        recipient="a@example.jp",
        template="t",
        subject="s",
        body_text="b",
        status=OutboundEmailStatus.SENT,
    )
    old_failed = OutboundEmail.objects.create(
        recipient="b@example.jp",
        template="t",
        subject="s",
        body_text="b",
        status=OutboundEmailStatus.FAILED,
    )
    recent_sent = OutboundEmail.objects.create(
        recipient="c@example.jp",
        template="t",
        subject="s",
        body_text="b",
        status=OutboundEmailStatus.SENT,
    )
    OutboundEmail.objects.filter(pk__in=[old_sent.pk, old_failed.pk]).update(created_at=old)

    assert outbound_email_purge_old() == 1
    assert set(OutboundEmail.objects.values_list("pk", flat=True)) == {
        old_failed.pk,
        recent_sent.pk,
    }


def test_my_data_download_includes_my_enrolments_only(client, home_page):
    from tests.factories import CourseRunFactory, EnrolmentFactory

    me, other = UserFactory(), UserFactory()
    run = CourseRunFactory(title="2026年度 第1期")
    EnrolmentFactory(run=run, user=me, breakout_group=3)
    EnrolmentFactory(run=CourseRunFactory(title="別の回"), user=other)
    client.force_login(me)

    data = json.loads(client.get("/profile/my-data/").content)

    assert [
        (e["course"], e["run"], e["status"], e["breakout_group"]) for e in data["enrolments"]
    ] == [(run.course.title, "2026年度 第1期", "enrolled", 3)]


def test_my_data_download_includes_my_attendance_and_reflection(client, home_page):
    from courses import services
    from tests.factories import CourseRunFactory, EnrolmentFactory, SessionFactory

    me = UserFactory()
    run = CourseRunFactory()
    session = SessionFactory(run=run, title="第1回 事例検討")
    mine = EnrolmentFactory(run=run, user=me)
    theirs = EnrolmentFactory(run=run)
    services.attendance_record(enrolment=mine, session=session, status="late")
    services.attendance_record(enrolment=theirs, session=session, status="absent")
    services.reflection_submit(
        enrolment=mine, text="他の職種の視点を知り、連携の相談先が増えました。"
    )
    client.force_login(me)

    (enrolment,) = json.loads(client.get("/profile/my-data/").content)["enrolments"]

    assert [(a["session"], a["status"]) for a in enrolment["attendance"]] == [
        ("第1回 事例検討", "late")
    ]
    assert enrolment["reflection"].startswith("他の職種の視点")
