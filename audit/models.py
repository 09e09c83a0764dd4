"""Audit events: append-only records of staff actions on personal data.

An event says who (the staff account, and a label kept if that account goes), what (the action
and its subject as model and id, never a name or an address) and when.  Rows are written only by
``audit.services``; nothing changes them afterwards: ``save`` refuses updates, the default
manager refuses bulk updates and deletes, and a database trigger (migration 0002) refuses any
UPDATE except the ``SET NULL`` of a deleted actor.  The retention purge deletes old rows."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEventImmutable(Exception):
    """An attempt to change or delete an audit event other than by the retention purge."""


class AuditAction(models.TextChoices):
    VIEW_CONTACT = "view_contact", _("Viewed contact details")
    EXPORT = "export", _("Exported data")
    DOWNLOAD_CERTIFICATE = "download_certificate", _("Downloaded another person's certificate")
    MERGE = "merge", _("Merged duplicate registrations")
    ANONYMISE = "anonymise", _("Anonymised an account")
    CHANGE_STAGE = "change_stage", _("Changed a volunteer's stage")
    REVOKE_CERTIFICATE = "revoke_certificate", _("Revoked a certificate")
    REISSUE_CERTIFICATE = "reissue_certificate", _("Reissued a certificate")


class AuditEventQuerySet(models.QuerySet):
    """Bulk writes are refused: events are added one by one by the service and never edited.
    (Django's own ``SET NULL`` on a deleted actor and the purge use the base manager.)"""

    def update(self, **kwargs):
        raise AuditEventImmutable("Audit events cannot be changed.")

    def delete(self):
        raise AuditEventImmutable("Audit events are removed only by the retention purge.")


class AuditEvent(models.Model):
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    # The actor as they were at the time, so the log still says who after the account is
    # deleted or anonymised.
    actor_label = models.CharField(_("who (as recorded)"), max_length=255, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices)
    # Like Wagtail's log entries: no database constraint, so removing a model's content type
    # never needs to touch (update) the log.
    subject_type = models.ForeignKey(
        ContentType,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("subject type"),
    )
    subject_id = models.CharField(_("subject id"), max_length=64, blank=True)
    # "VolunteerProfile #12": model and id only, never the person's name or contact details.
    subject_label = models.CharField(_("subject"), max_length=120, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-pk"]
        # Nobody may add, change or delete events through any admin: only "view".
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="audit_event_subject"),
            models.Index(fields=["action", "created_at"], name="audit_event_action_when"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.subject_label}".strip()

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AuditEventImmutable("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditEventImmutable("Audit events are removed only by the retention purge.")
