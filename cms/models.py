"""Site content (pillars 1 and 2): home, standard pages, news, case studies and the
directory of participating organisations (参加団体) with their つながりづくり activities."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import models
from django.forms import CheckboxSelectMultiple
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.blocks import PageChooserBlock
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from cms.blocks import BaseStreamBlock, PillarBlock
from lms.pagecache import kept_for_request
from lms.pageserving import ServedPageMixin
from lms.search import ngram_text, streamfield_text

SLOGAN = "すべての人に居場所がある、兵庫へ"


class JapaneseSearchMixin:
    """Adds the n-gram search field that makes Japanese words findable (see lms.search)."""

    def search_text_parts(self) -> list[str]:
        parts = [self.title, getattr(self, "search_description", "")]
        for name in ("intro", "summary"):
            parts.append(getattr(self, name, "") or "")
        body = getattr(self, "body", None)
        if body is not None:
            parts.append(streamfield_text(body))
        return parts

    @property
    def search_ngrams(self) -> str:
        return ngram_text(*self.search_text_parts())


NGRAM_SEARCH_FIELDS = [index.SearchField("search_ngrams")]


class HomePage(ServedPageMixin, JapaneseSearchMixin, Page):
    hero_title = models.CharField(_("slogan"), max_length=120, default=SLOGAN)
    hero_text = models.TextField(_("introduction"), blank=True)
    pillars = StreamField([("pillar", PillarBlock())], blank=True, verbose_name=_("pillars"))
    featured = StreamField(
        [("page", PageChooserBlock(label=_("page")))],
        blank=True,
        max_num=6,
        verbose_name=_("featured content"),
        help_text=_("Pages to feature on the home page, in this order."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("hero_title"),
        FieldPanel("hero_text"),
        FieldPanel("pillars"),
        FieldPanel("featured"),
    ]
    search_fields = Page.search_fields + NGRAM_SEARCH_FIELDS
    subpage_types = [
        "cms.StandardPage",
        "cms.NewsIndexPage",
        "cms.CaseStudyIndexPage",
        "cms.OrganisationDirectoryPage",
        "courses.CourseIndexPage",
    ]
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("home page")

    def search_text_parts(self) -> list[str]:
        return [self.title, self.hero_title, self.hero_text]

    def get_context(self, request, *args, **kwargs):
        from cms.selectors import news_list_latest, pages_for_featured

        context = super().get_context(request, *args, **kwargs)
        # Public content only: kept under the public version, like the menu (lms.pagecache).
        context["featured_pages"], context["latest_news"] = kept_for_request(
            request,
            f"home:{self.pk}",
            lambda: (
                pages_for_featured(self.featured, locale=self.locale),
                news_list_latest(locale=self.locale, limit=3),
            ),
        )
        return context


class StandardPage(ServedPageMixin, JapaneseSearchMixin, Page):
    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(BaseStreamBlock(), blank=True, verbose_name=_("body"))

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro")] + NGRAM_SEARCH_FIELDS
    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types = ["cms.StandardPage"]

    class Meta:
        verbose_name = _("standard page")


class NewsIndexPage(ServedPageMixin, JapaneseSearchMixin, Page):
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + NGRAM_SEARCH_FIELDS
    subpage_types = ["cms.NewsPage"]
    parent_page_types = ["cms.HomePage"]

    class Meta:
        verbose_name = _("news index page")

    def get_context(self, request, *args, **kwargs):
        from cms.selectors import news_list_for_index

        context = super().get_context(request, *args, **kwargs)
        news = news_list_for_index(parent=self)
        context["news_page"] = Paginator(news, 10).get_page(request.GET.get("page"))
        return context


class NewsPage(ServedPageMixin, JapaneseSearchMixin, Page):
    date = models.DateField(_("date"), default=timezone.localdate)
    summary = models.TextField(_("summary"), max_length=400, blank=True)
    body = StreamField(BaseStreamBlock(), blank=True, verbose_name=_("body"))
    fields = ParentalManyToManyField(
        "lms.Field", blank=True, related_name="+", verbose_name=_("fields")
    )

    content_panels = Page.content_panels + [
        FieldPanel("date"),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("fields", widget=CheckboxSelectMultiple),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary")] + NGRAM_SEARCH_FIELDS
    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("news page")


class CaseStudyIndexPage(ServedPageMixin, JapaneseSearchMixin, Page):
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + NGRAM_SEARCH_FIELDS
    subpage_types = ["cms.CaseStudyPage"]
    parent_page_types = ["cms.HomePage"]

    class Meta:
        verbose_name = _("case study index page")

    def get_context(self, request, *args, **kwargs):
        from cms.forms import CaseStudyFilterForm
        from cms.selectors import case_study_list

        context = super().get_context(request, *args, **kwargs)
        form = CaseStudyFilterForm(request.GET or None)
        studies = case_study_list(parent=self, **form.valid_filters())
        context["filter_form"] = form
        context["filter_query_string"] = form.query_string()
        context["case_studies"] = Paginator(studies, 12).get_page(request.GET.get("page"))
        return context


class CaseStudyPage(ServedPageMixin, JapaneseSearchMixin, Page):
    """A case study (先進事例) that member organisations share with each other."""

    summary = models.TextField(_("summary"), max_length=400, blank=True)
    body = StreamField(BaseStreamBlock(), blank=True, verbose_name=_("body"))
    fields = ParentalManyToManyField(
        "lms.Field", blank=True, related_name="+", verbose_name=_("fields")
    )
    organisation = models.ForeignKey(
        "cms.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="case_studies",
        verbose_name=_("organisation"),
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("organisation"),
        FieldPanel("fields", widget=CheckboxSelectMultiple),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary")] + NGRAM_SEARCH_FIELDS
    parent_page_types = ["cms.CaseStudyIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("case study page")


class OrganisationDirectoryPage(ServedPageMixin, RoutablePageMixin, JapaneseSearchMixin, Page):
    """The public directory of participating organisations; each organisation has its own URL under it."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + NGRAM_SEARCH_FIELDS
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("organisation directory page")

    @path("")
    def directory(self, request):
        from cms.forms import DirectoryFilterForm
        from cms.selectors import organisation_list_listed

        form = DirectoryFilterForm(request.GET or None)
        organisations = organisation_list_listed(**form.valid_filters())
        context = self.get_context(request)
        context["filter_form"] = form
        context["filter_query_string"] = form.query_string()
        context["organisations"] = Paginator(organisations, 20).get_page(request.GET.get("page"))
        return TemplateResponse(request, "cms/organisation_directory_page.html", context)

    @path("<slug:slug>/")
    def organisation_detail(self, request, slug):
        from cms.selectors import organisation_list_listed
        from organisations.activity_forms import weekday_labels
        from organisations.activity_selectors import activity_map_url

        organisation = get_object_or_404(organisation_list_listed(), slug=slug)
        for activity in organisation.activities.all():  # published ones, prefetched
            activity.day_names = weekday_labels(activity.weekdays)
            activity.map_url = activity_map_url(activity)
        context = self.get_context(request)
        context["organisation"] = organisation
        return TemplateResponse(request, "cms/organisation_detail.html", context)


class Organisation(index.Indexed, ClusterableModel):
    """A participating organisation of the prefecture's platform (県PF参加団体)."""

    name = models.CharField(_("name"), max_length=150)
    name_kana = models.CharField(_("name in kana"), max_length=150, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True, allow_unicode=False)
    organisation_type = models.ForeignKey(
        "lms.OrganisationType",
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("type"),
    )
    fields = ParentalManyToManyField(
        "lms.Field", blank=True, related_name="organisations", verbose_name=_("fields")
    )
    municipality = models.ForeignKey(
        "lms.Municipality",
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("municipality"),
    )
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    website = models.URLField(_("website"), blank=True)
    public_email = models.EmailField(_("public contact email"), blank=True)
    public_phone = models.CharField(_("public contact phone"), max_length=30, blank=True)
    is_listed = models.BooleanField(
        _("listed in the directory"),
        default=True,
        help_text=_("Untick to hide the organisation from the public."),
    )
    joined_on = models.DateField(_("joined the platform on"), null=True, blank=True)
    # Issue #12: where the organisation works, and whether its own posts publish directly.
    municipalities_served = ParentalManyToManyField(
        "lms.Municipality", blank=True, related_name="+", verbose_name=_("municipalities served")
    )
    trusted = models.BooleanField(
        _("trusted: its activities are published without review"),
        default=False,
        help_text=_("New organisations' first posts are reviewed by the secretariat."),
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name"),
                FieldPanel("name_kana"),
                FieldPanel("slug"),
                FieldPanel("organisation_type"),
            ],
            heading=_("Organisation"),
        ),
        FieldPanel("fields", widget=CheckboxSelectMultiple),
        FieldPanel("municipality"),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldPanel("address"),
                FieldPanel("website"),
                FieldPanel("public_email"),
                FieldPanel("public_phone"),
            ],
            heading=_("Contact"),
        ),
        FieldPanel("is_listed"),
        FieldPanel("trusted"),
        FieldPanel("joined_on"),
        FieldPanel("municipalities_served"),
        InlinePanel("activities", label=_("Connection-making activities")),
    ]
    search_fields = [
        index.SearchField("name"),
        index.SearchField("name_kana"),
        index.SearchField("description"),
        index.SearchField("search_ngrams"),
        index.FilterField("is_listed"),
    ]

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name_kana", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def search_ngrams(self) -> str:
        return ngram_text(
            self.name, self.description, *[activity.title for activity in self.activities.all()]
        )


class Activity(Orderable):
    """A connection-making activity (つながりづくりの場) an organisation runs: what, where, when, for whom."""

    organisation = ParentalKey(Organisation, on_delete=models.CASCADE, related_name="activities")
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("what happens"), blank=True)
    place = models.CharField(_("where"), max_length=200, blank=True)
    municipality = models.ForeignKey(
        "lms.Municipality",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("municipality"),
    )
    schedule = models.CharField(
        _("when"), max_length=200, blank=True, help_text=_("e.g. 毎月第2土曜日 10:00〜12:00")
    )
    audience = models.CharField(_("who it is for"), max_length=200, blank=True)
    is_online = models.BooleanField(_("online"), default=False)
    # Issue #12: the days it takes place (ISO weekday numbers 1–7, e.g. "2,6"), so residents
    # can find one on a day that suits them; cost, accessibility and whom to contact.
    weekdays = models.CharField(_("days of the week"), max_length=20, blank=True)
    cost = models.CharField(_("cost"), max_length=100, blank=True)
    accessibility = models.CharField(_("accessibility"), max_length=300, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    # Posts by organisations not yet trusted wait for the secretariat (organisations app).
    is_published = models.BooleanField(_("published"), default=True)

    panels = [
        FieldPanel("title"),
        FieldPanel("description"),
        FieldPanel("place"),
        FieldPanel("municipality"),
        FieldPanel("schedule"),
        FieldPanel("audience"),
        FieldPanel("is_online"),
        FieldPanel("weekdays"),
        FieldPanel("cost"),
        FieldPanel("accessibility"),
        FieldPanel("contact"),
        FieldPanel("is_published"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.title


@register_setting(icon="mail")
class PlatformOffice(BaseGenericSetting):
    """The platform office (県PF事務局) people contact about the site and their personal data;
    shown in every page's footer.  Edited by staff under Settings in the Wagtail admin."""

    name = models.CharField(_("office name"), max_length=150, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    hours = models.CharField(
        _("opening hours"), max_length=150, blank=True, help_text=_("e.g. 平日 9:00〜17:30")
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("email"),
        FieldPanel("phone"),
        FieldPanel("address"),
        FieldPanel("hours"),
    ]

    class Meta:
        verbose_name = _("platform office")

    def __str__(self) -> str:
        return self.name or str(self._meta.verbose_name)
