"""Demo partner organisations (issue #12): an organisation admin account for the children's
canteen network, days of the week on the demo activities (so residents can search by day),
an activity change waiting for the secretariat, and an application to join waiting for
review.  Idempotent."""

from __future__ import annotations

import re

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cms.models import Activity, Organisation
from lms.models import Field, Municipality, OrganisationType, User
from organisations import activity_services
from organisations.activity_forms import activity_values
from organisations.models import ActivityVersion, Membership, OrganisationApplication

ORG_ADMIN = ("org-admin@demo.hyogo.example", "demo-org-2026", "食堂 結衣", "しょくどう ゆい")
ADMIN_ORGANISATION = "himeji-kodomo-shokudo"
WEEKDAY_NUMBERS = {"月": "1", "火": "2", "水": "3", "木": "4", "金": "5", "土": "6", "日": "7"}


@transaction.atomic
def load_demo_organisations() -> None:
    _activity_weekdays()
    organisation = Organisation.objects.filter(slug=ADMIN_ORGANISATION).first()
    if organisation is None or User.objects.filter(email=ORG_ADMIN[0]).exists():
        return
    email, password, name, kana = ORG_ADMIN
    admin = User.objects.create_user(
        email,
        password,
        full_name=name,
        full_name_kana=kana,
        privacy_policy_version=settings.PRIVACY_POLICY_VERSION,
        privacy_consented_at=timezone.now(),
    )
    EmailAddress.objects.create(user=admin, email=email, verified=True, primary=True)
    Membership.objects.create(organisation=organisation, user=admin, role="admin")
    # A change to a published activity, waiting for the secretariat (the organisation is new).
    activity = organisation.activities.first()
    if activity and not ActivityVersion.objects.filter(organisation=organisation).exists():
        values = activity_values(activity) | {
            "description": (activity.description or "") + "\n夏休み中は毎週水曜日も開きます。",
            "weekdays": "3,6",
            "cost": "子ども無料・大人300円",
            "accessibility": "段差なし、車いす可",
        }
        activity_services.activity_submit(
            organisation=organisation, data=values, by=admin, activity=activity
        )
    OrganisationApplication.objects.get_or_create(
        name="NPO法人 あわじ縁側カフェ",
        defaults={
            "name_kana": "あわじえんがわかふぇ",
            "organisation_type": OrganisationType.objects.filter(name="NPO法人").first()
            or OrganisationType.objects.first(),
            "municipality": Municipality.objects.get(code="282057"),
            "address": "洲本市本町1-1（デモ）",
            "website": "",
            "contact_name": "縁側 千尋",
            "contact_email": "cafe@awaji-engawa.example",
            "wants": "島内の居場所づくりの事例を学び、他の団体と連携したい。",
            "terms_version": settings.PLATFORM_TERMS_VERSION,
            "agreed_at": timezone.now(),
        },
    )[0].fields.set(Field.objects.filter(slug__in=["community-development", "residents-life"]))


def _activity_weekdays() -> None:
    """The demo activities' schedules say the day in words (毎月第2水曜日); fill in the
    structured days from them, so the finder can search by day."""
    for activity in Activity.objects.filter(weekdays=""):
        days = sorted(
            {WEEKDAY_NUMBERS[d] for d in re.findall(r"([月火水木金土日])曜", activity.schedule)}
        )
        if days:
            Activity.objects.filter(pk=activity.pk).update(weekdays=",".join(days))
