"""``lms.lookups.EpochMicroseconds``: the same whole number on PostgreSQL and SQLite, to the
microsecond, so a sum of times changes with any one of them."""

import datetime as dt

import pytest
from django.db.models import Sum

from courses.models import Enrolment
from lms.lookups import EpochMicroseconds
from tests.factories import EnrolmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 11, 29, 6, 15, 42, 123456, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 29, 6, 15, 42, 123457, tzinfo=dt.UTC),  # a microsecond later
        dt.datetime(2027, 1, 1, 0, 0, 0, tzinfo=dt.UTC),  # no fraction written at all
        dt.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
    ],
)
def test_whole_microseconds_since_1970(moment):
    enrolment = EnrolmentFactory()
    Enrolment.objects.filter(pk=enrolment.pk).update(updated_at=moment)
    value = (
        Enrolment.objects.filter(pk=enrolment.pk)
        .annotate(micro=EpochMicroseconds("updated_at"))
        .values_list("micro", flat=True)
        .get()
    )
    expected = int((moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) / dt.timedelta(microseconds=1))
    assert value == expected


def test_a_sum_changes_when_one_time_moves_by_a_microsecond():
    first, second = EnrolmentFactory(), EnrolmentFactory()
    base = dt.datetime(2026, 11, 29, 6, 0, tzinfo=dt.UTC)
    Enrolment.objects.filter(pk=first.pk).update(updated_at=base)
    Enrolment.objects.filter(pk=second.pk).update(updated_at=base)

    def total() -> int:
        return Enrolment.objects.filter(pk__in=[first.pk, second.pk]).aggregate(
            total=Sum(EpochMicroseconds("updated_at"))
        )["total"]

    before = total()
    Enrolment.objects.filter(pk=first.pk).update(updated_at=base + dt.timedelta(microseconds=1))
    assert total() == before + 1


def test_every_microsecond_of_this_century_is_exact():
    """PostgreSQL's double from date_part() holds times to a fraction of a microsecond: 300
    moments drawn from 2000-2100 (a fixed seed) each come back exact, in one query."""
    import random

    from django.db.models import DateTimeField, Value

    draw = random.Random(20261129)
    start = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    moments = [
        start + dt.timedelta(microseconds=draw.randrange(100 * 365 * 24 * 3600 * 10**6))
        for _ in range(300)
    ]
    enrolment = EnrolmentFactory()
    values = (
        Enrolment.objects.filter(pk=enrolment.pk)
        .annotate(
            **{
                f"m{i}": EpochMicroseconds(Value(moment, output_field=DateTimeField()))
                for i, moment in enumerate(moments)
            }
        )
        .values_list(*[f"m{i}" for i in range(len(moments))])
        .get()
    )
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    assert list(values) == [(m - epoch) // dt.timedelta(microseconds=1) for m in moments]
