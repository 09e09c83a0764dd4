"""The session and the person every signed-in request reads, with statements built once
(lms.sessions, lms.backends, lms.statements): the same as Django's own database sessions and
model backend give, for every case."""

import datetime as dt

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lms.backends import ModelBackendOneQuery
from lms.models import Profession
from lms.sessions import SessionStore
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _saved_by_django(**data) -> str:
    store = DjangoSessionStore()
    store.update(data)
    store.create()
    return store.session_key


def test_a_session_reads_back_what_django_saved():
    key = _saved_by_django(氏名="兵庫 花子", next="/ja/courses/", count=3)
    ours = SessionStore(session_key=key)

    assert dict(ours.items()) == dict(DjangoSessionStore(session_key=key).items())
    assert ours["氏名"] == "兵庫 花子" and ours.session_key == key


def test_one_query_each_time_and_the_same_row_as_the_orm():
    key = _saved_by_django(a=1)
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            row = SessionStore(session_key=key)._get_session_from_db()
        assert len(queries.captured_queries) == 1
    expected = Session.objects.get(session_key=key)
    assert (row.session_key, row.session_data, row.expire_date) == (
        expected.session_key,
        expected.session_data,
        expected.expire_date,
    )
    assert row.expire_date.tzinfo is not None and not row._state.adding


@pytest.mark.parametrize("case", ["expired", "unknown", "malformed"])
def test_an_expired_unknown_or_malformed_session_is_empty_and_forgotten(case):
    key = _saved_by_django(a=1)
    if case == "expired":
        Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() - dt.timedelta(seconds=1)
        )
    elif case == "unknown":
        key = "x" * 32
    else:
        key = "'; DROP TABLE django_session; --"

    ours, django = SessionStore(session_key=key), DjangoSessionStore(session_key=key)
    assert dict(ours.items()) == dict(django.items()) == {}
    assert ours.session_key is None and django.session_key is None
    assert Session.objects.exists()  # nothing lost


def test_the_person_is_read_as_the_model_backend_reads_them():
    person = UserFactory(
        full_name="姫路 一郎",
        full_name_kana="ひめじ いちろう",
        profession=Profession.objects.get(slug="nurse"),
        is_staff=True,
    )
    ours = ModelBackendOneQuery().get_user(person.pk)
    django = ModelBackend().get_user(person.pk)

    fields = [field.attname for field in type(person)._meta.concrete_fields]
    assert [getattr(ours, name) for name in fields] == [getattr(django, name) for name in fields]
    assert type(ours.date_joined) is dt.datetime and ours.date_joined.tzinfo is not None
    assert ours.is_staff is True and ours.profession.slug == "nurse"
    assert not ours._state.adding and ours._state.db == "default"
    with CaptureQueriesContext(connection) as queries:
        ModelBackendOneQuery().get_user(str(person.pk))  # as the session keeps it
    assert len(queries.captured_queries) == 1


@pytest.mark.parametrize("user_id", [-1, "abc", None])
def test_nobody_for_an_unknown_or_malformed_id(user_id):
    UserFactory()
    assert ModelBackendOneQuery().get_user(user_id) is None


def test_nobody_when_the_person_can_no_longer_sign_in():
    person = UserFactory(is_active=False)
    assert ModelBackendOneQuery().get_user(person.pk) is None
    assert ModelBackend().get_user(person.pk) is None


def test_a_signed_in_person_stays_signed_in_and_can_sign_out(client):
    person = UserFactory(full_name="明石 花子")
    client.force_login(person)
    assert client.session.session_key and client.get("/learning/").status_code == 200

    client.logout()

    assert client.get("/learning/").status_code == 302


def test_only_whole_rows_are_built_as_instances():
    from django.db.models import Value

    from lms.models import User
    from lms.statements import IdStatement

    person = UserFactory()
    for build in (
        lambda alias, pk: User.objects.using(alias).filter(pk=pk).select_related("profession"),
        lambda alias, pk: User.objects.using(alias).filter(pk=pk).annotate(one=Value(1)),
        lambda alias, pk: User.objects.using(alias).filter(pk=pk).values("pk"),
    ):
        with pytest.raises(TypeError):
            IdStatement(build).instance(person.pk, model=User)
