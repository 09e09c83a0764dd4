from types import SimpleNamespace

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lms import ratelimit
from lms.models import User
from lms.notifications import notification_queue

EMAIL_MAX_LENGTH = 254


def site_display_name() -> str:
    """The platform's name in the active language (ひょうごつながりアカデミー in Japanese)."""
    return gettext("Hyogo Tsunagari Academy")


class AccountAdapter(DefaultAccountAdapter):
    """Sends allauth's mails (verification, password reset) through our notifications service,
    so they are recorded, sent by the worker and retried like every other message, in the
    recipient's preferred language rather than the language of the page they happened to use."""

    def clean_email(self, email: str) -> str:
        # The address column holds 254 characters (RFC 5321); refuse longer input rather than
        # let it be cut short into an address that no longer works.
        if len(email) > EMAIL_MAX_LENGTH:
            raise ValidationError(
                _("An email address can be at most %(limit)d characters long."),
                params={"limit": EMAIL_MAX_LENGTH},
            )
        return super().clean_email(email)

    def save_user(self, request, user, form, commit: bool = True):
        """The new account with the sign-up form's own fields (name, ふりがな, language,
        consent) set before its one insert (``lms.forms.SignupForm.fill_new_account``)."""
        fill = getattr(form, "fill_new_account", None)
        if fill is not None:
            fill(request, user)
        return super().save_user(request, user, form, commit=commit)

    def login(self, request, user) -> None:
        """Sign in without a password (after confirming an address) through our backend, as a
        password sign-in does, not allauth's: every later request then reads the person with
        the backend's statement built once (``lms.backends``)."""
        if not hasattr(user, "backend"):
            user.backend = "lms.backends.ModelBackendOneQuery"
        super().login(request, user)

    def get_client_ip(self, request) -> str:
        """The address allauth's rate limits count per: the same rule as every other limit
        (REMOTE_ADDR, or the address the nearest of TRUSTED_PROXY_COUNT proxies saw)."""
        return ratelimit.client_address(request) or super().get_client_ip(request)

    def format_email_subject(self, subject: str) -> str:
        return f"[{site_display_name()}] {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        language = self.recipient_language(email)
        with translation.override(language):
            # The context allauth's own send_mail builds: its templates greet with current_site.name.
            ctx = {
                "request": request,
                "email": email,
                "current_site": SimpleNamespace(
                    name=site_display_name(),
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
            language=language,
        )

    @staticmethod
    def recipient_language(email: str) -> str:
        user = User.objects.filter(email__iexact=email).only("preferred_language").first()
        if user and user.preferred_language:
            return user.preferred_language
        return translation.get_language() or settings.LANGUAGE_CODE

    def get_email_verification_redirect_url(self, email_address) -> str:
        """After confirming their address, a person who signed up as a volunteer signs in and
        lands on their volunteer page, where the next step is."""
        from django.urls import reverse

        user = email_address.user
        if user is not None and hasattr(user, "volunteer_profile"):
            if user.is_authenticated and allauth_context.request.user == user:
                return reverse("volunteers:home")
            return f"{reverse('account_login')}?next={reverse('volunteers:home')}"
        return super().get_email_verification_redirect_url(email_address)
