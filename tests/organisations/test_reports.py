"""The secretariat's organisations report (issue #12, item 7): organisations by municipality,
group and field, the places where the platform is thin, activities per municipality,
opportunities filled, the admin page with its charts and CSV, who may see it, and its cost."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from lms import roles
from lms.models import Field, Municipality, MunicipalityKind, OrganisationGroup, OrganisationType
from lms.taxonomy_data import lg_code
from opportunities.models import (
    ApplicationStatus,
    Opportunity,
    OpportunityApplication,
    OpportunityStatus,
)
from organisations import report_views, reports
from tests.factories import ActivityFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

HIMEJI = "28201"
KOBE = "28100"
KOBE_NADA = "28102"
KAMIKAWA = "28446"
URL = "/admin/organisations/report/"


def place(code5: str) -> Municipality:
    return Municipality.objects.get(code=lg_code(code5))


def outside_hyogo() -> Municipality:
    return Municipality.objects.get(kind=MunicipalityKind.OUTSIDE)


def org_type(name: str) -> OrganisationType:
    return OrganisationType.objects.get(name=name)


def organisation(where: str = HIMEJI, *, type_name: str = "NPO法人", fields=(), serves=(), **kw):
    org = OrganisationFactory(
        municipality=kw.pop("municipality", None) or place(where),
        organisation_type=org_type(type_name),
        **kw,
    )
    if fields:
        org.fields.set(fields)
    if serves:
        org.municipalities_served.set(serves)
    if fields or serves:
        org.save()  # ParentalManyToManyFields are written when the object is saved
    return org


def opportunity(org, *, places: int = 1, status: str = OpportunityStatus.OPEN) -> Opportunity:
    return Opportunity.objects.create(
        organisation=org,
        title="子ども食堂の配膳ボランティア",
        description="配膳と片付けをお願いします。",
        when="毎週土曜日 16:30〜19:00",
        municipality=org.municipality,
        places=places,
        status=status,
    )


def apply(opp: Opportunity, status: str) -> OpportunityApplication:
    return OpportunityApplication.objects.create(opportunity=opp, user=UserFactory(), status=status)


def by_name(rows) -> dict:
    return {row.name: row for row in rows}


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))


@pytest.fixture
def coordinator(role_user):
    return role_user(roles.COORDINATORS, is_staff=True)


def get(user, params=None):
    """The view itself, as Wagtail would call it (the hooks may not be loaded)."""
    request = RequestFactory().get(URL, params or {})
    request.user = user
    response = report_views.report_view(request)
    if hasattr(response, "render"):
        response.render()
    return response


# --- Counts -------------------------------------------------------------------------------------


def test_every_municipality_is_listed_with_kobe_wards_rolled_up_and_unlisted_not_counted():
    organisation(KOBE_NADA)
    organisation(municipality=Municipality.objects.get(parent__code=lg_code(KOBE), name="中央区"))
    organisation(KOBE)
    organisation(HIMEJI, serves=[place(KAMIKAWA), place(KOBE_NADA), place(KOBE)])
    organisation(HIMEJI, is_listed=False, serves=[place(KAMIKAWA)])

    rows = reports.organisations_by_municipality()

    assert len(rows) == 41  # nobody outside Hyogo: no row for it
    names = by_name(rows)
    assert (names["神戸市"].organisations, names["神戸市"].serving) == (3, 1)  # served once
    assert (names["姫路市"].organisations, names["姫路市"].serving) == (1, 0)
    assert (names["神河町"].organisations, names["神河町"].serving) == (0, 1)
    assert names["新温泉町"].organisations == 0
    assert not any("区" in row.name for row in rows)
    assert rows[0].name == "神戸市"  # the usual order


def test_outside_hyogo_is_a_row_only_when_someone_is_there_and_never_thin():
    organisation(municipality=outside_hyogo())

    rows = reports.organisations_by_municipality()

    assert len(rows) == 42
    assert rows[-1].outside_hyogo and rows[-1].organisations == 1
    assert all(not row.outside_hyogo for row in reports.thin_municipalities(rows))


def test_thin_places_are_those_with_none_or_one_organisation_fewest_first():
    for _ in range(2):
        organisation(KOBE)
    organisation(HIMEJI)

    thin = reports.thin_municipalities(reports.organisations_by_municipality())

    assert len(thin) == 40  # all but Kobe
    assert "神戸市" not in [row.name for row in thin]
    assert thin[-1].name == "姫路市" and thin[-1].organisations == 1
    assert all(row.organisations == 0 for row in thin[:-1])


def test_organisations_by_group_and_field_zero_included_unlisted_not_counted():
    disaster = Field.objects.get(slug="disaster-prevention")
    others = list(Field.objects.exclude(pk=disaster.pk)[:1])
    organisation(fields=[disaster, *others])
    organisation(fields=[disaster])
    organisation(type_name="地域企業")
    organisation(type_name="地域企業", is_listed=False, fields=[disaster])

    groups = by_name(reports.organisations_by_group())
    fields = reports.organisations_by_field()

    assert len(groups) == OrganisationGroup.objects.count()
    assert groups[str(org_type("NPO法人").group)].count == 2
    assert groups[str(org_type("地域企業").group)].count == 1
    assert groups[str(OrganisationGroup.objects.get(slug="local-government"))].count == 0
    assert len(fields) == Field.objects.count() + 1
    named = by_name(fields)
    assert named["防災"].count == 2
    assert named[str(others[0])].count == 1
    assert fields[-1].count == 1  # no field given
    assert sum(1 for row in fields if row.count == 0) == Field.objects.count() - 2


def test_published_activities_per_municipality_wards_rolled_up_online_apart():
    org = organisation(HIMEJI)
    ActivityFactory(organisation=org, municipality=place(KOBE_NADA))
    ActivityFactory(organisation=org, municipality=place(KOBE))
    ActivityFactory(organisation=org, municipality=place(HIMEJI))
    ActivityFactory(organisation=org, municipality=place(HIMEJI), is_online=True)
    ActivityFactory(organisation=org, is_online=True)
    ActivityFactory(organisation=org)  # no municipality given
    ActivityFactory(organisation=org, municipality=place(HIMEJI), is_published=False)
    hidden = organisation(HIMEJI, is_listed=False)
    ActivityFactory(organisation=hidden, municipality=place(HIMEJI))

    report = reports.activities_by_municipality()

    assert len(report.rows) == 41
    names = by_name(report.rows)
    assert names["神戸市"].count == 2
    assert names["姫路市"].count == 1
    assert names["神河町"].count == 0
    assert (report.online, report.no_place, report.total) == (2, 1, 6)


def test_opportunities_open_closed_places_and_filled_per_group():
    npo = organisation()
    company = organisation(type_name="地域企業")
    hidden = organisation(is_listed=False)
    first = opportunity(npo, places=3)
    apply(first, ApplicationStatus.ACCEPTED)
    apply(first, ApplicationStatus.ACCEPTED)
    apply(first, ApplicationStatus.APPLIED)
    apply(first, ApplicationStatus.DECLINED)
    closed = opportunity(npo, places=2, status=OpportunityStatus.CLOSED)
    apply(closed, ApplicationStatus.ACCEPTED)
    apply(closed, ApplicationStatus.WITHDRAWN)
    opportunity(company, places=4)
    apply(opportunity(hidden, places=5), ApplicationStatus.ACCEPTED)

    rows, total = reports.opportunities_by_group()

    named = by_name(rows)
    npo_row = named[str(org_type("NPO法人").group)]
    assert (npo_row.open, npo_row.closed, npo_row.places, npo_row.filled) == (1, 1, 5, 3)
    assert npo_row.percent_filled == 60
    company_row = named[str(org_type("地域企業").group)]
    assert (company_row.open, company_row.places, company_row.filled) == (1, 4, 0)
    assert len(rows) == OrganisationGroup.objects.count()
    assert (total.open, total.closed, total.places, total.filled) == (2, 1, 9, 3)
    assert total.percent_filled == 33


# --- The admin page -----------------------------------------------------------------------------


def test_the_page_shows_every_table_with_a_chart_and_the_thin_places(coordinator):
    organisation(KOBE_NADA)
    organisation(KOBE)
    organisation(HIMEJI)

    response = get(coordinator)

    assert response.status_code == 200
    assert [table.key for table in response.context_data["tables"]] == list(report_views.TABLES)
    assert len(response.context_data["thin"]) == 40
    html = response.content.decode()
    assert html.count('class="funnel-chart"') == 5
    assert '<th scope="row">神戸市</th><td>2</td><td>0</td>' in html
    assert '<progress max="2" value="1" aria-hidden="true">1</progress>' in html  # Himeji
    assert 'id="thin-heading"' in html
    assert "姫路市" in [row.name for row in response.context_data["thin"]]
    with translation.override("en"):
        english = get(coordinator).content.decode()
    assert "Himeji: 1 based here, 0 serving it" in english
    assert "Where the platform is thin" in english
    assert "?format=csv&amp;table=opportunities" in html
    assert "css/admin-volunteers-report.css" in html


def test_csv_downloads_each_table_with_a_bom_header_and_kanji(coordinator):
    organisation(KOBE_NADA)
    organisation(HIMEJI, fields=[Field.objects.get(slug="disaster-prevention")])
    opp = opportunity(organisation(type_name="地域企業"), places=2)
    apply(opp, ApplicationStatus.ACCEPTED)

    municipalities = get(coordinator, {"format": "csv", "table": "municipalities"})

    assert municipalities["Content-Type"] == "text/csv; charset=utf-8"
    assert "organisations-municipalities.csv" in municipalities["Content-Disposition"]
    assert municipalities.content.decode("utf-8").startswith("\ufeff")
    rows = csv_rows(municipalities)
    assert rows[1] == ["神戸市", "1", "0"]
    assert ["姫路市", "2", "0"] in rows
    assert ["新温泉町", "0", "0"] in rows
    assert len(rows) == 1 + 41 + 1  # header, every municipality, total

    fields = csv_rows(get(coordinator, {"format": "csv", "table": "fields"}))
    assert ["防災", "1"] in fields
    opportunities = csv_rows(get(coordinator, {"format": "csv", "table": "opportunities"}))
    assert [str(org_type("地域企業").group), "1", "0", "2", "1", "50"] in opportunities
    activities = csv_rows(get(coordinator, {"format": "csv", "table": "activities"}))
    assert len(activities) == 1 + 41 + 1 + 1  # header, municipalities, online, total
    groups = get(coordinator, {"format": "csv", "table": "groups"})
    assert "organisations-groups.csv" in groups["Content-Disposition"]
    unknown = get(coordinator, {"format": "csv", "table": "<script>"})
    assert "organisations-municipalities.csv" in unknown["Content-Disposition"]
    with translation.override("en"):
        english = csv_rows(get(coordinator, {"format": "csv"}))
        english_activities = csv_rows(get(coordinator, {"format": "csv", "table": "activities"}))
    assert english[0] == ["Municipality", "Organisations based here", "Organisations serving it"]
    assert english[1] == ["Kobe", "1", "0"]
    assert english_activities[0] == ["Municipality", "Published activities"]
    assert english_activities[-2:] == [["Online", "0"], ["Total", "0"]]


def test_a_plain_user_is_refused_and_a_coordinator_allowed(client, coordinator):
    organisation(HIMEJI)
    plain = UserFactory()

    with pytest.raises(PermissionDenied):
        get(plain, {"format": "csv"})
    assert get(coordinator).status_code == 200

    from django.urls import reverse

    assert reverse("organisations_report") == URL
    client.force_login(plain)
    response = client.get(URL, {"format": "csv"})
    assert response.status_code == 302
    assert not response.get("Content-Disposition")
    client.force_login(coordinator)
    assert client.get(URL).status_code == 200


def test_the_report_costs_the_same_queries_for_3_and_30_organisations(
    coordinator, django_assert_max_num_queries
):
    fields = list(Field.objects.all()[:3])
    places = [place(KOBE_NADA), place(HIMEJI), place(KAMIKAWA)]
    types = ["NPO法人", "地域企業", "社会福祉協議会"]

    def add(n: int, offset: int) -> None:
        for i in range(offset, offset + n):
            org = organisation(
                municipality=places[i % 3],
                type_name=types[i % 3],
                fields=fields[: i % 3 + 1],
                serves=places[: i % 3],
            )
            ActivityFactory(organisation=org, municipality=places[(i + 1) % 3])
            opp = opportunity(org, places=2)
            apply(opp, ApplicationStatus.ACCEPTED)

    add(3, 0)
    variants = [{}, *({"format": "csv", "table": key} for key in report_views.TABLES)]
    counts = []
    for params in variants:
        with CaptureQueriesContext(connection) as few:
            assert get(coordinator, params).status_code == 200
        counts.append(len(few))

    add(27, 3)
    for params, count in zip(variants, counts, strict=True):
        with django_assert_max_num_queries(count):
            response = get(coordinator, params)
        assert response.status_code == 200
    assert csv_rows(response)[-1][1:5] == ["30", "0", "60", "30"]
