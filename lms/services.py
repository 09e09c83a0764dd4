"""Write-side operations for people's own accounts."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.users.models import UserProfile

from audit.models import AuditAction
from audit.services import audit_record
from lms.models import CalendarFeed, OutboundEmail, OutboundEmailStatus, User

WITHDRAWN_RECIPIENT = "withdrawn@invalid"


class AccountError(Exception):
    """A request about an account that cannot be carried out; the message is for the user."""


@transaction.atomic
def user_withdraw(*, user: User) -> None:
    """A person leaves at their own request (APPI: stop using and erase their data).

    Administrators cannot remove themselves here, so the site is never left without one.
    """
    if user.is_superuser:
        raise AccountError(_("Administrator accounts are removed by another administrator."))
    user_anonymise(user=user, reason="own_request")


@transaction.atomic
def user_anonymise(
    *,
    user: User,
    now: datetime | None = None,
    by: User | None = None,
    reason: str = "staff",
) -> None:
    """Erase everything that identifies a person while keeping the anonymous row, so counts
    of attendance, completions and hours stay true (the way Open edX retires an account).

    Each app holding records about the person erases its part first (AppConfig
    ``erase_personal_data``); then the account loses its name, contact, sign-in and roles.
    Mail already sent to them is kept only as anonymous delivery counts; mail not yet sent
    never goes out.  The audit log records it (by ``by``, for ``reason``: "own_request",
    "abandoned_application" or "staff"), naming the account only by its id."""
    now = now or timezone.now()
    audit_record(actor=by, action=AuditAction.ANONYMISE, subject=user, detail={"reason": reason})
    for config in apps.get_app_configs():
        if hasattr(config, "erase_personal_data"):
            config.erase_personal_data(user)
    OutboundEmail.objects.filter(recipient__iexact=user.email).exclude(
        status=OutboundEmailStatus.SENT
    ).update(
        status=OutboundEmailStatus.FAILED,
        attempts=settings.EMAIL_MAX_ATTEMPTS,
        last_error="recipient withdrew before delivery",
    )
    OutboundEmail.objects.filter(recipient__iexact=user.email).update(
        recipient=WITHDRAWN_RECIPIENT, subject="", body_text="", body_html="", calendar=""
    )
    EmailAddress.objects.filter(user=user).delete()
    CalendarFeed.objects.filter(user=user).delete()
    UserProfile.objects.filter(user=user).delete()
    user.groups.clear()
    user.user_permissions.clear()
    user.email = f"withdrawn-{user.pk}@invalid"
    user.full_name = user.full_name_kana = user.organisation_name = ""
    user.first_name = user.last_name = ""
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()  # also ends every other signed-in session of the person
    user.withdrawn_at = now
    user.save()


def outbound_email_purge_old() -> int:
    """Delete delivered email log entries older than EMAIL_RETENTION_DAYS; returns how many."""
    cutoff = timezone.now() - timedelta(days=settings.EMAIL_RETENTION_DAYS)
    deleted, _per_model = OutboundEmail.objects.filter(
        status=OutboundEmailStatus.SENT, created_at__lt=cutoff
    ).delete()
    return deleted


def calendar_feed_regenerate(*, user: User) -> CalendarFeed:
    """Give the person a new private feed token (the old feed URL stops working at once)."""
    feed, _created = CalendarFeed.objects.update_or_create(
        user=user, defaults={"token": secrets.token_urlsafe(32)}
    )
    return feed


def calendar_feed_revoke(*, user: User) -> None:
    """Switch the person's feed off: no URL works until they make a new one."""
    CalendarFeed.objects.filter(user=user).delete()
