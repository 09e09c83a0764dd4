from types import SimpleNamespace

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.utils import translation

from lms.notifications import notification_queue


class AccountAdapter(DefaultAccountAdapter):
    """Sends allauth's mails (verification, password reset) through our notifications service,
    so they are recorded, sent by the worker and retried like every other message."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        # The context allauth's own send_mail builds: its templates greet with current_site.name.
        ctx = {
            "request": request,
            "email": email,
            "current_site": SimpleNamespace(
                name=settings.WAGTAIL_SITE_NAME,
                domain=request.get_host() if request is not None else "",
            ),
            **context,
        }
        message = self.render_mail(template_prefix, email, ctx)
        body_html = ""
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                body_html = content
        notification_queue(
            recipient=email,
            subject=message.subject,
            body_text=message.body,
            body_html=body_html,
            template=template_prefix,
            language=translation.get_language() or "ja",
        )
