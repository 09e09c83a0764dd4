"""Certificates in bulk (issue #9): issue N certificates through the django-q2 cluster with 2
workers, and beside it the rendering limit: WeasyPrint alone rendering a minimal one-page
Japanese document with the same font, in 2 processes.

    .venv/bin/python bench/bulk_certificates.py                 # 1,000 on hyogo_rush (PostgreSQL)
    .venv/bin/python bench/bulk_certificates.py --count 100 --limit-count 100

One run gets N completed enrolments; staff's "issue for the whole run"
(``certificates_issue_for_run``) queues one task per batch of enrolments
(``ISSUE_BATCH_SIZE``); then ``qcluster`` starts with
``Q_WORKERS=2`` (``bench/qcluster_counted.py``, which counts each task's SQL statements).

Figures: certificates per second from the first to the last ``issued_at``; SQL statements per
certificate as counted around the task function, divided among the certificates the task
issued (the broker's own fetch and result rows are
outside it; the PostgreSQL transaction count per certificate, broker included, is given too);
the workers' peak memory (``VmHWM`` of each worker process, read before the cluster stops).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (  # noqa: E402
    ROOT,
    ensure_postgres_database,
    is_postgres,
    median,
    migrate,
    report,
    setup_django,
)

DEFAULT_DATABASE_URL = "postgres://ci:ci@127.0.0.1:5432/hyogo_rush"
MINIMAL = """<!doctype html><html lang="ja"><head><meta charset="utf-8"><style>
@font-face {{ font-family: Mincho; src: url("{mincho}"); }}
@page {{ size: A4 landscape; margin: 20mm; }}
body {{ font-family: Mincho; font-size: 18pt; }}
</style></head><body><h1>修了証</h1><p>{name} 様</p>
<p>支援者向け多職種合同研修（基礎編）の全課程を修了したことを証します。</p></body></html>"""


# --- the rendering limit -------------------------------------------------------------------


def _limit_render(number: int) -> int:
    from django.conf import settings

    mincho = Path(settings.CERTIFICATE_FONTS["mincho"]).resolve().as_uri()
    html = MINIMAL.format(mincho=mincho, name=f"兵庫 太郎{number}")
    return len(_html(string=html).write_pdf(font_config=_fonts))


def _own_render(number: int) -> int:
    from bench.certificates import sample_certificate
    from certificates.rendering import render_certificate_pdf

    return len(render_certificate_pdf(sample_certificate(number)))


def _worker_init(ours: bool) -> None:
    """Each process of the pool: Django set up, WeasyPrint loaded, one document rendered (the
    cluster's workers are warm after their first certificate)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
    import django
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    django.setup()
    global _fonts, _html
    _fonts, _html = FontConfiguration(), HTML
    (_own_render if ours else _limit_render)(0)


def rendering_limit(count: int, processes: int = 2, *, ours: bool = False) -> dict:
    """Documents per second from ``processes`` warm processes rendering ``count`` documents:
    the minimal page, or with ``ours`` our own certificate (no database, no queue), which
    splits our share of the limit into what the certificate costs and what issuing adds."""
    render = _own_render if ours else _limit_render
    with get_context("spawn").Pool(processes, initializer=_worker_init, initargs=(ours,)) as pool:
        pool.map(render, range(processes))  # every process is up and warm
        started = time.perf_counter()
        sizes = pool.map(render, range(count), chunksize=1)
        seconds = time.perf_counter() - started
    return {
        "documents": count,
        "processes": processes,
        "seconds": round(seconds, 3),
        "per_second": round(count / seconds, 2),
        "pdf_bytes_median": int(median(sizes)),
    }


# --- issuing through the cluster ----------------------------------------------------------


def prepare(count: int) -> int:
    """A run with ``count`` completed enrolments and no certificates; returns the run's id."""
    import datetime as dt

    from django.utils import timezone
    from django_q.models import OrmQ

    from bench.rush import _course_page, _users
    from courses.models import CourseRun, Enrolment, EnrolmentStatus

    OrmQ.objects.all().delete()  # only this bench's tasks in the queue (a private database)
    today = timezone.localdate()
    run = CourseRun.objects.create(
        course=_course_page(),
        title=f"証明書一括 {timezone.now():%H%M%S}",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today - dt.timedelta(days=1),
        capacity=count,
        enrolment_opens_at=timezone.now() - dt.timedelta(days=60),
        enrolment_closes_at=timezone.now() - dt.timedelta(days=31),
    )
    now = timezone.now()
    Enrolment.objects.bulk_create(
        [
            Enrolment(run=run, user=user, status=EnrolmentStatus.COMPLETED, completed_at=now)
            for user in _users(count)
        ]
    )
    return run.pk


def _transactions() -> int:
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
        )
        return cursor.fetchone()[0]


def _peak_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def issue_through_cluster(
    run_id: int,
    count: int,
    database_url: str | None,
    workers: int = 2,
    timeout: float = 900,
    batch_size: int | None = None,
) -> dict:
    import psutil
    from django.db import connection

    from certificates import services
    from certificates.models import Certificate
    from courses.models import CourseRun

    if batch_size:
        services.ISSUE_BATCH_SIZE = batch_size  # the tasks are queued from this process
    run = CourseRun.objects.get(pk=run_id)
    queued = services.certificates_issue_for_run(run=run)
    counts = Path(tempfile.mkstemp(prefix="qcounts-")[1])
    private = tempfile.mkdtemp(prefix="bench-certificates-")  # the PDFs, deleted afterwards
    env = {
        **os.environ,
        "Q_WORKERS": str(workers),
        "BENCH_COUNTS_FILE": str(counts),
        "DJANGO_PRIVATE_ROOT": private,
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    connection.close()
    time.sleep(1)  # let PostgreSQL's statistics catch up before the baseline
    xacts_before = _transactions()
    cluster = subprocess.Popen(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "qcluster_counted.py")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    peaks: dict[int, int] = {}
    cpu: dict[int, float] = {}  # CPU seconds of each cluster process, less sensitive to load

    def sample() -> None:
        processes = psutil.Process(cluster.pid)
        for process in [processes, *processes.children(recursive=True)]:
            peaks[process.pid] = max(peaks.get(process.pid, 0), _peak_kib(process.pid))
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            cpu[process.pid] = max(cpu.get(process.pid, 0), times.user + times.system)

    issued = 0
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            sample()
            issued = Certificate.objects.filter(enrolment__run_id=run_id).count()
            if issued >= count:
                break
            time.sleep(0.5)
        sample()
    finally:
        os.killpg(cluster.pid, signal.SIGTERM)
        try:
            cluster.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(cluster.pid, signal.SIGKILL)
            cluster.wait()
    shutil.rmtree(private, ignore_errors=True)
    time.sleep(1)
    xacts = _transactions() - xacts_before
    stamps = sorted(
        Certificate.objects.filter(enrolment__run_id=run_id).values_list("issued_at", flat=True)
    )
    lines = [line.split() for line in counts.read_text().splitlines()]
    counts.unlink()
    queries = [int(q) / int(n) for _pid, q, ok, n in lines if ok == "1" and int(n)]
    seconds = (stamps[-1] - stamps[0]).total_seconds() if len(stamps) > 1 else 0
    # The largest processes are the workers that render; the others are the cluster's
    # sentinel, pusher and monitor.
    top = sorted(peaks.values(), reverse=True)[:workers]
    worker_pids = sorted(peaks, key=peaks.get, reverse=True)[:workers]
    return {
        "queued": queued,
        "batch_size": services.ISSUE_BATCH_SIZE,
        "issued": len(stamps),
        "seconds_first_to_last": round(seconds, 3),
        "per_second": round((len(stamps) - 1) / seconds, 2) if seconds else 0,
        "queries_per_certificate_median": round(median(queries), 2),
        "queries_per_certificate_max": round(max(queries, default=0), 2),
        "tasks_counted": len(queries),
        "tasks_failed": sum(1 for _p, _q, ok, _n in lines if ok != "1"),
        "postgres_transactions_per_certificate": round(xacts / len(stamps), 1)
        if stamps and xacts
        else None,
        "worker_peak_rss_mib": [round(k / 1024, 1) for k in top],
        # Includes each process's start-up (Django, WeasyPrint: about 1 s per worker).
        "cluster_cpu_ms_per_certificate": round(sum(cpu.values()) * 1000 / len(stamps), 1)
        if stamps
        else None,
        "workers_cpu_ms_per_certificate": round(
            sum(cpu.get(pid, 0) for pid in worker_pids) * 1000 / len(stamps), 1
        )
        if stamps
        else None,
        "cluster_processes": len(peaks),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="certificates to issue")
    parser.add_argument("--limit-count", type=int, default=1000, help="documents for the limit")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="enrolments per task (default: certificates.services.ISSUE_BATCH_SIZE; 1 = a task each)",
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--name", default="certificates-bulk")
    args = parser.parse_args(argv)

    if is_postgres(args.database_url):
        ensure_postgres_database(args.database_url)
    setup_django(args.database_url)
    migrate()
    run_id = prepare(args.count)
    ours = issue_through_cluster(
        run_id, args.count, args.database_url, workers=args.workers, batch_size=args.batch_size
    )
    limit = rendering_limit(args.limit_count, processes=args.workers)
    alone = rendering_limit(args.limit_count, processes=args.workers, ours=True)
    share = ours["per_second"] / limit["per_second"] if limit["per_second"] else 0
    # share = (our certificate alone / the minimal page) × (issued / our certificate alone)
    design_share = alone["per_second"] / limit["per_second"] if limit["per_second"] else 0
    issuing_share = ours["per_second"] / alone["per_second"] if alone["per_second"] else 0
    rows = [
        ("certificates issued / queued", f"{ours['issued']} / {ours['queued']}"),
        (
            "cluster",
            f"django-q2, {args.workers} workers, ORM broker, {ours['batch_size']} enrolments a task",
        ),
        ("first to last issued", f"{ours['seconds_first_to_last']} s"),
        ("certificates per second", ours["per_second"]),
        (
            "SQL statements per certificate (in the task), median / max",
            f"{ours['queries_per_certificate_median']} / {ours['queries_per_certificate_max']}",
        ),
        (
            "PostgreSQL transactions per certificate (broker included)",
            ours["postgres_transactions_per_certificate"],
        ),
        (
            "CPU per certificate: cluster processes / of which workers",
            f"{ours['cluster_cpu_ms_per_certificate']} ms / {ours['workers_cpu_ms_per_certificate']} ms",
        ),
        ("worker peak memory (VmHWM)", " / ".join(f"{m} MiB" for m in ours["worker_peak_rss_mib"])),
        (
            f"rendering limit: WeasyPrint, minimal page, same font, {args.workers} processes",
            f"{limit['per_second']} per second",
        ),
        ("ours as a share of the rendering limit", f"{share:.0%}"),
        (
            f"our certificate rendered alone (no database, no queue), {args.workers} processes",
            f"{alone['per_second']} per second: {design_share:.0%} of the rendering limit",
        ),
        ("issued through the cluster, as a share of rendering ours alone", f"{issuing_share:.0%}"),
    ]
    report(
        args.name,
        "Certificates in bulk",
        rows,
        {
            "settings": vars(args),
            "ours": ours,
            "rendering_limit": limit,
            "share": round(share, 3),
            "ours_alone": alone,
            "alone_share_of_limit": round(design_share, 3),
            "issued_share_of_alone": round(issuing_share, 3),
        },
    )
    return 0 if ours["issued"] == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
