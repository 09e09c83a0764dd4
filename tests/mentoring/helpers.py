"""Mentoring test data: programmes, mentors and mentees with the facts matching uses."""

from __future__ import annotations

from lms.models import Field, Municipality, Profession
from lms.taxonomy_data import lg_code
from mentoring import services
from mentoring.models import MenteeProfile, MentoringProgramme, MentorProfile, Pair
from tests.factories import UserFactory


def place(code5: str) -> Municipality:
    return Municipality.objects.get(code=lg_code(code5))


def field(slug: str) -> Field:
    return Field.objects.get(slug=slug)


def programme(**fields) -> MentoringProgramme:
    return MentoringProgramme.objects.create(
        title=fields.pop("title", "支援者どうしのメンタリング"), **fields
    )


def mentor(
    name="先輩 導",
    *,
    capacity=3,
    where="28110",
    fields=("welfare-general",),
    profession="social-worker",
    online_ok=True,
    experience=5,
    **flags,
) -> MentorProfile:
    user = UserFactory(
        full_name=name,
        full_name_kana="せんぱい",
        profession=Profession.objects.filter(slug=profession).first(),
    )
    profile = MentorProfile.objects.create(
        user=user,
        capacity=capacity,
        municipality=place(where) if where else None,
        online_ok=online_ok,
        experience_years=experience,
        **flags,
    )
    profile.fields.set([field(s) for s in fields])
    return profile


def mentee(
    programme_,
    name="後輩 学",
    *,
    where="28110",
    fields=("welfare-general",),
    profession="public-health-nurse",
    online_ok=True,
    **flags,
) -> MenteeProfile:
    user = UserFactory(
        full_name=name,
        full_name_kana="こうはい",
        profession=Profession.objects.filter(slug=profession).first(),
    )
    profile = MenteeProfile.objects.create(
        user=user,
        programme=programme_,
        municipality=place(where) if where else None,
        online_ok=online_ok,
        hopes="燃え尽きないための工夫を知りたい",
        **flags,
    )
    profile.fields.set([field(s) for s in fields])
    return profile


def active_pair(programme_, mentor_profile, mentee_profile, *, by=None) -> Pair:
    coordinator = by or UserFactory(is_staff=True)
    pair = services.pair_propose(
        programme=programme_, mentor=mentor_profile.user, mentee=mentee_profile.user, by=coordinator
    )
    return services.pair_confirm(pair=pair, by=coordinator)
