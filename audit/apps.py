from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The audit log of staff actions on personal data (issue #10, item 7): who looked at,
    exported, merged, anonymised, moved or revoked what, and when; visible to administrators.

    It has no ``personal_data`` (the log is about what staff did, not part of a person's own
    data) and no ``erase_personal_data``: an event names its subject only by model and id, so
    erasing the person leaves nothing to remove here."""

    name = "audit"
    verbose_name = _("Audit log")
