"""Nobody is signed out when the authentication backend changes (lms migration 0011)."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]

migration = importlib.import_module("lms.migrations.0011_sessions_use_one_query_backend")


def signed_in_session(user, backend: str) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def test_sessions_of_the_old_backend_stay_signed_in_after_the_migration(settings):
    person = UserFactory(full_name="兵庫 和子")
    key = signed_in_session(person, migration.OLD)
    browser = Client()
    browser.cookies[settings.SESSION_COOKIE_NAME] = key
    assert browser.get("/learning/").status_code == 302  # the old path is no longer listed

    migration.forwards(apps, None)

    assert browser.get("/learning/").status_code == 200
    assert SessionStore(session_key=key)[BACKEND_SESSION_KEY] == migration.NEW

    migration.backwards(apps, None)
    assert SessionStore(session_key=key)[BACKEND_SESSION_KEY] == migration.OLD
