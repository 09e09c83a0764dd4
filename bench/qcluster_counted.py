"""``manage.py qcluster`` with a query counter around each task, for the bulk-certificate bench.

django-q2 forks its workers from this process, so the receivers below run in every worker:
``pre_execute`` (sent just before the task function is called) resets a per-process counter, an
execute wrapper on every database connection counts statements, and ``post_execute_in_worker``
(sent right after the function returns) appends ``<pid> <queries> <ok> <certificates>`` to ``$BENCH_COUNTS_FILE``.
The broker's own statements (fetching the task, saving its result) run outside that window.

    DATABASE_URL=... BENCH_COUNTS_FILE=/tmp/counts .venv/bin/python bench/qcluster_counted.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

_count = [0]


def _counter(execute, sql, params, many, context):
    _count[0] += 1
    return execute(sql, params, many, context)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.backends.signals import connection_created
    from django_q.signals import post_execute_in_worker, pre_execute

    path = os.environ["BENCH_COUNTS_FILE"]

    def add_counter(sender, connection, **kwargs):
        if _counter not in connection.execute_wrappers:
            connection.execute_wrappers.append(_counter)

    def reset(sender, **kwargs):
        from django.db import connection

        add_counter(None, connection)  # a connection kept open from the previous task
        _count[0] = 0

    def record(sender, task, **kwargs):
        # A batch task returns its serials: the statements are shared among its certificates.
        result = task.get("result")
        certificates = len(result) if isinstance(result, list) else 1
        with open(path, "a") as handle:
            handle.write(
                f"{os.getpid()} {_count[0]} {int(bool(task.get('success')))} {certificates}\n"
            )

    connection_created.connect(add_counter, weak=False)
    pre_execute.connect(reset, weak=False)
    post_execute_in_worker.connect(record, weak=False)
    call_command("qcluster")


if __name__ == "__main__":
    main()
