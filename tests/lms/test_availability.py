"""The availability flags shared by volunteers, mentors and mentees, and opportunities
(lms.models.AvailabilityFields): one definition, read in words and as (day, time) slots."""

from django.utils import translation

from lms.models import AVAILABILITY_FLAGS, AvailabilityFlag
from mentoring.models import MenteeProfile, MentorProfile
from opportunities.models import Opportunity
from volunteers.models import VolunteerProfile


def test_every_model_with_availability_has_the_four_flags():
    for model in (VolunteerProfile, MentorProfile, MenteeProfile, Opportunity):
        assert all(
            model._meta.get_field(flag).get_internal_type() == "BooleanField"
            for flag in AVAILABILITY_FLAGS
        )
    assert list(AVAILABILITY_FLAGS) == AvailabilityFlag.values


def test_mentoring_assumes_weekday_daytimes_and_the_others_assume_nothing():
    assert MentorProfile().slots == {("weekdays", "daytime")}
    assert MenteeProfile().slots == {("weekdays", "daytime")}
    assert VolunteerProfile().slots == set()
    assert Opportunity().availability_labels == []


def test_availability_in_words_and_as_slots():
    profile = VolunteerProfile(weekdays=True, weekends=True, evening=True)

    with translation.override("en"):
        assert profile.availability_labels == ["weekdays", "weekends and holidays", "evening"]
    assert profile.slots == {("weekdays", "evening"), ("weekends", "evening")}
