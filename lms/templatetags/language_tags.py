"""Links to the current page in every language, for the switcher and hreflang alternates."""

from django import template
from django.conf import settings
from django.urls import translate_url
from wagtail.models import Page

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context) -> list[dict]:
    """For a Wagtail page, link to its real translation (slugs may differ between languages),
    keeping any routable sub-path and query string; for other views, the same URL in each
    language.  One query for the translations of the page."""
    request = context["request"]
    path = request.get_full_path()
    links = {code: translate_url(path, code) for code, _name in settings.LANGUAGES}
    page = context.get("page")
    if isinstance(page, Page) and page.pk:
        page_url = page.get_url(request) or ""
        suffix = request.get_full_path()[len(page_url) :] if path.startswith(page_url) else ""
        for translation in page.get_translations(inclusive=False).live().select_related("locale"):
            translated_url = translation.get_url(request)
            if translated_url:
                links[translation.locale.language_code] = translated_url + suffix
    return [{"code": code, "name": name, "url": links[code]} for code, name in settings.LANGUAGES]
