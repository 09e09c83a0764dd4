"""The secretariat's organisations report in the Wagtail admin (issue #12, item 7): listed
organisations by municipality, group and field, published activities per municipality and
volunteer opportunities filled, each as a chart, a table and a CSV download."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.csv import csv_response
from organisations import reports

TABLES = ("municipalities", "groups", "fields", "activities", "opportunities")


@dataclass
class Bar:
    label: str
    value: int
    max: int
    text: str


@dataclass
class Table:
    """One table of the report: what the page shows and what the CSV holds (the same rows)."""

    key: str
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)
    total: list | None = None
    bars: list[Bar] = field(default_factory=list)
    chart_title: str = ""
    note: str = ""

    @property
    def csv_rows(self) -> list[list]:
        return [*self.rows, *([self.total] if self.total else [])]


def _count_bars(rows: list[tuple[str, int]]) -> list[Bar]:
    top = max([count for _name, count in rows] or [0]) or 1
    return [Bar(label=name, value=count, max=top, text=str(count)) for name, count in rows]


def _municipalities_table() -> tuple[Table, list[reports.MunicipalityRow]]:
    rows = reports.organisations_by_municipality()
    table = Table(
        key="municipalities",
        title=_("Organisations by municipality"),
        header=[_("Municipality"), _("Organisations based here"), _("Organisations serving it")],
        rows=[[row.name, row.organisations, row.serving] for row in rows],
        total=[
            _("Total"),
            sum(row.organisations for row in rows),
            "",  # an organisation can serve several places: no meaningful sum
        ],
        chart_title=_("Listed organisations based in each municipality"),
        note=_(
            "Listed organisations only. Kobe's wards count under Kobe. An organisation serving "
            "several municipalities counts in each of them."
        ),
    )
    table.bars = _count_bars([(row.name, row.organisations) for row in rows])
    return table, rows


def _groups_table() -> Table:
    rows = reports.organisations_by_group()
    return Table(
        key="groups",
        title=_("Organisations by group"),
        header=[_("Organisation group"), _("Organisations")],
        rows=[[row.name, row.count] for row in rows],
        total=[_("Total"), sum(row.count for row in rows)],
        bars=_count_bars([(row.name, row.count) for row in rows]),
        chart_title=_("Listed organisations in each group"),
    )


def _fields_table() -> Table:
    rows = reports.organisations_by_field()
    return Table(
        key="fields",
        title=_("Organisations by field"),
        header=[_("Field"), _("Organisations")],
        rows=[[row.name, row.count] for row in rows],
        bars=_count_bars([(row.name, row.count) for row in rows]),
        chart_title=_("Listed organisations in each field"),
        note=_("An organisation with several fields counts in each of them."),
    )


def _activities_table() -> Table:
    report = reports.activities_by_municipality()
    rows = [[row.name, row.count] for row in report.rows]
    rows.append([_("Online"), report.online])
    if report.no_place:
        rows.append([_("No municipality given"), report.no_place])
    return Table(
        key="activities",
        title=_("Activities by municipality"),
        header=[_("Municipality"), _("Published activities")],
        rows=rows,
        total=[_("Total"), report.total],
        bars=_count_bars([(row.name, row.count) for row in report.rows]),
        chart_title=_("Published activities in each municipality"),
        note=_(
            "Published activities of listed organisations. Kobe's wards count under Kobe; "
            "online activities are counted apart."
        ),
    )


def _opportunity_cells(row: reports.OpportunityRow) -> list:
    return [
        row.name,
        row.open,
        row.closed,
        row.places,
        row.filled,
        row.percent_filled,
    ]


def _opportunities_table() -> Table:
    rows, total = reports.opportunities_by_group()
    return Table(
        key="opportunities",
        title=_("Volunteer opportunities by organisation group"),
        header=[
            _("Organisation group"),
            _("Open"),
            _("Closed"),
            _("Places offered"),
            _("Places filled"),
            _("Filled (%)"),
        ],
        rows=[_opportunity_cells(row) for row in rows],
        total=_opportunity_cells(total),
        bars=[
            Bar(
                label=row.name,
                value=min(row.filled, row.places),
                max=row.places or 1,
                text=_("%(filled)s of %(places)s (%(percent)s%%)")
                % {"filled": row.filled, "places": row.places, "percent": row.percent_filled},
            )
            for row in [*rows, total]
        ],
        chart_title=_("Places filled out of places offered"),
        note=_(
            "Opportunities of listed organisations. Places filled are the applications the "
            "organisations accepted."
        ),
    )


_BUILDERS = {
    "groups": _groups_table,
    "fields": _fields_table,
    "activities": _activities_table,
    "opportunities": _opportunities_table,
}


@permission_required("cms.view_organisation", raise_exception=True)
def report_view(request: HttpRequest) -> HttpResponse:
    """Where the platform's organisations are, what they do and how their calls for
    volunteers fare, so the secretariat sees where the platform is thin.
    ``?format=csv&table=municipalities|groups|fields|activities|opportunities`` downloads
    one table (an unknown table: the municipalities)."""
    if request.GET.get("format") == "csv":
        key = request.GET.get("table", "")
        if key not in TABLES:
            key = "municipalities"
        table = _BUILDERS[key]() if key in _BUILDERS else _municipalities_table()[0]
        return csv_response(
            f"organisations-{key}.csv", table.header, table.csv_rows, request=request
        )
    municipalities, municipality_rows = _municipalities_table()
    tables = [municipalities, *(build() for build in _BUILDERS.values())]
    return TemplateResponse(
        request,
        "organisations/admin/report.html",
        {
            "tables": tables,
            "thin": reports.thin_municipalities(municipality_rows),
            "thin_at_most": reports.THIN_AT_MOST,
            "today": timezone.localdate(),
        },
    )
