from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("Platform core")

    def ready(self) -> None:
        from lms.roles import ensure_role_groups

        # Permissions only exist after migrate, so role groups are synced here (idempotent).
        post_migrate.connect(ensure_role_groups, dispatch_uid="lms.ensure_role_groups")
