"""Wagtail pages served from the kept site, home page and view restrictions (lms.pageserving):
the same answers as Wagtail's own reads, and every change shows on the next request."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, PageViewRestriction

from cms.models import NewsPage, StandardPage
from lms.pageserving import _restriction_map, restrictions_for
from tests.factories import UserFactory, add_page

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]


@pytest.fixture
def tree(home_page):
    """Sections with restrictions of every kind, and aliases of restricted and open pages."""
    open_section = add_page(home_page, StandardPage(title="公開", slug="koukai"))
    open_child = add_page(open_section, StandardPage(title="公開の子", slug="child"))
    members = add_page(home_page, StandardPage(title="会員", slug="kaiin"))
    members_child = add_page(members, StandardPage(title="会員の子", slug="child"))
    staff = add_page(home_page, StandardPage(title="職員", slug="shokuin"))
    PageViewRestriction.objects.create(page=members, restriction_type=PageViewRestriction.LOGIN)
    by_group = PageViewRestriction.objects.create(
        page=staff, restriction_type=PageViewRestriction.GROUPS
    )
    by_group.groups.add(Group.objects.create(name="県職員"))
    PageViewRestriction.objects.create(
        page=members_child, restriction_type=PageViewRestriction.PASSWORD, password="つながり"
    )
    # An alias of a restricted page under an open one, an alias of an open page under a
    # restricted one, and an alias of an alias.
    alias_of_members = members.create_alias(parent=open_section, update_slug="kaiin-betsumei")
    alias_of_open = open_child.create_alias(parent=staff, update_slug="open-alias")
    alias_of_alias = alias_of_members.create_alias(parent=open_child, update_slug="alias-alias")
    add_page(alias_of_members, StandardPage(title="別名の下", slug="below-alias"))
    return {
        "open": open_section,
        "members": members,
        "alias_of_open": alias_of_open,
        "alias_of_alias": alias_of_alias,
    }


def test_restrictions_found_are_wagtails_for_every_page(tree):
    kept = _restriction_map()
    pages = list(Page.objects.all())
    assert len(pages) >= 10
    for page in pages:
        ours = sorted(restriction.pk for restriction in restrictions_for(page, kept))
        wagtails = sorted(page.get_view_restrictions().values_list("pk", flat=True))
        assert ours == wagtails, page.url_path
    # The tree is not trivial: open pages, restricted ones, and aliases of both kinds.
    found = {page.pk: restrictions_for(page, kept) for page in pages}
    assert not found[tree["open"].pk] and found[tree["members"].pk]
    assert found[tree["alias_of_alias"].pk] and len(found[tree["alias_of_open"].pk]) == 1


def test_restricted_pages_stay_restricted_when_served_from_what_is_kept(tree, client):
    assert client.get("/koukai/").status_code == 200
    assert client.get("/koukai/").status_code == 200
    for url in ("/kaiin/", "/kaiin/child/", "/shokuin/", "/koukai/kaiin-betsumei/"):
        response = client.get(url)
        assert response.status_code in (200, 302), url
        if response.status_code == 200:  # the password form, never the page
            assert "つながり" not in response.content.decode()
            assert 'name="password"' in response.content.decode(), url
        else:
            assert "/_util/login/" in response["Location"] or "login" in response["Location"]

    # Signed in, the sign-in restriction passes but the group one does not.
    person = Client()
    person.force_login(UserFactory())
    assert person.get("/kaiin/").status_code == 200
    assert person.get("/shokuin/").status_code == 302
    member = UserFactory()
    member.groups.add(Group.objects.get(name="県職員"))
    staff_member = Client()
    staff_member.force_login(member)
    assert staff_member.get("/shokuin/").status_code == 200


def test_a_restriction_added_or_removed_shows_on_the_next_request(
    tree, client, django_capture_on_commit_callbacks
):
    assert client.get("/koukai/child/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        restriction = PageViewRestriction.objects.create(
            page=tree["open"], restriction_type=PageViewRestriction.LOGIN
        )
    assert client.get("/koukai/child/").status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        restriction.delete()
    assert client.get("/koukai/child/").status_code == 200


def test_a_signed_in_visitor_gets_the_home_page_for_the_version_and_session_reads(
    home_page, site_cache
):
    person = Client()
    person.force_login(UserFactory())
    assert person.get("/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = person.get("/")
    assert response.status_code == 200
    statements = [query["sql"] for query in queries]
    # The session, the person, and the shared versions from the site's cache table, in one
    # read (the public one, and the one their permissions are kept under: the header's staff
    # links, lms.backends); nothing of the page tree, the site, its root paths, the locales or
    # the view restrictions, nor the permissions themselves.
    assert len(statements) == 3, statements
    assert [sql for sql in statements if "lms_cache" in sql] == [
        next(
            sql
            for sql in statements
            if "public-pages:version" in sql and "shared-version:staff-sidebar" in sql
        )
    ]
    others = ("django_session", "lms_user", "lms_cache")
    assert all(any(f'FROM "{table}"' in sql for table in others) for sql in statements)


def test_news_published_shows_on_the_home_page_at_once(
    home_page, news_index, django_capture_on_commit_callbacks
):
    person = Client()
    person.force_login(UserFactory())
    assert "孤立対策の新しい研修" not in person.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        add_page(news_index, NewsPage(title="孤立対策の新しい研修", slug="new-training"))
    assert "孤立対策の新しい研修" in person.get("/").content.decode()


def test_a_renamed_page_is_routed_at_its_new_address_at_once(
    home_page, client, django_capture_on_commit_callbacks
):
    page = add_page(home_page, StandardPage(title="相談窓口", slug="soudan"))
    assert client.get("/soudan/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        page.slug = "madoguchi"
        page.save_revision().publish()
    assert client.get("/madoguchi/").status_code == 200
    moved = client.get("/soudan/")  # Wagtail's redirect from the old address
    assert moved.status_code == 301 and moved["Location"] == "/madoguchi/"


def test_a_preview_never_leaves_its_draft_for_visitors(
    home_page, news_index, django_capture_on_commit_callbacks
):
    draft = home_page.get_latest_revision_as_object()
    draft.featured = [("page", news_index)]
    draft.save_revision()
    # Wagtail previews with a request to the page's site: the host visitors use too.
    preview = draft.make_preview_request()
    assert 'id="featured-heading"' in preview.content.decode()

    # The live page, for a visitor and for the editor, still features nothing.
    visitor, person = Client(HTTP_HOST="localhost"), Client(HTTP_HOST="localhost")
    person.force_login(UserFactory())
    assert 'id="featured-heading"' not in visitor.get("/").content.decode()
    assert 'id="featured-heading"' not in person.get("/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        draft.save_revision().publish()
    assert 'id="featured-heading"' in visitor.get("/").content.decode()


def _breadcrumbs(html: str) -> str:
    return (
        html.split('<nav class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
        if ('<nav class="breadcrumbs"' in html)
        else ""
    )


def test_breadcrumbs_come_from_the_route_and_match_the_trees_ancestors(home_page):
    section = add_page(home_page, StandardPage(title="支援者の皆さまへ", slug="shiensha"))
    page = add_page(section, StandardPage(title="研修の受け方", slug="ukekata"))

    served = Client().get("/shiensha/ukekata/").content.decode()
    trail = _breadcrumbs(served)
    assert (
        '<a href="/">ホーム</a>' in trail and '<a href="/shiensha/">支援者の皆さまへ</a>' in trail
    )
    assert '<li aria-current="page">研修の受け方</li>' in trail
    # A preview is not routed: the same breadcrumbs, read from the tree.
    preview = page.make_preview_request().content.decode()
    assert _breadcrumbs(preview) == trail
    # A page just below the home page has none.
    assert _breadcrumbs(Client().get("/shiensha/").content.decode()) == ""


def test_an_unpublished_page_is_gone_at_once(home_page, client, django_capture_on_commit_callbacks):
    page = add_page(home_page, StandardPage(title="夏のボランティア説明会", slug="setsumeikai"))
    assert client.get("/setsumeikai/").status_code == 200
    assert client.get("/setsumeikai/").status_code == 200  # kept whole now, and its route
    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
    assert client.get("/setsumeikai/").status_code == 404
    person = Client()
    person.force_login(UserFactory())
    assert person.get("/setsumeikai/").status_code == 404


def test_sub_routes_of_a_routable_page_are_routed_every_time(
    directory_page, django_capture_on_commit_callbacks
):
    from tests.factories import OrganisationFactory

    organisation = OrganisationFactory(name="西宮つながりの会", slug="nishinomiya-tsunagari")
    person = Client()
    person.force_login(UserFactory())
    url = f"/organisations/{organisation.slug}/"
    assert "西宮つながりの会" in person.get(url).content.decode()
    assert "西宮つながりの会" in person.get("/organisations/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        organisation.name = "西宮つながりネット"
        organisation.save()
    assert "西宮つながりネット" in person.get(url).content.decode()
    assert person.get("/organisations/no-such-organisation/").status_code == 404


def test_a_signed_in_visitor_gets_a_course_page_without_reading_the_tree(home_page):
    from tests.factories import CourseIndexPageFactory, CoursePageFactory, CourseRunFactory

    catalogue = CourseIndexPageFactory(parent=home_page)
    course = CoursePageFactory(parent=catalogue, title="傾聴ボランティア入門", slug="keichou")
    CourseRunFactory(course=course)
    person = Client()
    person.force_login(UserFactory())
    first = person.get(course.url).content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = person.get(course.url).content.decode()
    assert again == first.replace(_csrf(first), _csrf(again))
    tree = [q["sql"] for q in queries if 'FROM "wagtailcore_page"' in q["sql"]]
    assert tree == []
    # The breadcrumbs still name the catalogue, from the kept route.
    assert f'<a href="{catalogue.url}">{catalogue.title}</a>' in _breadcrumbs(again)


def _csrf(html: str) -> str:
    marker = 'name="csrfmiddlewaretoken" value="'
    return html.split(marker, 1)[1].split('"', 1)[0] if marker in html else ""


def test_two_sites_on_one_host_and_different_ports_each_get_their_own_pages(home_page, locales):
    """Wagtail picks the site by host name and the server's port: what is kept is too."""
    from wagtail.models import Site

    from cms.models import HomePage

    root = Page.get_first_root_node()
    other = HomePage(
        title="研修センター", slug="kenshu-center", locale=locales["ja"], hero_title="研修センター"
    )
    root.add_child(instance=other)
    other.save_revision().publish()
    Site.objects.create(hostname="localhost", port=8080, root_page=other, site_name="研修")
    person = Client(HTTP_HOST="localhost")
    person.force_login(UserFactory())

    for _ in range(2):  # the second time from what is kept
        main = person.get("/", SERVER_PORT="80").content.decode()
        centre = person.get("/", SERVER_PORT="8080").content.decode()
        assert "<h1" in main and "研修センター" not in main.split("<main", 1)[1]
        assert "研修センター" in centre.split("<main", 1)[1]


def test_an_enrolment_keeps_the_frame_and_routes_but_not_the_seats(
    home_page, django_capture_on_commit_callbacks
):
    """Places taken make the seats stale (whole pages, a course's runs), not the menu, the
    site, the routes or the restrictions: an enrolment rush does not rebuild every page."""
    from courses.services.enrolment import enrolment_create
    from tests.factories import CourseIndexPageFactory, CoursePageFactory, CourseRunFactory

    catalogue = CourseIndexPageFactory(parent=home_page)
    course = CoursePageFactory(parent=catalogue, title="認知症サポーター養成", slug="ninchisho")
    run = CourseRunFactory(course=course, capacity=3)
    person = Client()
    person.force_login(UserFactory())
    assert "残り3席" in person.get(course.url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        enrolment_create(run=run, user=UserFactory())
    with CaptureQueriesContext(connection) as queries:
        html = person.get(course.url).content.decode()
    assert "残り2席" in html
    read = [q["sql"] for q in queries]
    assert [sql for sql in read if 'FROM "courses_courserun"' in sql]  # the seats, again
    for kept in ('FROM "wagtailcore_page"', 'FROM "wagtailcore_site"', "pageviewrestriction"):
        assert not [sql for sql in read if kept in sql], kept

    with django_capture_on_commit_callbacks(execute=True):
        course.title = "認知症サポーター養成講座"
        course.save_revision().publish()
    with CaptureQueriesContext(connection) as queries:
        html = person.get(course.url).content.decode()
    assert "認知症サポーター養成講座" in html
    assert [q["sql"] for q in queries if 'FROM "wagtailcore_page"' in q["sql"]]
