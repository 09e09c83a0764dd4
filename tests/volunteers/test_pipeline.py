"""Volunteers (issue #7, first part): registration with consent, the stage history, likely
duplicates and the "waiting for contact" list."""

import datetime as dt
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lms.models import Field, Municipality
from tests.factories import UserFactory
from volunteers import selectors, services
from volunteers.models import Stage, StageChange, VolunteerProfile

pytestmark = pytest.mark.django_db

HIMEJI = "282014"


def register(user=None, *, entered_by=None, **overrides):
    data = {
        "phone": "079-221-2111",
        "municipality": Municipality.objects.get(code=HIMEJI),
        "age_band": "60s",
        "weekdays": True,
        "daytime": True,
        "frequency": "monthly",
        "skills": "調理師として30年働きました。",
        "motivation": "地域の子ども食堂を手伝いたい。",
        "insurance": "wants_help",
        "fields": [Field.objects.first()],
        **overrides,
    }
    return services.volunteer_register(
        user=user or UserFactory(full_name="播磨 太郎", full_name_kana="はりま たろう"),
        data=data,
        entered_by=entered_by,
    )


def test_registration_records_consent_and_the_first_stage():
    profile = register()

    assert profile.stage == Stage.APPLIED
    assert profile.consent_purpose_version and profile.consented_at
    assert profile.consent_on_paper is False
    assert profile.fields.count() == 1
    change = StageChange.objects.get()
    assert (change.from_stage, change.to_stage, change.changed_by) == ("", "applied", None)


def test_staff_entering_a_paper_form_is_recorded():
    coordinator = UserFactory(is_staff=True)
    profile = register(entered_by=coordinator)

    assert (profile.consent_on_paper, profile.entered_by) == (True, coordinator)
    assert StageChange.objects.get().changed_by == coordinator


@pytest.mark.parametrize(
    "bad",
    [{"age_band": "teenager"}, {"skills": "あ" * 10_000}, {"insurance": "maybe"}],
)
def test_bad_data_creates_nothing(bad):
    with pytest.raises(ValidationError):
        register(**bad)
    assert not VolunteerProfile.objects.exists()
    assert not StageChange.objects.exists()


def test_a_person_registers_once():
    person = UserFactory()
    register(person)
    with pytest.raises(services.VolunteerError):
        register(person)
    assert VolunteerProfile.objects.count() == 1


def test_every_stage_move_is_chained_in_the_history():
    profile = register()
    coordinator = UserFactory(is_staff=True)

    for stage in (Stage.CONTACTED, Stage.ORIENTATION, Stage.ORIENTATION, Stage.TRAINING):
        services.volunteer_stage_move(
            profile=profile, to_stage=stage, by=coordinator, note="電話で説明しました"
        )

    profile.refresh_from_db()
    assert profile.stage == Stage.TRAINING
    changes = list(profile.stage_changes.all())
    assert [c.to_stage for c in changes] == ["applied", "contacted", "orientation", "training"]
    for before, after in itertools.pairwise(changes):
        assert after.from_stage == before.to_stage
    with pytest.raises(services.VolunteerError):
        services.volunteer_stage_move(profile=profile, to_stage="famous", by=coordinator)


def test_likely_duplicates_by_email_phone_or_kana_in_the_same_place_and_age():
    original = register()
    himeji = Municipality.objects.get(code=HIMEJI)

    by_phone = selectors.likely_duplicates(phone="０７９２２１２１１１")
    by_kana = selectors.likely_duplicates(
        kana="ハリマ　タロウ", municipality_id=himeji.pk, age_band="60s"
    )
    by_email = selectors.likely_duplicates(email=original.user.email.upper())
    elsewhere = selectors.likely_duplicates(
        kana="はりま たろう", municipality_id=himeji.pk, age_band="30s"
    )

    assert by_phone == by_kana == by_email == [original]
    assert elsewhere == []
    assert selectors.likely_duplicates(email=original.user.email, exclude_pk=original.pk) == []


def test_applicants_not_contacted_in_time_are_listed():
    waiting, contacted, fresh = register(), register(), register()
    old = timezone.now() - dt.timedelta(days=10)
    VolunteerProfile.objects.filter(pk__in=[waiting.pk, contacted.pk]).update(stage_changed_at=old)
    services.volunteer_stage_move(profile=contacted, to_stage=Stage.CONTACTED, by=None)

    assert list(selectors.waiting_for_contact(days=7)) == [waiting]
    assert fresh not in selectors.waiting_for_contact(days=7)


def test_my_data_includes_my_volunteer_profile_and_history(client):
    import json

    profile = register()
    client.force_login(profile.user)

    data = json.loads(client.get("/profile/my-data/").content)["volunteer"]

    assert data["phone"] == "079-221-2111" and data["stage"] == "applied"
    assert [c["to"] for c in data["stage_history"]] == ["applied"]
