"""The version of what staff lists show of people (``lms.selectors.ACCOUNTS_SHOWN_VERSION``):
lists kept whole (the volunteer list, the mentoring alerts, rosters and matrices) are named by
it, so it moves with every save that may change a name, an address, a withdrawal or a staff
flag, and stays put when an account saves only what no list shows (a sign-in)."""

import pytest
from django.contrib.auth.models import update_last_login

from lms.models import User
from lms.selectors import ACCOUNTS_SHOWN_VERSION
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "change",
    [
        {"full_name": "新しい 名前"},
        {"full_name_kana": "あたらしい なまえ"},
        {"email": "new@example.jp"},
        {"organisation_name": "〇〇社会福祉協議会"},
        {"is_staff": True},
        {"is_active": False},
    ],
)
def test_a_save_of_what_lists_show_moves_the_version(change):
    person = UserFactory()
    before = ACCOUNTS_SHOWN_VERSION.current()
    for field, value in change.items():
        setattr(person, field, value)
    person.save(update_fields=list(change))
    assert ACCOUNTS_SHOWN_VERSION.current() != before


def test_a_whole_save_moves_the_version():
    person = UserFactory()
    before = ACCOUNTS_SHOWN_VERSION.current()
    person.save()
    assert ACCOUNTS_SHOWN_VERSION.current() != before


def test_a_sign_in_or_a_language_choice_keeps_it():
    person = UserFactory()
    before = ACCOUNTS_SHOWN_VERSION.current()
    update_last_login(None, person)
    person.preferred_language = "en"
    person.save(update_fields=["preferred_language"])
    assert ACCOUNTS_SHOWN_VERSION.current() == before


def test_a_new_account_moves_it_only_for_staff():
    before = ACCOUNTS_SHOWN_VERSION.current()
    User.objects.create_user("learner@example.jp", "つながり2026", full_name="新しい 学習者")
    assert ACCOUNTS_SHOWN_VERSION.current() == before
    User.objects.create_user("staff@example.jp", full_name="新しい 職員", is_staff=True)
    assert ACCOUNTS_SHOWN_VERSION.current() != before


def test_every_version_is_bumped_for_data_written_in_bulk():
    from lms import pagecache
    from lms.admin_sidebar import SIDEBAR_VERSION

    before = (pagecache.current_version(), SIDEBAR_VERSION.current())
    accounts = ACCOUNTS_SHOWN_VERSION.current()
    pagecache.bump_every_version()
    assert pagecache.current_version() != before[0]
    assert SIDEBAR_VERSION.current() != before[1]
    assert ACCOUNTS_SHOWN_VERSION.current() != accounts
