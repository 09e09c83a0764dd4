from django.conf import settings
from django.utils.functional import SimpleLazyObject

from lms.links import privacy_policy_url
from lms.pagecache import kept_for_request


def _menu_pages(request) -> list:
    """The site's top-level pages shown in menus (four queries): kept under the public
    content version, so a page published or hidden from menus shows at once."""
    return kept_for_request(request, "menu", lambda: _build_menu(request))


def _build_menu(request) -> list:
    from wagtail.models import Site

    site = Site.find_for_request(request)
    if site is None:
        return []
    root = site.root_page.localized
    return [
        {"title": page.title, "url": page.get_url(request)}
        for page in root.get_children().live().public().in_menu()
    ]


def _platform_office(request):
    """The platform office's contact details for the footer (a site setting), kept like the
    menu: one query saved on every page."""
    from cms.models import PlatformOffice

    return kept_for_request(request, "office", lambda: PlatformOffice.load(request_or_site=request))


def site_chrome(request) -> dict:
    """Values every page template needs: the site name, the menu, the office's contact details
    and the privacy policy link."""
    return {
        "site_name": settings.WAGTAIL_SITE_NAME,
        "privacy_url": privacy_policy_url(),
        "nav_pages": SimpleLazyObject(lambda: _menu_pages(request)),
        "platform_office": SimpleLazyObject(lambda: _platform_office(request)),
    }
