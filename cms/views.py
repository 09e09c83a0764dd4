from django.core.paginator import Paginator
from django.shortcuts import render
from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap
from wagtail.models import Locale

from cms.forms import SearchForm
from cms.selectors import directory_page_for_locale, organisation_search, site_search
from cms.sitemaps import LocalizedSitemap


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
    return render(request, "500.html", status=500)
