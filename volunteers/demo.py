"""Demo volunteers: people in every stage across several municipalities with their history,
a few waiting for contact, one likely duplicate pair, a nominated leader candidate, hours;
and the demo volunteer account with a profile and a next step.  Idempotent."""

from __future__ import annotations

import datetime as dt

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from lms.models import Field, Municipality, User
from lms.taxonomy_data import lg_code
from volunteers import services
from volunteers.models import Stage, StageChange, VolunteerProfile

DEMO_VOLUNTEER_EMAIL = "volunteer@demo.hyogo.example"
COORDINATOR_EMAIL = "coordinator@demo.hyogo.example"

# email, 氏名, ふりがな, municipality code (5 digits), age band, fields, stages reached, days ago
PEOPLE = [
    ("v-himeji1", "播磨 太郎", "はりま たろう", "28201", "60s", ["volunteering"], ["applied"], 12),
    ("v-himeji2", "播磨 太郎", "ハリマ タロウ", "28201", "60s", ["volunteering"], ["applied"], 2),
    (
        "v-amagasaki",
        "尼崎 みどり",
        "あまがさき みどり",
        "28202",
        "40s",
        ["child-rearing"],
        ["applied"],
        9,
    ),
    (
        "v-nishinomiya",
        "西宮 健",
        "にしのみや けん",
        "28204",
        "20s",
        ["disaster-prevention"],
        ["applied", "contacted"],
        20,
    ),
    (
        "v-nada",
        "灘 由美",
        "なだ ゆみ",
        "28102",
        "50s",
        ["long-term-care"],
        ["applied", "contacted", "orientation"],
        30,
    ),
    (
        "v-toyooka",
        "但馬 勇",
        "たじま いさむ",
        "28209",
        "70s",
        ["long-term-care", "volunteering"],
        ["applied", "contacted", "orientation", "training"],
        60,
    ),
    (
        "v-sumoto",
        "淡路 静香",
        "あわじ しずか",
        "28205",
        "30s",
        ["child-rearing"],
        ["applied", "contacted", "orientation", "training", "active"],
        200,
    ),
    (
        "v-tamba",
        "丹波 栄一",
        "たんば えいいち",
        "28223",
        "60s",
        ["disaster-prevention"],
        ["applied", "contacted", "orientation", "training", "active"],
        320,
    ),
    (
        "v-kakogawa",
        "加古川 明",
        "かこがわ あきら",
        "28210",
        "50s",
        ["volunteering", "long-term-care"],
        ["applied", "contacted", "orientation", "training", "active", "leader_candidate"],
        400,
    ),
    (
        "v-ashiya",
        "芦屋 恵",
        "あしや めぐみ",
        "28206",
        "40s",
        ["child-rearing"],
        ["applied", "contacted", "orientation", "training", "active", "leader_candidate", "leader"],
        700,
    ),
    (
        "v-itami",
        "伊丹 誠",
        "いたみ まこと",
        "28207",
        "30s",
        ["volunteering"],
        ["applied", "contacted", "paused"],
        90,
    ),
]


@transaction.atomic
def load_demo_volunteers() -> None:
    if VolunteerProfile.objects.filter(user__email=DEMO_VOLUNTEER_EMAIL).exists():
        return
    coordinator = User.objects.filter(email=COORDINATOR_EMAIL).first()
    now = timezone.now()
    for key, name, kana, code, age, fields, stages, days_ago in PEOPLE:
        started = now - dt.timedelta(days=days_ago)
        user = User.objects.create_user(
            f"{key}@demo.hyogo.example", None, full_name=name, full_name_kana=kana
        )
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        profile = services.volunteer_register(
            user=user,
            data=_answers(code, age, fields, phone=f"079-000-{len(PEOPLE) + days_ago:04d}"),
            now=started,
        )
        _walk(profile, stages, started, now, coordinator)
        if len(stages) > 1 and coordinator:
            VolunteerProfile.objects.filter(pk=profile.pk).update(coordinator=coordinator)
        if Stage.ACTIVE in stages and coordinator:
            for weeks in range(0, 20, 2):
                services.volunteer_hours_record(
                    profile=profile,
                    date=(now - dt.timedelta(weeks=weeks)).date(),
                    minutes=120,
                    activity="ふれあいサロンの運営",
                    by=coordinator,
                )
    candidate = VolunteerProfile.objects.get(user__email="v-kakogawa@demo.hyogo.example")
    if coordinator:
        services.volunteer_nominate(
            profile=candidate,
            by=coordinator,
            organisation="加古川市社会福祉協議会",
            reason="サロンの立ち上げから運営まで担い、地域の信頼が厚い。",
        )
        services.volunteer_note_add(
            profile=VolunteerProfile.objects.get(user__email="v-nada@demo.hyogo.example"),
            author=coordinator,
            body="平日の午前中なら電話がつながりやすい。",
        )
    _demo_volunteer(coordinator, now)


def _answers(code: str, age: str, fields: list[str], *, phone: str) -> dict:
    return {
        "phone": phone,
        "municipality": Municipality.objects.get(code=lg_code(code)),
        "age_band": age,
        "fields": list(Field.objects.filter(slug__in=fields)),
        "weekdays": True,
        "daytime": True,
        "weekends": age in ("20s", "30s", "40s"),
        "frequency": "monthly",
        "skills": "料理、見守り訪問の経験があります。",
        "motivation": "地域のつながりづくりに関わりたい。",
        "heard_from": "市の広報誌",
        "insurance": "has",
    }


def _walk(profile, stages, started, now, coordinator) -> None:
    """Move through the stages at even intervals between sign-up and today."""
    steps = stages[1:]
    for index, stage in enumerate(steps, start=1):
        at = started + (now - started) * index / (len(steps) + 1)
        change = services.volunteer_stage_move(
            profile=profile, to_stage=stage, by=coordinator, note="", now=at
        )
        StageChange.objects.filter(pk=change.pk).update(changed_at=at)
    StageChange.objects.filter(profile=profile, from_stage="").update(changed_at=started)
    VolunteerProfile.objects.filter(pk=profile.pk).update(created_at=started)


def _demo_volunteer(coordinator, now) -> None:
    """The demo resident: contacted a week ago, so the next step is the orientation."""
    user = User.objects.filter(email=DEMO_VOLUNTEER_EMAIL).first()
    if user is None:
        return
    started = now - dt.timedelta(days=10)
    profile = services.volunteer_register(
        user=user,
        data={**_answers("28203", "70s", ["volunteering", "long-term-care"], phone="078-000-1234")},
        now=started,
    )
    _walk(profile, ["applied", "contacted"], started, now, coordinator)
    if coordinator:
        VolunteerProfile.objects.filter(pk=profile.pk).update(coordinator=coordinator)
