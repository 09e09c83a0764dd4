"""gunicorn settings read automatically when gunicorn starts in the project folder.

Garbage collection: a page with a few hundred rows (a roster of 300, My learning with 30
courses, a calendar of 240 events) makes tens of thousands of short-lived objects, and the
default thresholds then run full collections over everything the worker has loaded (Django,
Wagtail, the templates) in the middle of requests: with one client, p95 was about three times
the median.  Freezing what was loaded before the fork and collecting the youngest generation
less often brought p95 within about 1.3× the median (docs/performance.md).
"""

import gc

GC_THRESHOLDS = (50_000, 20, 20)


def post_fork(server, worker):
    gc.freeze()  # the imported code and settings: never garbage, never scanned again
    gc.set_threshold(*GC_THRESHOLDS)
