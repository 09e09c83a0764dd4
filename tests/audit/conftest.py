"""Shared people for the audit log tests, and the check that the log holds nobody's personal
data."""

import json

import pytest

from audit.models import AuditEvent
from lms import roles
from tests.factories import UserFactory
from tests.volunteers.test_pipeline import register

PASSWORD = "correct-horse-battery"


@pytest.fixture
def coordinator(role_user):
    return role_user(
        roles.COORDINATORS, is_staff=True, full_name="調整 役子", email="coord@example.jp"
    )


@pytest.fixture
def admin_user(db):
    return UserFactory(
        is_staff=True, is_superuser=True, full_name="管理 者", email="admin@example.jp"
    )


@pytest.fixture
def volunteer(db):
    """Factory: a registered volunteer with a name, kana, email and phone of their own."""

    def make(name="須磨 花", kana="すま はな", email="suma@example.jp", **profile):
        profile.setdefault("phone", "079-221-2111")
        user = UserFactory(full_name=name, full_name_kana=kana, email=email)
        return register(user, **profile)

    return make


def event_text(event: AuditEvent) -> str:
    """Every stored field of an event as one string."""
    values = [
        event.actor_label,
        event.action,
        event.subject_id,
        event.subject_label,
        json.dumps(event.detail, ensure_ascii=False),
        event.client_address or "",
        event.created_at.isoformat(),
    ]
    return "\n".join(values)


def personal_values(user, phone: str = "") -> list[str]:
    """What identifies ``user`` (read before anything erases it)."""
    return [v for v in (user.full_name, user.full_name_kana, user.email, phone) if v]


def assert_no_personal_data(values: list[str]) -> None:
    """No event anywhere in the log holds any of ``values`` (names, ふりがな, emails, phones)."""
    events = list(AuditEvent.objects.all())
    assert events, "nothing was recorded, so there is nothing to check"
    assert values
    for event in events:
        text = event_text(event)
        for value in values:
            assert value not in text, (value, event.action)
