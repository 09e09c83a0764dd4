"""The coordinators' volunteer list kept whole below the admin frame (issue #9;
``volunteers.selectors.VOLUNTEER_LIST_VERSION``, ``volunteers.admin_views.volunteer_list``):
shown again, with the same filters and page, it reads nothing of the register; every change
to what it shows shows on the next visit; a sign-in changes nothing it shows and keeps it;
time alone makes it stale when an applicant starts waiting for contact; its forms carry the
reader's own CSRF token and the runs to enrol in as they are now."""

import datetime as dt

import pytest
from django.contrib.auth.models import update_last_login
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lms import roles
from lms.models import Field, Municipality, User
from tests.factories import CourseRunFactory, UserFactory
from tests.html import without_csrf_tokens
from tests.volunteers.test_coordinators import HIMEJI, person
from volunteers import admin_views, selectors, services
from volunteers.models import LikelyDuplicate, Stage, VolunteerProfile

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]


@pytest.fixture
def coordinator(role_user):
    return role_user(roles.COORDINATORS, is_staff=True, full_name="調整 役子")


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def lists_built(monkeypatch):
    """The lists (by query string) built from the register from now on."""
    built = []
    real = admin_views._volunteer_list_body

    def counting(request):
        built.append(request.GET.urlencode())
        return real(request)

    monkeypatch.setattr(admin_views, "_volunteer_list_body", counting)
    return built


def _list(client, query: str = "") -> str:
    page = client.get(f"/admin/volunteers/{query}")
    assert page.status_code == 200
    return page.content.decode()


@pytest.mark.usefixtures("page_cache_on")  # the bulk fields' runs kept too
def test_shown_again_it_reads_nothing_of_the_register(coordinator_client, lists_built, committed):
    with committed():
        person("山田 一", "やまだ はじめ", "one@example.jp")
    first = _list(coordinator_client)

    with CaptureQueriesContext(connection) as again:
        second = _list(coordinator_client)

    assert lists_built == [""]
    assert without_csrf_tokens(second) == without_csrf_tokens(first)
    assert "山田 一" in second
    read = " ".join(query["sql"] for query in again.captured_queries)
    for table in ("volunteers_", "lms_municipality", "lms_field", "courses_courserun"):
        assert table not in read, table


def test_each_filter_and_page_is_kept_apart(
    coordinator_client, lists_built, monkeypatch, committed
):
    monkeypatch.setattr(admin_views, "PER_PAGE", 1)
    with committed():
        first = person("山田 一", "やまだ はじめ", "one@example.jp", phone="")
        second = person("山田 二", "やまだ じろう", "two@example.jp", phone="")
        services.volunteer_stage_move(profile=second, to_stage=Stage.CONTACTED, by=None)

    contacted = _list(coordinator_client, "?stage=contacted")
    applied = _list(coordinator_client, "?stage=applied")
    page_two = _list(coordinator_client, "?page=2")
    # The same filters in another order are the same list.
    assert without_csrf_tokens(_list(coordinator_client, "?stage=applied&q=")) == (
        without_csrf_tokens(_list(coordinator_client, "?q=&stage=applied"))
    )

    assert "山田 二" in contacted and "山田 一" not in contacted
    assert "山田 一" in applied and "山田 二" not in applied
    assert first.user.full_name in page_two  # the older of two, one a page
    assert len(lists_built) == 4  # ?stage=applied and ?stage=applied&q= are two


def test_every_change_it_shows_shows_on_the_next_visit(coordinator_client, coordinator, committed):
    """Each change committed on its own, as in production: the list kept before it must not
    be shown after it."""
    with committed():
        profile = person("山田 一", "やまだ はじめ", "one@example.jp")
    _list(coordinator_client)

    with committed():
        profile.user.full_name = "山田 一子"
        profile.user.save()
    assert "山田 一子" in _list(coordinator_client)

    with committed():
        services.volunteer_stage_move(profile=profile, to_stage=Stage.CONTACTED, by=coordinator)
    assert str(Stage.CONTACTED.label) in _list(coordinator_client, "?stage=contacted")

    with committed():
        services.volunteer_coordinator_assign(
            profile=profile, coordinator=coordinator, by=coordinator
        )
    assert "<td>調整 役子</td>" in _list(coordinator_client)

    other_field = Field.objects.exclude(pk__in=profile.fields.all()).first()
    with committed():
        profile.fields.add(other_field)
    [row] = selectors.volunteer_rows([profile.pk])
    assert str(other_field) in row.fields
    assert f"<td>{row.fields}</td>" in _list(coordinator_client)

    himeji = Municipality.objects.get(code=HIMEJI)
    with committed():
        himeji.name = "姫路市（新）"
        himeji.save()
    assert "<td>姫路市（新）</td>" in _list(coordinator_client)

    # A new coordinator is one more choice of the filter.
    with committed():
        role = UserFactory(full_name="新任 調整", is_staff=True)
    assert "新任 調整" in _list(coordinator_client)
    with committed():
        role.is_active = False
        role.save(update_fields=["is_active"])
    assert "新任 調整" not in _list(coordinator_client)


def test_duplicates_flagged_and_dismissed_show_at_once(coordinator_client, coordinator, committed):
    to_check = f'href="{reverse("volunteers_duplicates")}"'
    with committed():
        person("山田 一", "やまだ はじめ", "one@example.jp", phone="078-000-0001")
    assert to_check not in _list(coordinator_client)

    with committed():
        person("山田 一", "やまだ はじめ", "one-again@example.jp", phone="078-000-0001")
    assert to_check in _list(coordinator_client)

    # Dismissing is an update, which sends no signal: the service makes the list stale.
    with committed():
        services.duplicate_dismiss(flag=LikelyDuplicate.objects.get(), by=coordinator)
    assert to_check not in _list(coordinator_client)


def test_a_withdrawal_shows_at_once(coordinator_client, coordinator, committed):
    from lms.services import user_anonymise

    with committed():
        profile = person("山田 一", "やまだ はじめ", "one@example.jp")
        services.volunteer_coordinator_assign(
            profile=profile, coordinator=coordinator, by=coordinator
        )
    assert "山田 一" in _list(coordinator_client)

    with committed():
        user_anonymise(user=profile.user, by=coordinator)

    assert "山田 一" not in _list(coordinator_client)
    assert VolunteerProfile.objects.get(pk=profile.pk).coordinator is None


def test_a_sign_in_keeps_the_list(coordinator_client, lists_built, committed):
    """Signing in saves the account's last sign-in alone, which the list does not show: every
    coordinator's list would otherwise be built again each time anyone signs in."""
    with committed():
        profile = person("山田 一", "やまだ はじめ", "one@example.jp")
    _list(coordinator_client)

    with committed():
        update_last_login(None, profile.user)
    _list(coordinator_client)

    assert lists_built == [""]


def test_an_applicant_starting_to_wait_makes_it_stale(
    coordinator_client, lists_built, monkeypatch, settings, committed
):
    """Nobody changes anything, yet the count of applicants waiting for contact grows when
    one has waited the whole time allowed: the list is built again then, not before."""
    settings.VOLUNTEER_CONTACT_WITHIN_DAYS = 7
    with committed():
        profile = person("山田 一", "やまだ はじめ", "one@example.jp")
    applied_at = timezone.now() - dt.timedelta(days=6, hours=23)
    VolunteerProfile.objects.filter(pk=profile.pk).update(stage_changed_at=applied_at)
    selectors.VOLUNTEER_LIST_VERSION.bump()  # the update sends no signal

    waiting = f'href="{reverse("volunteers_waiting")}"'
    assert waiting not in _list(coordinator_client)
    soon = timezone.now() + dt.timedelta(minutes=30)
    monkeypatch.setattr(timezone, "now", lambda: soon)
    assert waiting not in _list(coordinator_client)
    assert len(lists_built) == 1

    later = applied_at + dt.timedelta(days=7, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert waiting in _list(coordinator_client)
    assert len(lists_built) == 2


def test_each_reader_gets_their_own_token_and_the_bulk_fields(role_user, lists_built, committed):
    """One list built for two coordinators: each page's forms carry its reader's own CSRF
    token, which the bulk action accepts, and the runs to enrol in."""
    with committed():
        person("山田 一", "やまだ はじめ", "one@example.jp")
        CourseRunFactory(
            title="新しい回",
            starts_on=timezone.localdate() + dt.timedelta(days=8),
            ends_on=timezone.localdate() + dt.timedelta(days=9),
        )
    clients = []
    for email in ("c-one@example.jp", "c-two@example.jp"):
        clients.append(Client(enforce_csrf_checks=True))
        clients[-1].force_login(role_user(roles.COORDINATORS, is_staff=True, email=email))
    readers = [(client, _list(client)) for client in clients]
    assert len(lists_built) == 1

    tokens = [_form_token(html) for _client, html in readers]
    assert tokens[0] != tokens[1]
    for _client, html in readers:
        assert "新しい回" in html
        assert admin_views.CSRF_PLACEHOLDER not in html
        assert admin_views.BULK_FIELDS_PLACEHOLDER not in html

    client, html = readers[1]
    answer = client.post(
        "/admin/volunteers/bulk/",
        {
            "csrfmiddlewaretoken": _form_token(html),
            "action": "move",
            "to_stage": Stage.CONTACTED,
            "profiles": [VolunteerProfile.objects.get().pk],
        },
    )
    assert answer.status_code == 302
    assert VolunteerProfile.objects.get().stage == Stage.CONTACTED


def _form_token(html: str) -> str:
    marker = 'name="csrfmiddlewaretoken" value="'
    start = html.index(marker, html.index('id="bulk-form"')) + len(marker)
    return html[start : html.index('"', start)]


def test_accounts_turned_off_in_wagtails_bulk_action_leave_the_filter(coordinator_client):
    """Wagtail's bulk action on accounts updates them without signals: the hook makes the
    kept lists stale (``lms.wagtail_hooks.accounts_changed_in_bulk``)."""
    other = UserFactory(full_name="別の 調整", is_staff=True)
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert "別の 調整" in _list(coordinator_client)

    answer = admin.post(
        f"/admin/bulk/lms/user/set_active_state/?id={other.pk}", {"mark_as_active": "False"}
    )

    assert answer.status_code == 302
    other.refresh_from_db()
    assert not other.is_active
    assert "別の 調整" not in _list(coordinator_client)


def test_a_new_learners_account_keeps_the_list(coordinator_client, lists_built, committed):
    """A new account is on no staff list before a profile, a seat or a pair: signing up as
    a learner does not make every coordinator's list stale.  A new staff member does."""
    with committed():
        person("山田 一", "やまだ はじめ", "one@example.jp")
    _list(coordinator_client)

    with committed():
        User.objects.create_user("learner@example.jp", "つながり2026", full_name="新しい 学習者")
    _list(coordinator_client)
    assert len(lists_built) == 1

    User.objects.create_user("staff@example.jp", full_name="新しい 職員", is_staff=True)
    assert "新しい 職員" in _list(coordinator_client)  # a coordinator to filter by
    assert len(lists_built) == 2
