from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class LmsConfig(AppConfig):
    default = True  # this module also holds UsersAppConfig
    name = "lms"
    verbose_name = _("Platform core")

    def ready(self) -> None:
        import lms.lookups  # noqa: F401  (registers the range-safe ``__in`` for integers)
        from lms.admin_sidebar import keep_sidebar_per_person
        from lms.pagecache import connect_signals
        from lms.roles import ensure_role_groups
        from lms.selectors import ACCOUNTS_SHOWN_VERSION

        # Permissions only exist after migrate, so role groups are synced here (idempotent).
        post_migrate.connect(ensure_role_groups, dispatch_uid="lms.ensure_role_groups")
        # Any change to what public pages show makes the kept pages stale (lms.pagecache).
        connect_signals()
        # Wagtail's admin sidebar is written once per staff member, not on every admin page.
        keep_sidebar_per_person()
        # Staff lists kept whole show people's names: a renamed account makes them stale.
        ACCOUNTS_SHOWN_VERSION.connect()


class UsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user and group admin, with forms for our user model and groups that make
    kept sidebars stale (see lms.admin_users)."""

    user_viewset = "lms.admin_users.UserViewSet"
    group_viewset = "lms.admin_users.GroupViewSet"
