"""The benchmark scripts at a tiny size, so they keep working (they measure nothing here)."""

import pytest

from bench import bulk_certificates, rush
from courses.models import Enrolment, EnrolmentStatus


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rush_places_seats_then_waiting_list(live_server, home_page):
    plan = rush.prepare(people=12, seats=4)
    figures = rush.run_rush(live_server.url, plan, timeout=60, in_flight=1)
    summary = rush.summarise(figures)
    assert summary["errors"] == 0, summary
    assert summary["status_5xx"] == 0
    places = rush.check_places(plan, arrivals=None)
    assert places["exact"], places
    assert places["waitlist_order_is_lock_order"]


def test_inversions_counts_pairs_out_of_arrival_order():
    assert rush._inversions([1, 2, 3]) == (0, 0)
    assert rush._inversions([1, 5, 3, 4]) == (2, 2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_enrolment_sql_becomes_a_pgbench_script(home_page):
    statements = rush.capture_enrolment_sql()
    probe = Enrolment.objects.get(status=EnrolmentStatus.ENROLLED)
    script = rush.pgbench_script(statements, 999, probe.run_id, probe.user_id, 300)
    assert "FOR UPDATE" in script
    # The statements address the rush's run, not the probe's.
    assert f"= {probe.run_id} " not in script and "= 999" in script
    assert ":uid" in script
    assert "'waitlisted', now()" in script


def test_rendering_limit_renders_a_few_documents():
    figures = bulk_certificates.rendering_limit(3, processes=1)
    assert figures["documents"] == 3
    assert figures["pdf_bytes_median"] > 1000


def test_our_certificate_alone_renders_in_the_same_setup_and_weighs_more():
    """The rendering limit's second measure renders our own certificate (PDF/A, two fonts, the
    QR code) in the same pool of processes, without database or queue."""
    minimal = bulk_certificates.rendering_limit(2, processes=1)
    ours = bulk_certificates.rendering_limit(2, processes=1, ours=True)
    assert ours["documents"] == 2
    assert ours["pdf_bytes_median"] > 2 * minimal["pdf_bytes_median"]
