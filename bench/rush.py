"""Enrolment rush (issue #9): N people, already signed in, POST the real enrolment form of one
run with S seats, all released at once, against gunicorn on PostgreSQL; then pgbench runs the
same seat-claiming SQL from the same number of database clients as the database limit.

    .venv/bin/python bench/rush.py                       # 1,000 people, 300 seats, hyogo_rush
    .venv/bin/python bench/rush.py --people 200 --seats 50 --threads 8

Reports places given per minute (a seat or a waiting-list place: both are the same locked
write), p50/p95 latency, errors and 5xx, whether exactly S are enrolled and the rest waitlisted,
and whether the waiting list follows the order in which the server received the requests.

The clients are one asyncio process with httpx (one connection per person, released together
by one event): a thousand simultaneous requests cost one process, not a thousand threads or
locust's ramp-up, and "released at once" is exact.  Sign-in is kept out of the measurement:
sessions are created beforehand with Django's SessionStore and sent as cookies.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (  # noqa: E402
    ensure_postgres_database,
    is_postgres,
    median,
    migrate,
    percentile,
    report,
    setup_django,
)

DEFAULT_DATABASE_URL = "postgres://ci:ci@127.0.0.1:5432/hyogo_rush"
EMAIL = "rush-{:05d}@bench.example.jp"


@dataclass
class Rush:
    run_id: int
    course_url: str
    people: list[tuple[int, str]]  # (user id, session key), in person order
    seats: int


@dataclass
class Outcome:
    person: int
    status: int = 0
    error: str = ""
    sent: float = 0.0
    done: float = 0.0

    @property
    def latency(self) -> float:
        return self.done - self.sent


@dataclass
class Figures:
    outcomes: list[Outcome] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0


def _course_page():
    """An existing live course page, or a new one (with the site's home page if needed)."""
    from cms.models import HomePage
    from courses.models import CoursePage

    page = CoursePage.objects.live().first()
    if page is not None:
        return page
    if not HomePage.objects.exists():
        from django.core.management import call_command

        call_command("setup_site", verbosity=0)
    from tests.factories import CoursePageFactory

    return CoursePageFactory(
        title="ベンチマーク 多職種合同研修", slug=f"rush-{secrets.token_hex(3)}"
    )


def _users(count: int) -> list:
    """``count`` verified people (made once, reused by later runs)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password

    from lms.models import User

    emails = [EMAIL.format(n) for n in range(count)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    password = make_password(secrets.token_urlsafe(16))
    User.objects.bulk_create(
        [
            User(
                email=email,
                full_name=f"兵庫 太郎{n}",
                full_name_kana="ひょうご たろう",
                password=password,
            )
            for n, email in enumerate(emails)
            if email not in existing
        ]
    )
    users = {u.email: u for u in User.objects.filter(email__in=emails)}
    verified = set(EmailAddress.objects.filter(email__in=emails).values_list("email", flat=True))
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user=users[e], email=e, verified=True, primary=True)
            for e in emails
            if e not in verified
        ]
    )
    return [users[e] for e in emails]


def _session_key(user) -> str:
    """A signed-in session, as the login view would leave it."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "lms.backends.ModelBackendOneQuery"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def prepare(people: int, seats: int, sessions: int = 0) -> Rush:
    """A new open run with ``seats`` seats and ``sessions`` weekly sessions on a course page,
    and ``people`` signed-in people.  Each seat writes a confirmation and an invite email per
    session."""
    import datetime as dt

    from django.utils import timezone

    from courses.models import CourseRun, Session, Venue

    page = _course_page()
    today = timezone.localdate()
    run = CourseRun.objects.create(
        course=page,
        title=f"ラッシュ {timezone.now():%H%M%S}",
        starts_on=today + dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=31),
        capacity=seats,
        enrolment_opens_at=timezone.now() - dt.timedelta(hours=1),
        enrolment_closes_at=timezone.now() + dt.timedelta(days=7),
    )
    first = timezone.make_aware(dt.datetime.combine(run.starts_on, dt.time(10)))
    venue = Venue.objects.first()
    Session.objects.bulk_create(
        Session(
            run=run,
            title=f"第{n + 1}回 講義とグループワーク",
            starts_at=first + dt.timedelta(weeks=n),
            ends_at=first + dt.timedelta(weeks=n, hours=2),
            venue=venue,
        )
        for n in range(sessions)
    )
    users = _users(people)
    return Rush(
        run_id=run.pk,
        course_url=page.url or "/",
        people=[(u.pk, _session_key(u)) for u in users],
        seats=seats,
    )


def enrol_url(run_id: int) -> str:
    from django.urls import reverse

    return reverse("courses:enrol", args=[run_id])


def check_form(base_url: str, rush: Rush) -> bool:
    """The course page, as the first person sees it, carries the enrolment form we POST to."""
    import httpx

    user_id, session_key = rush.people[0]
    response = httpx.get(base_url + rush.course_url, cookies={"sessionid": session_key}, timeout=30)
    action = re.search(rf'action="{re.escape(enrol_url(rush.run_id))}"', response.text)
    return response.status_code == 200 and action is not None


async def _rush(base_url: str, rush: Rush, timeout: float, in_flight: int | None) -> Figures:
    import http.cookiejar

    import httpx

    url = base_url + enrol_url(rush.run_id)
    release = asyncio.Event()
    gate = asyncio.Semaphore(in_flight or len(rush.people))
    figures = Figures()
    limits = httpx.Limits(max_connections=len(rush.people), max_keepalive_connections=0)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        # Each person sends only their own cookies: keep none from responses.
        client.cookies.jar.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))

        async def person(number: int, session_key: str) -> Outcome:
            token = secrets.token_hex(16)  # a CSRF secret (32 characters), cookie and form field
            outcome = Outcome(person=number)
            await release.wait()
            await gate.acquire()
            outcome.sent = time.perf_counter()
            try:
                response = await client.post(
                    url,
                    data={"csrfmiddlewaretoken": token},
                    headers={
                        "Cookie": f"sessionid={session_key}; csrftoken={token}",
                        "X-Bench-Person": str(number),
                        "Referer": base_url + rush.course_url,
                    },
                )
                outcome.status = response.status_code
            except httpx.HTTPError as exc:
                outcome.error = type(exc).__name__
            outcome.done = time.perf_counter()
            gate.release()
            return outcome

        tasks = [asyncio.create_task(person(n, key)) for n, (_user, key) in enumerate(rush.people)]
        await asyncio.sleep(0.2)  # every task is waiting on the event
        figures.started = time.perf_counter()
        release.set()
        figures.outcomes = await asyncio.gather(*tasks)
        figures.finished = max(o.done for o in figures.outcomes)
    return figures


def run_rush(
    base_url: str, rush: Rush, timeout: float = 120, in_flight: int | None = None
) -> Figures:
    """Release everyone at once (``in_flight`` caps requests in flight: only for the smoke
    test, whose in-memory SQLite database cannot take concurrent writers)."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return asyncio.run(_rush(base_url, rush, timeout, in_flight))


def read_arrivals(directory: Path) -> dict[int, int]:
    """person -> the time (ns) a server thread received the request."""
    arrivals: dict[int, int] = {}
    for path in directory.glob("*.log"):
        for line in path.read_text().splitlines():
            stamp, person = line.split()
            arrivals.setdefault(int(person), int(stamp))
    return arrivals


def check_places(rush: Rush, arrivals: dict[int, int] | None) -> dict:
    """Seats and waiting list after the rush, and their order against server arrival.

    The place order is the order in which requests took the run lock: seats by insertion (pk),
    then the waiting list by ``waitlisted_at`` (read under the lock).  Two requests that reach
    two server threads at nearly the same moment race for the lock, so an inversion is only a
    fault when the arrival times are further apart than requests stay in flight; the largest
    arrival gap of an inverted pair is reported for that reason."""
    from courses.models import Enrolment, EnrolmentStatus

    enrolments = list(
        Enrolment.objects.filter(run_id=rush.run_id).values(
            "pk", "user_id", "status", "waitlisted_at"
        )
    )
    by_status: dict[str, int] = {}
    for e in enrolments:
        by_status[e["status"]] = by_status.get(e["status"], 0) + 1
    enrolled = sorted(
        (e for e in enrolments if e["status"] == EnrolmentStatus.ENROLLED), key=lambda e: e["pk"]
    )
    waitlisted = sorted(
        (e for e in enrolments if e["status"] == EnrolmentStatus.WAITLISTED),
        key=lambda e: (e["waitlisted_at"], e["pk"]),
    )
    waitlist_follows_inserts = [e["pk"] for e in waitlisted] == sorted(e["pk"] for e in waitlisted)
    result = {
        "enrolled": len(enrolled),
        "waitlisted": len(waitlisted),
        "other_statuses": {
            k: v for k, v in by_status.items() if k not in ("enrolled", "waitlisted")
        },
        "distinct_people": len({e["user_id"] for e in enrolments}),
        "exact": len(enrolled) == rush.seats
        and len(waitlisted) == len(rush.people) - rush.seats
        and len(enrolments) == len(rush.people),
        "waitlist_order_is_lock_order": waitlist_follows_inserts,
    }
    if arrivals:
        person_of = {user_id: n for n, (user_id, _key) in enumerate(rush.people)}
        placed = [
            arrivals[person_of[e["user_id"]]]
            for e in enrolled + waitlisted
            if person_of[e["user_id"]] in arrivals
        ]
        inversions, max_gap = _inversions(placed)
        last_seat = max((arrivals.get(person_of[e["user_id"]], 0) for e in enrolled), default=0)
        first_wait = min((arrivals.get(person_of[e["user_id"]], 0) for e in waitlisted), default=0)
        result.update(
            {
                "arrivals_recorded": len(arrivals),
                "inverted_pairs": inversions,
                "pairs": len(placed) * (len(placed) - 1) // 2,
                "max_inverted_arrival_gap_ms": round(max_gap / 1e6, 2),
                "seat_after_first_waitlisted_arrival_ms": round(
                    max(0, last_seat - first_wait) / 1e6, 2
                ),
            }
        )
    return result


def _inversions(stamps: list[int]) -> tuple[int, int]:
    """Pairs placed in the opposite order to their arrival, and the largest such arrival gap."""
    inversions, max_gap = 0, 0
    latest = -1
    for index, stamp in enumerate(stamps):
        if stamp < latest:
            later = [s for s in stamps[:index] if s > stamp]
            inversions += len(later)
            max_gap = max(max_gap, max(later) - stamp)
        latest = max(latest, stamp)
    return inversions, max_gap


def capture_enrolment_sql() -> list[str]:
    """The SQL of one successful enrolment through the service, captured on a scratch run."""
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from courses.models import CourseRun
    from courses.services import enrolment_create

    page = _course_page()
    run = CourseRun.objects.create(
        course=page,
        title="pgbench probe",
        starts_on=timezone.localdate() + dt.timedelta(days=30),
        ends_on=timezone.localdate() + dt.timedelta(days=31),
        capacity=10,
        enrolment_opens_at=timezone.now() - dt.timedelta(hours=1),
        enrolment_closes_at=timezone.now() + dt.timedelta(days=7),
    )
    user = _users(1)[0]
    with CaptureQueriesContext(connection) as captured:
        enrolment_create(run=run, user=user)
    return [q["sql"] for q in captured.captured_queries]


def pgbench_script(
    statements: list[str], run_id: int, probe_run_id: int, probe_user_id: int, seats: int
) -> str:
    """The statements of the enrolment transaction that claim a place (lock the run, check the
    person has no place, read the seat pools, count the taken seats, insert), rewritten for
    ``run_id``.  The person comes from a sequence over the rush's user ids; the seat or
    waiting-list choice from the seat count, as the service makes it: the seat-claiming
    statements and the insert, as issue #9 defines the limit.  Left out, though our requests
    pay them: in the same transaction, the check that the run's sessions are unchanged and the
    insert of the place's emails (the confirmation and an invite per session); after commit,
    the delivery task's row.  So the limit is an upper bound."""

    def for_run(sql: str) -> str:
        # Anchored on the column names, so equal run and user ids cannot be confused.
        sql = re.sub(rf'("user_id" = ){probe_user_id}\b', r"\1:uid", sql)
        return re.sub(
            rf'("run_id" = |"run_id" IN \(|"courses_courserun"\."id" = ){probe_run_id}\b',
            rf"\g<1>{run_id}",
            sql,
        )

    def first(predicate) -> str:
        return next(for_run(sql) for sql in statements if predicate(sql))

    lock = first(lambda q: q.startswith("SELECT") and "FOR UPDATE" in q)
    exists = first(lambda q: q.startswith("SELECT 1 AS") and "courses_enrolment" in q)
    pools = first(lambda q: "courses_runseatpool" in q and q.startswith("SELECT"))
    count = first(lambda q: "COUNT(" in q and "courses_enrolment" in q)
    insert = first(lambda q: q.startswith('INSERT INTO "courses_enrolment"'))
    insert = re.sub(r"'[0-9: .+-]+'::timestamptz", "now()", insert)
    insert = re.sub(
        rf"now\(\), {probe_run_id}, {probe_user_id}, ", f"now(), {run_id}, :uid, ", insert
    )
    if ":uid" not in insert or ":uid" not in exists:
        raise RuntimeError("could not place the person in the captured statements")
    waitlisted = insert.replace("'enrolled', NULL", "'waitlisted', now()")
    return (
        "\n".join(
            [
                "SELECT user_id AS uid FROM rush_pgbench_people"
                " WHERE n = (SELECT nextval('rush_pgbench_person')) \\gset",
                "BEGIN;",
                lock + ";",
                exists + ";",
                pools + ";",
                f"SELECT coalesce(sum(n), 0) AS taken FROM ({count}) AS seats \\gset",
                f"\\if :taken < {seats}",
                insert + ";",
                "\\else",
                waitlisted + ";",
                "\\endif",
                "COMMIT;",
            ]
        )
        + "\n"
    )


def run_pgbench(
    database_url: str, script: str, clients: int, transactions: int, people: list[int]
) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS rush_pgbench_people")
        cursor.execute("DROP SEQUENCE IF EXISTS rush_pgbench_person")
        cursor.execute("CREATE SEQUENCE rush_pgbench_person")
        cursor.execute("CREATE TABLE rush_pgbench_people (n bigint PRIMARY KEY, user_id bigint)")
        cursor.executemany(
            "INSERT INTO rush_pgbench_people VALUES (%s, %s)",
            [(n, user_id) for n, user_id in enumerate(people, start=1)],
        )
    url = urlparse(database_url)
    per_client = max(1, transactions // clients)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write(script)
    command = [
        "pgbench", "-n", "-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432),
        "-U", url.username, "-c", str(clients), "-j", "2", "-t", str(per_client),
        "-f", handle.name, url.path.lstrip("/"),
    ]  # fmt: skip
    done = subprocess.run(  # noqa: S603
        command,
        capture_output=True,
        text=True,
        env={**os.environ, "PGPASSWORD": url.password or ""},
        check=False,
    )
    os.unlink(handle.name)
    tps = re.search(r"tps = ([\d.]+) \(without initial", done.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", done.stdout)
    if tps is None:
        raise RuntimeError(f"pgbench failed:\n{done.stdout}\n{done.stderr}")
    return {
        "clients": clients,
        "transactions": per_client * clients,
        "tps": float(tps.group(1)),
        "per_minute": round(float(tps.group(1)) * 60),
        "failed": int(failed.group(1)) if failed else 0,
        "latency_ms": float(latency.group(1)) if latency else None,
    }


def summarise(figures: Figures) -> dict:
    outcomes = figures.outcomes
    latencies = [o.latency * 1000 for o in outcomes if not o.error]
    seconds = figures.finished - figures.started
    placed = sum(1 for o in outcomes if o.status == 302)
    return {
        "people": len(outcomes),
        "seconds": round(seconds, 3),
        "places_per_minute": round(placed / seconds * 60) if seconds else 0,
        "p50_ms": round(median(latencies), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "max_ms": round(max(latencies, default=0), 1),
        "redirects_302": placed,
        "errors": sum(1 for o in outcomes if o.error)
        + sum(1 for o in outcomes if o.status and o.status != 302),
        "status_5xx": sum(1 for o in outcomes if o.status >= 500),
        "client_errors": sorted({o.error for o in outcomes if o.error}),
        "statuses": sorted({o.status for o in outcomes}),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--seats", type=int, default=300)
    # Six, the generated data's average (15,000 sessions for 2,500 runs): each seat then writes
    # seven emails with its place, the confirmation and an invite per session.
    parser.add_argument("--sessions", type=int, default=6, help="sessions of the run")
    # As deployed (README, "Deployment": 4 workers × 2 threads) and as the mixed load runs.
    # More threads per process starve the one holding the run's lock of the GIL: on this
    # two-core machine 2 × 4 gave 2,850 places a minute, 2 × 2 3,370, 3 × 1 3,840.
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (gthread)")
    parser.add_argument(
        "--database-url", default=os.environ.get("RUSH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--no-pgbench", action="store_true", help="skip the database limit")
    parser.add_argument("--name", default="rush", help="results file var/bench/<name>.json")
    args = parser.parse_args(argv)

    if is_postgres(args.database_url):
        ensure_postgres_database(args.database_url)
    setup_django(args.database_url)
    migrate()
    from bench.server import GunicornServer

    rush = prepare(args.people, args.seats, args.sessions)
    arrivals_dir = Path(tempfile.mkdtemp(prefix="rush-arrivals-"))
    config = Path(__file__).with_name("gunicorn_arrivals.py")
    server = GunicornServer(
        args.database_url,
        workers=args.workers,
        threads=args.threads,
        config=config,
        env={"BENCH_ARRIVALS_DIR": str(arrivals_dir)},
    )
    with server:
        form_ok = check_form(server.url, rush)
        figures = run_rush(server.url, rush)
    arrivals = read_arrivals(arrivals_dir)
    shutil.rmtree(arrivals_dir, ignore_errors=True)
    ours = summarise(figures)
    places = check_places(rush, arrivals)

    limit = None
    if is_postgres(args.database_url) and not args.no_pgbench:
        probe_sql = capture_enrolment_sql()
        from courses.models import Enrolment

        probe = Enrolment.objects.order_by("-pk").first()
        limit_rush = prepare(args.people, args.seats)
        script = pgbench_script(
            probe_sql, limit_rush.run_id, probe.run_id, probe.user_id, args.seats
        )
        limit = run_pgbench(
            args.database_url,
            script,
            clients=args.workers * args.threads,
            transactions=args.people,
            people=[u for u, _k in limit_rush.people],
        )
        limit["script"] = script
        limit["exact"] = check_places(limit_rush, None)

    rows = [
        ("people / seats / sessions", f"{args.people} / {args.seats} / {args.sessions}"),
        ("gunicorn", f"{args.workers} workers × {args.threads} threads (gthread), loopback"),
        ("database", urlparse(args.database_url).scheme),
        ("enrolment form found on the course page", "yes" if form_ok else "**no**"),
        ("rush duration", f"{ours['seconds']} s"),
        ("places given per minute (seat or waiting list)", ours["places_per_minute"]),
        ("latency p50 / p95 / max", f"{ours['p50_ms']} / {ours['p95_ms']} / {ours['max_ms']} ms"),
        ("errors / 5xx", f"{ours['errors']} / {ours['status_5xx']}"),
        ("enrolled / waitlisted", f"{places['enrolled']} / {places['waitlisted']}"),
        ("exactly the seats enrolled, the rest waitlisted", "yes" if places["exact"] else "**no**"),
    ]
    if "inverted_pairs" in places:
        rows.append(
            (
                "waiting list vs server arrival order",
                f"{places['inverted_pairs']} of {places['pairs']} pairs inverted, "
                f"largest arrival gap of an inverted pair {places['max_inverted_arrival_gap_ms']} ms",
            )
        )
    if limit:
        share = ours["places_per_minute"] / limit["per_minute"] if limit["per_minute"] else 0
        limit["share"] = round(share, 3)
        rows += [
            (
                f"database limit: pgbench, the same seat-claiming SQL, {limit['clients']} clients",
                f"{limit['per_minute']} per minute ({limit['tps']:.0f} tps, {limit['failed']} failed)",
            ),
            ("ours as a share of the database limit", f"{share:.0%}"),
        ]
    report(
        args.name,
        "Enrolment rush",
        rows,
        {
            "settings": vars(args),
            "ours": ours,
            "places": places,
            "form_found": form_ok,
            "database_limit": limit,
        },
    )
    ok = places["exact"] and ours["errors"] == 0 and ours["status_5xx"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
