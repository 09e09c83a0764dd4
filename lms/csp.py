"""Content-Security-Policy: the strict site policy (``CONTENT_SECURITY_POLICY``) everywhere but
the two admin interfaces, which get ``CONTENT_SECURITY_POLICY_ADMIN`` because Wagtail's and
Django's admin templates still carry inline scripts and styles of their own.  Why each source
is allowed: docs/security.md."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import default_config
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


def is_admin_path(path: str) -> bool:
    """Whether ``path`` belongs to Wagtail's admin or Django's (the relaxed policy)."""
    return path.startswith(tuple(settings.CSP_ADMIN_PATH_PREFIXES))


class SiteCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, choosing the admin policy by path.  Wagtail's admin URLs are
    included as a whole, so django-csp's per-view decorators cannot reach them."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None and is_admin_path(request.path_info):
            parts.config = default_config(settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"])
        return parts


def origin(url: str) -> str | None:
    """``https://meet.example.jp`` for ``https://meet.example.jp/room?x=1``; None if not http(s)."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def allow_form_targets(response: HttpResponseBase, urls: Iterable[str]) -> None:
    """Let this one page's forms end up at ``urls``' hosts.

    Browsers apply ``form-action`` to the redirects that follow a form submission too, so a
    button that posts to us and is redirected to an outside address (joining an online session)
    needs that host allowed on the page holding the button.  Same mechanism as django-csp's
    ``csp_update`` decorator, with the hosts known only once the page's data is read.
    """
    origins = sorted({o for o in (origin(url) for url in urls) if o})
    if not origins:
        return
    update = dict(getattr(response, "_csp_update", None) or {})
    update["form-action"] = [*update.get("form-action", []), *origins]
    response._csp_update = update  # type: ignore[attr-defined]
