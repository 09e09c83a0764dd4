"""What Wagtail's admin frame alone costs (issue #9): an empty page inside it (header, sidebar,
search and account menus, nothing else) against the floor endpoint, in this process with
Django's test client, signed in as the generated coordinator.

    DATABASE_URL=postgres://ci:ci@127.0.0.1:5432/hyogo_bench .venv/bin/python bench/admin_frame.py

Staff pages (rosters, the attendance matrix, the volunteer list, mentoring alerts) live in the
admin frame, so this is the least any of them can cost.  The empty page is a view this script
adds to the URL configuration of its own process; the site has no such page.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import median, percentile, setup_django  # noqa: E402

EMPTY = "/admin/bench-empty-frame/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    setup_django(os.environ.get("DATABASE_URL"))

    from django.db import connection
    from django.http import HttpResponse
    from django.template import engines
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import clear_url_caches, path
    from wagtail.admin.auth import require_admin_access

    import lms.urls
    from bench.pages import targets

    frame = engines["django"].from_string(
        '{% extends "wagtailadmin/base.html" %}{% block titletag %}-{% endblock %}'
        "{% block content %}<p>-</p>{% endblock %}"
    )

    @require_admin_access
    def empty_admin_page(request):
        return HttpResponse(frame.render({}, request))

    lms.urls.urlpatterns.insert(0, path(EMPTY.strip("/") + "/", empty_admin_page))
    clear_url_caches()
    _pages, people = targets()
    client = Client()
    client.force_login(people["coordinator"])
    measured = {"floor (/health/)": "/health/", "empty page in the admin frame": EMPTY}
    measured["Wagtail's dashboard (/admin/)"] = "/admin/"
    with override_settings(ALLOWED_HOSTS=["*"]):
        counts = {}
        for name, url in measured.items():
            status = client.get(url).status_code
            if status != 200:
                raise SystemExit(f"{url} answered {status}: is the generated data loaded?")
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            counts[name] = len(queries.captured_queries)
        gc.collect()
        gc.freeze()  # as gunicorn.conf.py does for each worker
        gc.set_threshold(50_000, 20, 20)
        timings: dict[str, list[float]] = {name: [] for name in measured}
        for number in range(args.requests):  # alternating, so all see the same conditions
            for name, url in measured.items():
                started = time.perf_counter()
                client.get(f"{url}?n={number}")
                timings[name].append((time.perf_counter() - started) * 1000)
    floor = median(timings["floor (/health/)"])
    print(f"database: {connection.vendor}, {args.requests} requests each, in process\n")
    print("| page | median | p95 | ratio to floor | queries |")
    print("|---|---|---|---|---|")
    for name, values in timings.items():
        print(
            f"| {name} | {median(values):.1f} ms | {percentile(values, 0.95):.1f} ms "
            f"| {median(values) / floor:.1f}× | {counts[name]} |"
        )


if __name__ == "__main__":
    main()
