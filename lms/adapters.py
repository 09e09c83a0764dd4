from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation

from lms.notifications import notification_queue


class AccountAdapter(DefaultAccountAdapter):
    """Sends allauth's mails (verification, password reset) through our notifications service,
    so they are recorded, sent by the worker and retried like every other message."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        message = self.render_mail(template_prefix, email, context)
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
