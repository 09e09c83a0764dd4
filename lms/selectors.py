"""Read-side queries for the core."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.apps import apps

from lms.models import OutboundEmail, User


def user_personal_data(*, user: User) -> dict:
    """Everything the platform holds about ``user``, for the "download my data" export
    (APPI: a person may see the personal information held about them).  Apps that store
    more about a person (enrolments, volunteer profiles, mentoring) add their sections by
    giving their AppConfig a ``personal_data(user) -> dict`` method."""
    data = {
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "full_name_kana": user.full_name_kana,
            "profession": user.profession.name if user.profession else None,
            "organisation_name": user.organisation_name,
            "organisation_group": (
                user.organisation_group.name if user.organisation_group else None
            ),
            "municipality": user.municipality.name if user.municipality else None,
            "preferred_language": user.preferred_language,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "roles": sorted(user.groups.values_list("name", flat=True)),
        },
        "consent": {
            "privacy_policy_version": user.privacy_policy_version or None,
            "privacy_consented_at": (
                user.privacy_consented_at.isoformat() if user.privacy_consented_at else None
            ),
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "emails_sent_to_you": [
            {
                "subject": message.subject,
                "status": message.status,
                "created_at": message.created_at.isoformat(),
            }
            for message in OutboundEmail.objects.filter(recipient__iexact=user.email).order_by(
                "created_at"
            )
        ],
    }
    for app_config in apps.get_app_configs():
        if hasattr(app_config, "personal_data"):
            data.update(app_config.personal_data(user))
    return data
