"""Serving Wagtail pages with the site, its home page and the view restrictions kept.

Wagtail reads, for every page it serves: the site for the host, the active locale, the home page
in its specific type (three queries before it routes), then the view restrictions of the page
and its ancestors twice (once for our page cache's hook, once in its own ``on_serve_page``
hook: two queries each).  These are public content: a change to a site, locale, page or
restriction bumps the public version (``lms.pagecache``), so they are kept in each process's
memory under that version, per host and language (``kept_for_request``), like the menu; so is
the route of each plain page, with the pages routed through (the breadcrumbs use them).

What is served is unchanged: the page is routed from the same localized home page, and the
restrictions found are exactly those ``Page.get_view_restrictions`` returns (the tests compare
the two for every page of a tree with aliases).  With the page cache off (``PUBLIC_PAGE_CACHE_
SECONDS=0``) everything is read afresh, as Wagtail does.
"""

from __future__ import annotations

from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from wagtail.models import Locale, Page, PageViewRestriction, Site

from lms.pagecache import keep_value, kept_for_request, kept_value

_RESTRICTIONS = "_served_view_restrictions"
_TRAIL = "_served_route_trail"


def _site_and_home(request: HttpRequest) -> dict:
    """The site answering this host, its home page in the active language (specific), the
    locales by id (templates print a page's language) and the sites' root paths (every page
    URL is made from them; Wagtail reads them from the shared cache once per request)."""
    site = Site.find_for_request(request)
    return {
        "site": site,
        "home": site.root_page.localized.specific if site else None,
        "locales": {locale.pk: locale for locale in Locale.objects.all()},
        "root_paths": Site.get_site_root_paths(),
    }


def _restriction_map() -> dict:
    """Every view restriction, by the path and by the id of its page, and every alias page:
    enough to find a page's restrictions without a query (see ``restrictions_for``)."""
    by_path: dict[str, list[PageViewRestriction]] = {}
    by_page_id: dict[int, list[PageViewRestriction]] = {}
    restrictions = PageViewRestriction.objects.annotate(page_path=F("page__path"))
    for restriction in restrictions.prefetch_related("groups"):
        by_path.setdefault(restriction.page_path, []).append(restriction)
        by_page_id.setdefault(restriction.page_id, []).append(restriction)
    aliases, alias_sources = {}, {}
    for pk, path, source_id in Page.objects.filter(alias_of__isnull=False).values_list(
        "pk", "path", "alias_of_id"
    ):
        aliases[path] = source_id
        alias_sources[pk] = source_id
    return {
        "by_path": by_path,
        "by_page_id": by_page_id,
        "aliases": aliases,
        "alias_sources": alias_sources,
    }


def restrictions_for(page: Page, kept: dict) -> list[PageViewRestriction]:
    """The restrictions of ``page`` and its ancestors, an alias standing for its source page,
    as ``Page.get_view_restrictions`` finds them."""
    found: list[PageViewRestriction] = []
    step = page.steplen
    for end in range(step, len(page.path) + 1, step):
        path = page.path[:end]
        source_id = kept["aliases"].get(path)
        if source_id is None:
            found.extend(kept["by_path"].get(path, ()))
            continue
        while source_id in kept["alias_sources"]:
            source_id = kept["alias_sources"][source_id]
        found.extend(kept["by_page_id"].get(source_id, ()))
    return found


def view_restrictions(request: HttpRequest, page: Page):
    """The page's view restrictions for this request, read once: also what Wagtail's own
    ``check_view_restrictions`` hook gets (``ServedPageMixin``).  An evaluated queryset, so
    iterating it or asking ``exists()`` reads nothing more."""
    restrictions = page.__dict__.get(_RESTRICTIONS)
    if restrictions is None:
        kept = kept_for_request(request, "view-restrictions", _restriction_map)
        found = {restriction.pk: restriction for restriction in restrictions_for(page, kept)}
        restrictions = PageViewRestriction.objects.filter(pk__in=list(found))
        restrictions._result_cache = list(found.values())
        restrictions._prefetch_done = True
        page.__dict__[_RESTRICTIONS] = restrictions
    return restrictions


class ServedPageMixin:
    """For every page type: while a request serves the page, its view restrictions are the
    ones ``view_restrictions`` read, and the pages routed through on the way to it are noted
    (``ancestors_for_breadcrumbs``); elsewhere (the admin) Wagtail's queries as usual."""

    def get_view_restrictions(self):
        served = self.__dict__.get(_RESTRICTIONS)
        return served if served is not None else super().get_view_restrictions()

    def route(self, request, path_components):
        trail = getattr(request, _TRAIL, None)
        if trail is not None:
            trail.append(self)
        return super().route(request, path_components)


def ancestors_for_breadcrumbs(request: HttpRequest | None, page: Page) -> list[Page]:
    """The page's ancestors below the tree's root, home page first: the pages ``serve``
    routed through (no query), else read from the tree."""
    trail = getattr(request, _TRAIL, None) if request is not None else None
    if trail and trail[-1].pk == page.pk:
        return trail[:-1]
    return [ancestor for ancestor in page.get_ancestors() if ancestor.depth > 1]


def _route(request: HttpRequest, home: Page, path: str):
    """Wagtail's route from the home page, kept per path when it found a page with no
    sub-route (a ``RoutablePageMixin`` view's arguments are not kept), with the pages routed
    through for the breadcrumbs: a course page is found without reading the tree."""
    name = f"route:{path}"
    found, kept = kept_value(request, name)
    if found:
        route, trail = kept
        setattr(request, _TRAIL, trail)
        return route
    trail: list[Page] = []
    setattr(request, _TRAIL, trail)
    try:
        route = home.route(request, [part for part in path.split("/") if part])
    except Http404:
        return None
    if route is not None and not route[1] and not route[2]:
        keep_value(request, name, (route, trail))
    return route


def serve(request: HttpRequest, path: str) -> HttpResponse:
    """Wagtail's ``serve`` view, routed from the kept site and home page."""
    from wagtail import views as wagtail_views

    if not hasattr(request, "_wagtail_route_for_request"):
        kept = kept_for_request(request, "site-and-home", lambda: _site_and_home(request))
        home, locales = kept["home"], kept["locales"]
        # Where Wagtail looks for the site and the root paths it already read for a request.
        request._wagtail_site = kept["site"]
        request._wagtail_cached_site_root_paths = kept["root_paths"]
        route = _route(request, home, path) if home is not None else None
        request._wagtail_route_for_request = route
        if route is not None:
            page = route[0]
            if page.locale_id in locales:
                page.locale = locales[page.locale_id]
            view_restrictions(request, page)
    return wagtail_views.serve(request, path)


def wagtail_urlpatterns() -> list:
    """Wagtail's front-end URLs, its catch-all served by ``serve`` above.  (Imported here:
    page models import this module before the auth views can be.)"""
    from django.urls import re_path
    from wagtail import urls as wagtail_urls

    return [
        pattern
        for pattern in wagtail_urls.urlpatterns
        if getattr(pattern, "name", None) != "wagtail_serve"
    ] + [re_path(wagtail_urls.serve_pattern, serve, name="wagtail_serve")]
