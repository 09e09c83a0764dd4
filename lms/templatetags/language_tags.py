"""Links to the current page in every language, for the switcher and hreflang alternates."""

from django import template
from django.conf import settings
from django.urls import reverse, translate_url
from wagtail.models import Page, Site

from lms.pagecache import kept_for_request

register = template.Library()


@register.simple_tag
def home_url() -> str:
    """The home page in the active language: ``/`` in Japanese, ``/en/`` in English."""
    return reverse("wagtail_serve", args=[""])


@register.simple_tag(takes_context=True)
def language_links(context) -> list[dict]:
    """One link per language for the switcher; ``alternate`` marks the links to the same content
    in another language, which are the only ones listed as hreflang alternates.

    For a view other than a Wagtail page, the same URL in each language (all alternates).  For a
    Wagtail page, its real translation (slugs may differ between languages), keeping any routable
    sub-path and query string.  Where a language has no translation of the page, the link goes to
    that language's home page (the localized site root) rather than to a URL that would 404; where
    the language has no home page either, Wagtail serves the original pages under its prefix, so
    the link is the page itself there.  One query for the translations of the page and of the
    site root together."""
    request = context["request"]
    path = request.get_full_path()
    page = context.get("page")
    if not (isinstance(page, Page) and page.pk):
        return [
            {"code": code, "name": name, "url": translate_url(path, code), "alternate": True}
            for code, name in settings.LANGUAGES
        ]

    urls = kept_for_request(
        request, f"language-links:{page.pk}", lambda: _translation_urls(request, page)
    )
    page_url = urls["page"]
    suffix = path[len(page_url) :] if page_url and path.startswith(page_url) else ""
    links = []
    for code, name in settings.LANGUAGES:
        url = urls["translations"].get(code)
        if url:
            links.append({"code": code, "name": name, "url": url + suffix, "alternate": True})
            continue
        url = urls["homes"].get(code) or translate_url(path, code)
        links.append({"code": code, "name": name, "url": url, "alternate": False})
    return links


def _translation_urls(request, page: Page) -> dict:
    """The URLs of the page, its translations and the site's home pages, by language: public
    content, kept under the public version (lms.pagecache) like the menu."""
    site = Site.find_for_request(request)
    root = site.root_page if site else None
    keys = {page.translation_key} | ({root.translation_key} if root else set())
    translations, homes = {}, {}
    for candidate in Page.objects.live().filter(translation_key__in=keys).select_related("locale"):
        code = candidate.locale.language_code
        if candidate.translation_key == page.translation_key:
            translations[code] = candidate.get_url(request)
        if root and candidate.translation_key == root.translation_key:
            homes[code] = candidate.get_url(request)
    return {"page": page.get_url(request) or "", "translations": translations, "homes": homes}
