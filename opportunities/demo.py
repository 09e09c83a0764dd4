"""Demo volunteer opportunities: the children's canteen in Himeji asks for volunteers who
took the volunteer orientation; the disaster-prevention network in Nishinomiya asks for
anyone, and has three applicants (one waiting for a decision, one on the waiting list, one
accepted with hours to confirm).  Made through the services, idempotent."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from cms.models import Organisation
from courses.models import CourseKind
from lms.models import Field, Municipality, User
from opportunities import services
from opportunities.models import ApplicationStatus, Opportunity, OpportunityApplication

CANTEEN = "みんなの食堂 配膳・見守りボランティア"
DRILL = "防災訓練の運営サポート"

# email of a demo volunteer (volunteers/demo.py), decision, hours to log
APPLICANTS = [
    ("v-sumoto@demo.hyogo.example", None, None),
    ("v-kakogawa@demo.hyogo.example", ApplicationStatus.WAITLISTED, None),
    ("v-tamba@demo.hyogo.example", ApplicationStatus.ACCEPTED, (150, "受付と避難所設営の補助")),
]


@transaction.atomic
def load_demo_opportunities() -> list[Opportunity]:
    """The two demo opportunities (created once; missing organisations are skipped)."""
    today = timezone.localdate()
    made = []
    canteen_org = Organisation.objects.filter(slug="himeji-kodomo-shokudo").first()
    if canteen_org is not None:
        made.append(
            _opportunity(
                canteen_org,
                title=CANTEEN,
                description=(
                    "子ども食堂での配膳や片付け、食事中の見守りをお願いします。"
                    "子どもと接するため、ボランティア・オリエンテーションの修了が条件です。"
                ),
                activity=canteen_org.activities.filter(title="みんなの食堂").first(),
                when="毎週土曜日 16:30〜19:00",
                starts_on=today + dt.timedelta(days=56),
                ends_on=today + dt.timedelta(days=56 + 84),
                places=4,
                municipality=canteen_org.municipality,
                fields=["child-rearing", "food-bank"],
                weekends=True,
                evening=True,
                required_course_kind=CourseKind.ORIENTATION,
            )
        )
    drill_org = Organisation.objects.filter(slug="hyogo-bosai-npo").first()
    if drill_org is not None:
        drill = _opportunity(
            drill_org,
            title=DRILL,
            description=(
                "地域の防災訓練で、受付、避難所の設営、炊き出しの補助をお願いします。"
                "初めての方も経験者が一緒に動きますので安心してご参加ください。"
            ),
            activity=None,
            when="毎月第1日曜日 9:00〜12:00",
            starts_on=today + dt.timedelta(days=14),
            ends_on=None,
            places=2,
            municipality=Municipality.objects.get(code="282049"),
            fields=["disaster-prevention", "volunteering"],
            weekends=True,
            daytime=True,
            required_course_kind="",
        )
        made.append(drill)
        _applications(drill, today)
    return made


def _opportunity(organisation: Organisation, *, title: str, fields: list[str], **data):
    existing = Opportunity.objects.filter(organisation=organisation, title=title).first()
    if existing is not None:
        return existing
    return services.opportunity_create(
        organisation=organisation,
        by=None,
        data={"title": title, "fields": list(Field.objects.filter(slug__in=fields)), **data},
    )


def _applications(opportunity: Opportunity, today: dt.date) -> None:
    for email, decision, hours in APPLICANTS:
        user = User.objects.filter(email=email, volunteer_profile__isnull=False).first()
        if (
            user is None
            or OpportunityApplication.objects.filter(opportunity=opportunity, user=user).exists()
        ):
            continue
        application = services.application_submit(
            opportunity=opportunity, user=user, message="よろしくお願いします。"
        )
        if decision:
            application = services.application_decide(
                application=application, decision=decision, by=None
            )
        if hours:
            minutes, what = hours
            services.hours_log(application=application, date=today, minutes=minutes, what=what)
