"""The custom user: email login, 氏名 as the full name, superusers."""

import pytest
from django.contrib.auth import authenticate, get_user_model

pytestmark = pytest.mark.django_db

User = get_user_model()


def test_create_user_lowercases_the_email_and_logs_in_by_email():
    user = User.objects.create_user("Hanako.Hyogo@Example.JP", "kobe-harbour-2026!")

    assert user.email == "hanako.hyogo@example.jp"
    assert User.USERNAME_FIELD == "email"
    assert not hasattr(user, "username") or user.username is None
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert authenticate(username="hanako.hyogo@example.jp", password="kobe-harbour-2026!") == user
    assert authenticate(username="hanako.hyogo@example.jp", password="wrong-password") is None


def test_create_user_without_email_is_refused():
    with pytest.raises(ValueError, match="email"):
        User.objects.create_user("", "kobe-harbour-2026!")


def test_user_get_full_name_returns_shimei_and_falls_back_to_email():
    named = User.objects.create_user(
        "named@example.jp", "x", full_name="兵庫 花子", full_name_kana="ひょうご はなこ"
    )
    unnamed = User.objects.create_user("unnamed@example.jp", "x")

    assert named.get_full_name() == "兵庫 花子"
    assert named.get_short_name() == "兵庫 花子"
    assert str(named) == "兵庫 花子"
    assert unnamed.get_full_name() == "unnamed@example.jp"
    assert named.preferred_language == "ja"


def test_create_superuser_is_staff_and_superuser():
    admin = User.objects.create_superuser("Admin@Example.jp", "kobe-harbour-2026!")

    admin.refresh_from_db()
    assert admin.email == "admin@example.jp"
    assert admin.is_staff is True
    assert admin.is_superuser is True
    assert admin.has_perm("wagtailadmin.access_admin")


def test_user_email_is_unique():
    from django.db import IntegrityError, transaction

    User.objects.create_user("same@example.jp", "x")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("SAME@example.jp", "y")


@pytest.mark.parametrize(
    "save",
    [
        pytest.param(lambda person: person.save(), id="whole"),
        pytest.param(lambda person: person.save(update_fields=["email"]), id="some-fields"),
        pytest.param(lambda person: person.save(update_fields=("email",)), id="a-tuple"),
    ],
)
def test_every_save_of_what_people_are_shown_stamps_updated_at(save):
    """Lists kept whole (a session's roster) are named by it."""
    import datetime as dt

    from django.utils import timezone

    person = User.objects.create_user("stamp@example.jp", "kobe-harbour-2026!")
    long_ago = timezone.now() - dt.timedelta(days=3)
    User.objects.filter(pk=person.pk).update(updated_at=long_ago)
    read = User.objects.only("email").get(pk=person.pk)  # updated_at left unread
    read.email = "stamped@example.jp"

    save(read)

    assert User.objects.get(pk=person.pk).updated_at > long_ago


def test_signing_in_is_not_a_change_of_the_account(client):
    """The last login alone is shown nowhere: kept rosters stay kept while people sign in."""
    import datetime as dt

    from django.utils import timezone

    person = User.objects.create_user("login@example.jp", "kobe-harbour-2026!")
    long_ago = timezone.now() - dt.timedelta(days=3)
    User.objects.filter(pk=person.pk).update(updated_at=long_ago)

    assert client.login(username="login@example.jp", password="kobe-harbour-2026!")

    stored = User.objects.get(pk=person.pk)
    assert stored.last_login is not None and stored.updated_at == long_ago
