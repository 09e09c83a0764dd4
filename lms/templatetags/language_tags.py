"""Links to the current page in every language, for the switcher and hreflang alternates."""

from django import template
from django.conf import settings
from django.urls import reverse, translate_url
from wagtail.models import Page, Site

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

    site = Site.find_for_request(request)
    root = site.root_page if site else None
    keys = {page.translation_key} | ({root.translation_key} if root else set())
    translations, homes = {}, {}
    for candidate in Page.objects.live().filter(translation_key__in=keys).select_related("locale"):
        code = candidate.locale.language_code
        if candidate.translation_key == page.translation_key:
            translations[code] = candidate
        if root and candidate.translation_key == root.translation_key:
            homes[code] = candidate

    page_url = page.get_url(request) or ""
    suffix = path[len(page_url) :] if page_url and path.startswith(page_url) else ""
    links = []
    for code, name in settings.LANGUAGES:
        translation = translations.get(code)
        url = translation.get_url(request) if translation else None
        if url:
            links.append({"code": code, "name": name, "url": url + suffix, "alternate": True})
            continue
        home = homes.get(code)
        url = (home.get_url(request) if home else None) or translate_url(path, code)
        links.append({"code": code, "name": name, "url": url, "alternate": False})
    return links
