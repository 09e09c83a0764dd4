"""Write-side operations for people's own accounts."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.models import CalendarFeed, OutboundEmail, OutboundEmailStatus, User

WITHDRAWN_RECIPIENT = "withdrawn@invalid"


class AccountError(Exception):
    """A request about an account that cannot be carried out; the message is for the user."""


@transaction.atomic
def user_withdraw(*, user: User) -> None:
    """Delete a person's account at their request (APPI: stop using and erase their data).

    Their email log entries are kept for delivery statistics but no longer say who they were.
    Administrators cannot remove themselves here, so the site is never left without one.
    """
    if user.is_superuser:
        raise AccountError(_("Administrator accounts are removed by another administrator."))
    OutboundEmail.objects.filter(recipient__iexact=user.email).update(
        recipient=WITHDRAWN_RECIPIENT, subject="", body_text="", body_html=""
    )
    # Apps holding records that outlive the account erase what identifies the person first.
    for config in apps.get_app_configs():
        if hasattr(config, "erase_personal_data"):
            config.erase_personal_data(user)
    user.delete()


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
