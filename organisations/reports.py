"""Read-side reports for the secretariat on the partner organisations (issue #12, item 7):
listed organisations by group, by field and by municipality (so the places where the platform
is thin show), published activities per municipality, and how far volunteer opportunities are
filled.  Pure queries, a fixed number of them whatever the number of organisations."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from cms.models import Activity, Organisation
from lms.models import Field, Municipality, MunicipalityKind, OrganisationGroup
from opportunities.models import (
    ApplicationStatus,
    Opportunity,
    OpportunityApplication,
    OpportunityStatus,
)

# A municipality where at most this many listed organisations are based is "thin".
THIN_AT_MOST = 1

# Kobe's wards count under 神戸市: the place is the parent city when there is one.
_PLACE = Coalesce("municipality__parent_id", "municipality_id")


@dataclass(frozen=True)
class CountRow:
    name: str
    count: int


@dataclass(frozen=True)
class MunicipalityRow:
    """One of Hyogo's 41 市町 (or "outside Hyogo"): listed organisations based there and
    listed organisations that say they serve it (each organisation once)."""

    name: str
    organisations: int
    serving: int
    outside_hyogo: bool = False


@dataclass(frozen=True)
class OpportunityRow:
    """Volunteer opportunities of one organisation group: open and closed, the places the
    organisations hoped to fill and the applications they accepted ("filled")."""

    name: str
    open: int
    closed: int
    places: int
    filled: int

    @property
    def total(self) -> int:
        return self.open + self.closed

    @property
    def percent_filled(self) -> int:
        return round(100 * self.filled / self.places) if self.places else 0


@dataclass(frozen=True)
class ActivityReport:
    rows: list[CountRow]  # every municipality, zeros included
    online: int
    no_place: int
    total: int


def _listed_organisations():
    return Organisation.objects.filter(is_listed=True).order_by()


def _hyogo_municipalities() -> tuple[list[Municipality], Municipality | None]:
    """The 41 市町 in their usual order, and the "outside Hyogo" entry.  One query."""
    top = list(Municipality.objects.filter(parent__isnull=True).order_by("sort_order", "code"))
    inside = [m for m in top if m.kind in (MunicipalityKind.CITY, MunicipalityKind.TOWN)]
    outside = next((m for m in top if m.kind == MunicipalityKind.OUTSIDE), None)
    return inside, outside


def organisations_by_municipality() -> list[MunicipalityRow]:
    """Every one of the 41 市町, zero included, with the listed organisations based there
    (Kobe's wards under 神戸市) and those serving it; "outside Hyogo" last when it has any.
    Three queries."""
    inside, outside = _hyogo_municipalities()
    based = {
        row["where"]: row["n"]
        for row in _listed_organisations().values(where=_PLACE).annotate(n=Count("pk"))
    }
    through = Organisation.municipalities_served.through
    serving = {
        row["where"]: row["n"]
        for row in through.objects.filter(organisation__is_listed=True)
        .order_by()
        .values(where=_PLACE)
        .annotate(n=Count("organisation_id", distinct=True))
    }
    places = list(inside)
    if outside is not None and (based.get(outside.pk) or serving.get(outside.pk)):
        places.append(outside)
    return [
        MunicipalityRow(
            name=str(place),
            organisations=based.get(place.pk, 0),
            serving=serving.get(place.pk, 0),
            outside_hyogo=place.kind == MunicipalityKind.OUTSIDE,
        )
        for place in places
    ]


def thin_municipalities(rows: list[MunicipalityRow]) -> list[MunicipalityRow]:
    """Where the platform is thin: municipalities with no or one listed organisation based
    there, fewest first (then in the usual order).  "Outside Hyogo" is never thin."""
    thin = [row for row in rows if not row.outside_hyogo and row.organisations <= THIN_AT_MOST]
    return sorted(thin, key=lambda row: row.organisations)


def organisations_by_group() -> list[CountRow]:
    """Listed organisations in each of the organisation groups, zero included.  One query."""
    groups = OrganisationGroup.objects.annotate(
        n=Count(
            "types__organisations",
            filter=Q(types__organisations__is_listed=True),
            distinct=True,
        )
    ).order_by("sort_order", "pk")
    return [CountRow(name=str(group), count=group.n) for group in groups]


def organisations_by_field() -> list[CountRow]:
    """Listed organisations in each field, zero included; an organisation with several fields
    counts in each, and those that gave none are counted apart.  Two queries."""
    fields = Field.objects.annotate(
        n=Count("organisations", filter=Q(organisations__is_listed=True), distinct=True)
    ).order_by("sort_order", "pk")
    rows = [CountRow(name=str(field), count=field.n) for field in fields]
    none = _listed_organisations().filter(fields__isnull=True).count()
    rows.append(CountRow(name=_("No field given"), count=none))
    return rows


def activities_by_municipality() -> ActivityReport:
    """Published activities of listed organisations in each of the 41 市町 (Kobe's wards
    under 神戸市), zero included; online activities and those with no municipality are
    counted apart.  Two queries."""
    inside, outside = _hyogo_municipalities()
    grouped: dict[tuple[bool, int | None], int] = {
        (row["is_online"], row["where"]): row["n"]
        for row in Activity.objects.filter(is_published=True, organisation__is_listed=True)
        .order_by()
        .values("is_online", where=_PLACE)
        .annotate(n=Count("pk"))
    }
    online = sum(n for (is_online, _place), n in grouped.items() if is_online)
    in_place: dict[int | None, int] = {
        place: n for (is_online, place), n in grouped.items() if not is_online
    }
    places = list(inside)
    if outside is not None and in_place.get(outside.pk):
        places.append(outside)
    rows = [CountRow(name=str(place), count=in_place.get(place.pk, 0)) for place in places]
    return ActivityReport(
        rows=rows,
        online=online,
        no_place=in_place.get(None, 0),
        total=sum(grouped.values()),
    )


def opportunities_by_group() -> tuple[list[OpportunityRow], OpportunityRow]:
    """Volunteer opportunities of listed organisations per organisation group (every group,
    zero included) and a total row: open and closed, places offered and places filled (the
    applications accepted).  Three queries."""
    groups = list(OrganisationGroup.objects.order_by("sort_order", "pk"))
    by_group = {
        row["group"]: row
        for row in Opportunity.objects.filter(organisation__is_listed=True)
        .order_by()
        .values(group=F("organisation__organisation_type__group_id"))
        .annotate(
            open=Count("pk", filter=Q(status=OpportunityStatus.OPEN)),
            closed=Count("pk", filter=~Q(status=OpportunityStatus.OPEN)),
            places=Sum("places"),
        )
    }
    filled = {
        row["group"]: row["n"]
        for row in OpportunityApplication.objects.filter(
            status=ApplicationStatus.ACCEPTED, opportunity__organisation__is_listed=True
        )
        .order_by()
        .values(group=F("opportunity__organisation__organisation_type__group_id"))
        .annotate(n=Count("pk"))
    }
    rows = []
    for group in groups:
        counts = by_group.get(group.pk, {})
        rows.append(
            OpportunityRow(
                name=str(group),
                open=counts.get("open", 0),
                closed=counts.get("closed", 0),
                places=counts.get("places") or 0,
                filled=filled.get(group.pk, 0),
            )
        )
    total = OpportunityRow(
        name=_("Total"),
        open=sum(row.open for row in rows),
        closed=sum(row.closed for row in rows),
        places=sum(row.places for row in rows),
        filled=sum(row.filled for row in rows),
    )
    return rows, total
