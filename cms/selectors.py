"""Read-side queries for site content. Every list is fetched with its relations in bulk."""

from __future__ import annotations

from django.db.models import F, Prefetch, Q, QuerySet
from wagtail.models import Locale, Page, Site
from wagtail.search.backends import get_search_backend

from cms.models import Activity, CaseStudyPage, NewsPage, Organisation
from lms.models import Field, Municipality, OrganisationGroup
from lms.search import ngram_query


def news_list_latest(*, locale: Locale, limit: int = 3) -> list[NewsPage]:
    return list(
        NewsPage.objects.live().public().filter(locale=locale).order_by("-date", "-pk")[:limit]
    )


def pages_for_featured(featured, *, locale: Locale) -> list[Page]:
    """The live pages an editor featured, in the editor's order, each swapped for its live
    translation in ``locale`` when there is one (a translated home page keeps the chooser's
    original pages).  One query for the originals and translations together, plus one per
    page type; each page carries ``language_code``, the language of its content."""
    ids = [
        block["value"]
        for block in featured.raw_data
        if block.get("type") == "page" and block.get("value")
    ]
    if not ids:
        return []
    chosen_keys = Page.objects.filter(pk__in=ids).values("translation_key")
    pages = (
        Page.objects.live()
        .public()
        .filter(Q(pk__in=ids) | Q(translation_key__in=chosen_keys, locale=locale))
        .annotate(language_code=F("locale__language_code"))
        .specific()
    )
    originals, translations = {}, {}
    for page in pages:
        if page.pk in ids:
            originals[page.pk] = page
        if page.locale_id == locale.pk:
            translations[page.translation_key] = page
    return [
        translations.get(originals[pk].translation_key, originals[pk])
        for pk in ids
        if pk in originals
    ]


def news_list_for_index(*, parent: Page) -> QuerySet[NewsPage]:
    """The live news under ``parent``, newest first, with their fields."""
    return (
        NewsPage.objects.child_of(parent)
        .live()
        .public()
        .prefetch_related("fields")
        .order_by("-date", "-pk")
    )


def case_study_list(*, parent: Page, field: Field | None = None) -> QuerySet[CaseStudyPage]:
    studies = (
        CaseStudyPage.objects.child_of(parent)
        .live()
        .public()
        .select_related("organisation")
        .prefetch_related("fields")
        .order_by("-first_published_at", "-pk")
    )
    if field:
        studies = studies.filter(fields=field)
    return studies


def organisation_list_listed(
    *,
    q: str = "",
    group: OrganisationGroup | None = None,
    field: Field | None = None,
    municipality: Municipality | None = None,
) -> QuerySet[Organisation]:
    """Listed organisations, filtered; choosing a city also finds organisations in its wards."""
    organisations = (
        Organisation.objects.filter(is_listed=True)
        .select_related("organisation_type__group", "municipality__parent")
        .prefetch_related(
            "fields",
            Prefetch(
                "activities",
                queryset=Activity.objects.filter(is_published=True).select_related(
                    "municipality__parent"
                ),
            ),
        )
    )
    if q:
        organisations = organisations.filter(
            Q(name__icontains=q)
            | Q(name_kana__icontains=q)
            | Q(description__icontains=q)
            | Q(activities__title__icontains=q)
        ).distinct()
    if group:
        organisations = organisations.filter(organisation_type__group=group)
    if field:
        organisations = organisations.filter(fields=field)
    if municipality:
        organisations = organisations.filter(
            Q(municipality=municipality) | Q(municipality__parent=municipality)
        )
    return organisations.order_by("name_kana", "name")


def site_search(*, query: str, locale: Locale):
    """Live pages in the visitor's language matching every n-gram of ``query``."""
    terms = ngram_query(query)
    if not terms:
        return Page.objects.none()
    return (
        Page.objects.live().public().filter(locale=locale).specific().search(terms, operator="and")
    )


def directory_page_for_locale(*, locale: Locale):
    """The live organisation directory in ``locale`` (falling back to any), for organisation links."""
    from cms.models import OrganisationDirectoryPage

    pages = OrganisationDirectoryPage.objects.live().public()
    return pages.filter(locale=locale).first() or pages.first()


def organisation_search(*, query: str):
    terms = ngram_query(query)
    if not terms:
        return Organisation.objects.none()
    return get_search_backend().search(
        terms, Organisation.objects.filter(is_listed=True), operator="and"
    )


def page_list_for_sitemap(*, site: Site):
    """Every live public page of ``site`` in every language: the site root's tree and the trees
    of its translations (Wagtail's own sitemap lists only the default language's tree)."""
    roots = Page.objects.filter(translation_key=site.root_page.translation_key)
    in_a_tree = Q()
    for root in roots:
        in_a_tree |= Q(path__startswith=root.path)
    return (
        Page.objects.live()
        .public()
        .filter(in_a_tree)
        .order_by("path")
        .defer_streamfields()
        .specific()
    )
