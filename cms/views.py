import sys

from django.core.paginator import Paginator
from django.db import InterfaceError, OperationalError
from django.shortcuts import render
from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap
from wagtail.models import Locale

from cms.forms import SearchForm
from cms.selectors import directory_page_for_locale, organisation_search, site_search
from cms.sitemaps import LocalizedSitemap

# A database restart takes seconds; ask clients to come back after about this long.
DATABASE_RETRY_AFTER_SECONDS = 30


def directory_url_for(directory, organisation, request) -> str:
    if directory is None:
        return ""
    return directory.get_url(request) + directory.reverse_subpage(
        "organisation_detail", args=[organisation.slug]
    )


def search(request):
    """Site search that finds Japanese words inside longer titles (see lms.search)."""
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    pages = organisations = None
    if query:
        locale = Locale.get_active()
        pages = Paginator(site_search(query=query, locale=locale), 20).get_page(
            request.GET.get("page")
        )
        directory = directory_page_for_locale(locale=locale)
        organisations = [
            {"name": organisation.name, "url": directory_url_for(directory, organisation, request)}
            for organisation in organisation_search(query=query)[:10]
        ]
    return render(
        request,
        "cms/search.html",
        {"form": form, "query": query, "pages": pages, "organisations": organisations},
    )


def sitemap(request):
    """/sitemap.xml: every live public page, in every language."""
    return wagtail_sitemap(request, sitemaps={"pages": LocalizedSitemap})


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    """500, except when the database is out of reach (a restart, a failover, too many
    connections): then 503 with Retry-After, so visitors, proxies and monitors know to try
    again shortly.  Neither page touches the database."""
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        response = render(request, "503.html", status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response
    return render(request, "500.html", status=500)
