"""Key pages under gunicorn, one client (issue #9, item 2): each page's median and p95 latency,
its ratio to the floor endpoint measured in the same run, and its SQL query count.

    .venv/bin/python bench/pages.py                          # DATABASE_URL, else var/db.sqlite3
    .venv/bin/python bench/pages.py --requests 50 --warmup 5
    DATABASE_URL=postgres://ci:ci@127.0.0.1:5432/hyogo_bench .venv/bin/python bench/pages.py

The database should hold ``generate_data`` output (its learner, coordinator, mentor, big run);
without it the script says so and stops.  The floor is ``/health/``: one trivial query through
the same middleware and the same gunicorn workers.  Page and floor requests alternate, so
both see the same conditions.  Query counts come from the same URLs requested in this process
with Django's test client (the count does not depend on the server); a page whose count grows
with the data shows up when the script is run on a small and on a full-size dataset.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import is_postgres, median, percentile, report, setup_django  # noqa: E402

FLOOR = "/health/"
KEEP_SECONDS = 120  # the site's default PUBLIC_PAGE_CACHE_SECONDS
# The record "first after a mark" changes before each request (set by targets()).
MARKED_RECORD: int | None = None


@dataclass
class Page:
    name: str
    path: str
    who: str | None  # the role whose session requests it (None: anonymous)
    kept: bool = False  # served from the public page cache (lms.pagecache), not rendered
    # Rendered after the public version was bumped before each request: "content" as the first
    # visitor after a page is published gets the page (nothing kept), "seats" as the first
    # after a place is taken (only what counts places is built again); "theirs": after a change
    # to the learner's own places (My learning built again for them); "mark": after one
    # person's mark on the big session changed (a roster's or matrix's line written again);
    # "volunteers": after any change the coordinators' list shows (built again, whole).
    after_change: str | None = None


def targets() -> tuple[list[Page], dict]:
    """The key pages with ids from the generated data, and the people who open them."""

    from bench.generate import COORDINATOR_EMAIL, LEARNER_EMAIL, MENTOR_EMAIL
    from certificates.models import Certificate, CertificateStatus
    from courses.models import Attendance, CourseRun, Session
    from lms.models import Field, Municipality, User
    from lms.services import calendar_feed_regenerate
    from volunteers.models import Stage

    people = {
        "learner": User.objects.filter(email=LEARNER_EMAIL).first(),
        "coordinator": User.objects.filter(email=COORDINATOR_EMAIL).first(),
        "mentor": User.objects.filter(email=MENTOR_EMAIL).first(),
    }
    if not all(people.values()):
        raise SystemExit("No generated data here: run `manage.py generate_data --scale …` first.")
    # The generator makes the big run (300 seats, 30 waiting, 12 sessions) first.  Picking the
    # run with the most people instead found a 389-person run of 3 sessions: not the 300 × 12
    # matrix the issue names.
    big_run = (
        CourseRun.objects.filter(course__slug__startswith="bench-")
        .order_by("pk")
        .select_related("course")
        .first()
    )
    session = Session.objects.filter(run=big_run).order_by("starts_at").first()
    feed = getattr(people["learner"], "calendar_feed", None) or calendar_feed_regenerate(
        user=people["learner"]
    )
    certificate = Certificate.objects.filter(status=CertificateStatus.VALID).order_by("pk").first()
    field = Field.objects.order_by("pk").first()
    himeji = Municipality.objects.get(name="姫路市", parent__isnull=True)
    pages = [
        Page("home", "/", None),
        Page("catalogue, filtered and searched", f"/courses/?q=研修&field={field.slug}", None),
        Page("course page", big_run.course.url, None),
        Page("My learning (30 enrolments)", "/learning/", "learner"),
        Page(
            "session roster (300)", f"/admin/courses/sessions/{session.pk}/roster/", "coordinator"
        ),
        # The same roster for phones, outside Wagtail's admin: what staff hold at the venue.
        Page("session roster for phones (300)", f"/sessions/{session.pk}/roster/", "coordinator"),
        Page(
            "attendance matrix (300 × 12)",
            f"/admin/courses/runs/{big_run.pk}/attendance/",
            "coordinator",
        ),
        Page("calendar feed (~200 sessions)", f"/calendar/{feed.token}.ics", None),
        Page(
            "certificate verification",
            f"/certificates/verify/{certificate.verification_code}/",
            None,
        ),
        Page(
            "volunteer list, filtered",
            f"/admin/volunteers/?stage={Stage.ACTIVE}&municipality={himeji.pk}",
            "coordinator",
        ),
        Page("mentoring alerts", "/admin/mentoring/alerts/", "coordinator"),
    ]
    # The same public pages as the first visitor after a change gets them, and as the next
    # anonymous visitor gets them: kept whole, not rendered.
    public = pages[:3]
    pages += [
        Page(f"{page.name}: first after a change", page.path, None, after_change="content")
        for page in public
    ]
    pages.append(
        Page("course page: first after a place taken", public[2].path, None, after_change="seats")
    )
    pages += [Page(f"{page.name}: kept page", page.path, None, kept=True) for page in public]
    pages += [
        Page(f"{page.name}: first after a mark", page.path, page.who, after_change="mark")
        for page in pages
        if page.name.startswith(("session roster", "attendance matrix"))
    ]
    pages += [
        Page(f"{page.name}: first after a change", page.path, page.who, after_change="volunteers")
        for page in pages
        if page.name.startswith("volunteer list")
    ]
    global MARKED_RECORD
    MARKED_RECORD = Attendance.objects.filter(session=session).order_by("pk").first().pk
    pages.append(
        Page(
            "My learning: first after a change of theirs",
            "/learning/",
            "learner",
            after_change="theirs",
        )
    )
    return pages, people


def query_counts(pages: list[Page], people: dict) -> dict[str, tuple[int, int]]:
    """(status, queries) of each page, requested in this process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    counts = {}
    for page in pages:
        client = Client()
        if page.who:
            client.force_login(people[page.who])
        with override_settings(PUBLIC_PAGE_CACHE_SECONDS=KEEP_SECONDS):
            client.get(_request_path(page, 0))  # warm what the server's workers have warm too
            _before_request(page)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(_request_path(page, 1))
        counts[page.name] = (response.status_code, len(captured.captured_queries))
    return counts


def _before_request(page: Page) -> None:
    """Bump the public version for a page timed as after a change (in the shared default
    cache, so the server's workers see it), or change the learner's place, outside the time
    measured."""
    if page.after_change == "theirs":
        from django.utils import timezone

        from bench.generate import LEARNER_EMAIL
        from courses.models import Enrolment

        place = Enrolment.objects.filter(user__email=LEARNER_EMAIL).order_by("pk")[:1]
        Enrolment.objects.filter(pk__in=list(place.values_list("pk", flat=True))).update(
            updated_at=timezone.now()
        )
    elif page.after_change == "mark":
        from django.db.models import Case, Value, When
        from django.utils import timezone

        from courses.models import Attendance

        # Stamped as a mark through the roster is (every change to a record is).
        Attendance.objects.filter(pk=MARKED_RECORD).update(
            status=Case(When(status="present", then=Value("late")), default=Value("present")),
            updated_at=timezone.now(),
        )
    elif page.after_change == "volunteers":
        from volunteers.selectors import VOLUNTEER_LIST_VERSION

        VOLUNTEER_LIST_VERSION.bump()
    elif page.after_change:
        from lms.pagecache import bump_version

        bump_version(seats_only=page.after_change == "seats")


def _request_path(page: Page, number: int) -> str:
    """The page's path; for a public page timed rendered, made new each time by a parameter
    the page ignores, so every request is rendered (and kept) for its first visitor, with the
    site's caches on as in production: what is kept under the public version (the menu, the
    site and home page, the view restrictions) is used unless the version was bumped."""
    if page.who or page.kept:
        return page.path
    return f"{page.path}{'&' if '?' in page.path else '?'}bench={number}"


def time_pages(
    base_url: str, pages: list[Page], sessions: dict, requests: int, warmup: int
) -> dict[str, list[float]]:
    """Milliseconds per request for each page and for the floor, alternating the two."""
    import httpx

    timings: dict[str, list[float]] = {FLOOR: []}
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for page in pages:
            cookies = {"sessionid": sessions[page.who]} if page.who else {}
            timings[page.name] = []
            for index in range(warmup + requests):
                page_path = _request_path(page, index)
                for path, name, jar in ((page_path, page.name, cookies), (FLOOR, FLOOR, {})):
                    if name == page.name:
                        _before_request(page)
                    started = time.perf_counter()
                    response = client.get(path, cookies=jar)
                    elapsed = (time.perf_counter() - started) * 1000
                    if response.status_code != 200:
                        raise SystemExit(f"{path} answered {response.status_code}")
                    if index >= warmup:
                        timings[name].append(elapsed)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page first")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--only",
        metavar="TEXT",
        help="time only the pages whose name contains TEXT and print them (no report written)",
    )
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL")
    setup_django(database_url)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from django.db import connection

    from bench.rush import _session_key
    from bench.server import GunicornServer

    pages, people = targets()
    if args.only:
        pages = [page for page in pages if args.only.lower() in page.name.lower()]
    counts = query_counts(pages, people)
    sessions = {role: _session_key(person) for role, person in people.items()}
    vendor = connection.vendor
    connection.close()
    # Every request comes from 127.0.0.1: lift the per-address limit on verification, as a
    # crowd of different visitors would not meet it.  The site's caches are on, as in
    # production.  Pages are timed rendered (public ones at a new address, and as the first
    # visitor after a change gets them) and, for anonymous visitors, kept, each with the floor
    # of its own server run.
    runs = {}
    for kept in (False, True):
        if not any(page.kept == kept for page in pages):
            runs[kept] = ({FLOOR: [0.0]}, 0.0)
            continue
        with GunicornServer(
            database_url,
            workers=args.workers,
            threads=1,
            env={
                "CERTIFICATE_VERIFY_PER_MINUTE": "1000000",
                "PUBLIC_PAGE_CACHE_SECONDS": str(KEEP_SECONDS),
            },
        ) as server:
            timings = time_pages(
                server.url,
                [page for page in pages if page.kept == kept],
                sessions,
                args.requests,
                args.warmup,
            )
        runs[kept] = (timings, median(timings[FLOOR]))

    floor_median = runs[False][1]
    results = []
    rows = [("database", vendor), ("floor (/health/) median", f"{floor_median:.1f} ms")]
    for page in pages:
        timings, floor_median = runs[page.kept]
        values = timings[page.name]
        status, queries = counts[page.name]
        result = {
            "page": page.name,
            "path": "/calendar/<token>.ics" if page.path.startswith("/calendar/") else page.path,
            "median_ms": round(median(values), 1),
            "p95_ms": round(percentile(values, 0.95), 1),
            "ratio_to_floor": round(median(values) / floor_median, 1) if floor_median else None,
            "queries": queries,
            "status": status,
        }
        results.append(result)
        rows.append(
            (
                page.name,
                f"median {result['median_ms']} ms, p95 {result['p95_ms']} ms, "
                f"{result['ratio_to_floor']}× floor, {queries} queries",
            )
        )
    if args.only:
        for name, value in rows:
            print(f"{name}: {value}")
        return
    report(
        f"pages-{'postgresql' if is_postgres(database_url) else 'sqlite'}",
        f"Key pages, one client ({vendor})",
        rows,
        {
            "database": vendor,
            "requests_per_page": args.requests,
            "workers": args.workers,
            "floor_median_ms": round(runs[False][1], 1),
            "floor_p95_ms": round(percentile(runs[False][0][FLOOR], 0.95), 1),
            "pages": results,
        },
    )


if __name__ == "__main__":
    main()
