from django.conf import settings
from django.utils.functional import SimpleLazyObject

from lms.links import privacy_policy_url


def _menu_pages(request) -> list:
    from wagtail.models import Site

    site = Site.find_for_request(request)
    if site is None:
        return []
    root = site.root_page.localized
    return [
        {"title": page.title, "url": page.get_url(request)}
        for page in root.get_children().live().public().in_menu()
    ]


def site_chrome(request) -> dict:
    """Values every page template needs: the site name, the menu and the privacy policy link."""
    return {
        "site_name": settings.WAGTAIL_SITE_NAME,
        "privacy_url": privacy_policy_url(),
        "nav_pages": SimpleLazyObject(lambda: _menu_pages(request)),
    }
