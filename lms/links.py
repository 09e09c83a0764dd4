"""URLs of well-known content pages, in the visitor's language."""

from django.utils import translation

PRIVACY_POLICY_SLUG = "privacy"


def privacy_policy_url() -> str:
    """The privacy policy page (a Wagtail page with slug ``privacy`` under each home page)."""
    prefix = "" if translation.get_language() in (None, "ja") else f"/{translation.get_language()}"
    return f"{prefix}/{PRIVACY_POLICY_SLUG}/"
