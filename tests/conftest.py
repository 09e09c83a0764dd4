import pytest
from django.db import connection
from wagtail.models import Locale, Page, Site

from cms.models import HomePage, OrganisationDirectoryPage
from tests.factories import UserFactory


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests fail (not skip) when asked for explicitly, and are deselected on SQLite."""
    on_postgres = connection.vendor == "postgresql"
    keep, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("postgres") and not on_postgres else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture
def locales(db):
    ja, _ = Locale.objects.get_or_create(language_code="ja")
    en, _ = Locale.objects.get_or_create(language_code="en")
    return {"ja": ja, "en": en}


@pytest.fixture
def home_page(locales) -> HomePage:
    """A minimal tree: our HomePage as the default site's root (replacing Wagtail's welcome page)."""
    root = Page.get_first_root_node()
    for child in root.get_children():
        Site.objects.filter(root_page=child).delete()
        child.delete()
    home = HomePage(title="ホーム", slug="home", locale=locales["ja"], hero_text="ようこそ")
    root.add_child(instance=home)
    home.save_revision().publish()
    Site.objects.create(
        hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="test"
    )
    return home


@pytest.fixture
def directory_page(home_page) -> OrganisationDirectoryPage:
    page = OrganisationDirectoryPage(title="参加団体", slug="organisations")
    home_page.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def news_index(home_page):
    from cms.models import NewsIndexPage
    from tests.factories import add_page

    return add_page(home_page, NewsIndexPage(title="お知らせ", slug="news"))


@pytest.fixture
def case_study_index(home_page):
    from cms.models import CaseStudyIndexPage
    from tests.factories import add_page

    return add_page(home_page, CaseStudyIndexPage(title="先進事例", slug="case-studies"))


@pytest.fixture
def role_user(db):
    """Factory: a verified user in the named role group (e.g. roles.CONTENT_EDITORS)."""
    from django.contrib.auth.models import Group

    def make(group_name: str, **kwargs):
        person = UserFactory(**kwargs)
        person.groups.add(Group.objects.get(name=group_name))
        return person

    return make


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in Japanese: a request to /en/ leaves English active in the thread."""
    from django.utils import translation

    translation.activate("ja")
    yield
    translation.deactivate()


@pytest.fixture
def site_cache(settings):
    """The site's own shared caches (database tables: the default one and the calendar
    feeds') instead of the tests' memory caches, so that the queries Wagtail, the rate limits
    and the feeds make to them are counted too."""
    from django.core.management import call_command

    from lms import settings as site_settings

    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": site_settings.CACHE_TABLE,
        },
        "calendar-feeds": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": site_settings.CALENDAR_CACHE_TABLE,
        },
    }
    call_command("createcachetable", verbosity=0)


@pytest.fixture
def page_cache_on(settings):
    """The site's page store on, as in production (the tests' settings turn it off)."""
    settings.PUBLIC_PAGE_CACHE_SECONDS = 120


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and kept public pages live in caches: every test starts with none."""
    from django.conf import settings
    from django.core.cache import caches

    for alias in settings.CACHES:
        caches[alias].clear()
    yield
    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(): ...`` runs what the block registered for after the commit, as if its
    writes had committed on their own: values kept under a version bumped only after commit
    (``SharedVersion(after_commit=True)``) are then kept again, as in production, instead of
    being built afresh for the test's one open transaction."""

    def block():
        return django_capture_on_commit_callbacks(execute=True)

    return block
