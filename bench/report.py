"""Write the measured figures into docs/performance.md (issue #9, item 5).

    .venv/bin/python bench/report.py

Reads ``var/bench/<name>.json`` (written by bench/pages.py, load.py, rush.py and
bulk_certificates.py) and replaces the part of docs/performance.md between the
``<!-- bench:begin -->`` and ``<!-- bench:end -->`` markers, so the prose around it stays as
written.  Benchmarks not run yet are listed as such; targets are shown beside each figure with
whether they were met, never adjusted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "var" / "bench"
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"

PAGE_P95_TARGET_MS = 150
PAGE_FLOOR_RATIO_TARGET = 4
LOAD_RPS_TARGET = 150
RUSH_PER_MINUTE_TARGET = 3000
RUSH_SHARE_TARGET = 0.5
CERTS_PER_SECOND_TARGET = 10
CERTS_SHARE_TARGET = 0.7
CERTS_QUERIES_TARGET = 10


def load(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def mark(ok: bool) -> str:
    return "met" if ok else "**missed**"


def when(data: dict) -> str:
    machine = data.get("machine", {})
    return (
        f"measured {data.get('measured_at', '?')} on {machine.get('cores', '?')} cores, "
        f"Python {machine.get('python', '?')}"
    )


def pages_section(data: dict | None, title: str) -> list[str]:
    lines = [f"### Key pages, one client: {title}", ""]
    if data is None:
        return lines + ["Not measured yet: `bench/pages.py` (see the commands above).", ""]
    floor = data["floor_median_ms"]
    lines += [
        f"{when(data)}; {data['requests_per_page']} requests per page after a warm-up, "
        f"gunicorn with {data['workers']} workers; floor (`/health/`) median {floor} ms, "
        f"p95 {data['floor_p95_ms']} ms.",
        "",
        "| page | median | p95 | × floor | queries | p95 < 150 ms | ≤ 4× floor |",
        "|---|---|---|---|---|---|---|",
    ]
    for page in data["pages"]:
        lines.append(
            f"| {page['page']} | {page['median_ms']} ms | {page['p95_ms']} ms | "
            f"{page['ratio_to_floor']} | {page['queries']} | "
            f"{mark(page['p95_ms'] < PAGE_P95_TARGET_MS)} | "
            f"{mark((page['ratio_to_floor'] or 0) <= PAGE_FLOOR_RATIO_TARGET)} |"
        )
    return lines + [""]


def load_section(data: dict | None) -> list[str]:
    lines = ["### Mixed read load", ""]
    if data is None:
        return lines + ["Not measured yet: `bench/load.py`.", ""]
    lines += [
        f"{when(data)}; steps of {data['settings']['step_seconds']} s, gunicorn "
        f"{data['settings'].get('workers', 2)} workers × {data['settings'].get('threads', 4)} "
        "threads; locust runs on the same two cores.",
        "",
        "| simulated people | requests/s | p50 | p95 | failures |",
        "|---|---|---|---|---|",
    ]
    for step in data.get("steps", []):
        lines.append(
            f"| {step['users']} | {step['rps']} | {step['p50_ms']} ms | {step['p95_ms']} ms | "
            f"{step['failures']} |"
        )
    held = data.get("held")
    held_rps = held.get("rps") if isinstance(held, dict) else held
    lines += [
        "",
        f"Held with p95 under 200 ms: {held_rps if held_rps is not None else 'none'} requests/s "
        f"(target {LOAD_RPS_TARGET}: {mark(bool(held_rps) and held_rps >= LOAD_RPS_TARGET)}).",
        "",
    ]
    return lines


def _run_with_sessions(count: int) -> str:
    if count == 0:
        return "a run without sessions"
    return f"a run with {count} session{'s' if count > 1 else ''}"


def rush_section(data: dict | None) -> list[str]:
    lines = ["### Enrolment rush (PostgreSQL)", ""]
    if data is None:
        return lines + ["Not measured yet: `bench/rush.py`.", ""]
    ours, places = data["ours"], data["places"]
    limit = data.get("database_limit") or {}
    share = limit.get("share")
    lines += [
        f"{when(data)}; {ours['people']} people for {data['settings']['seats']} seats of "
        f"{_run_with_sessions(data['settings'].get('sessions', 0))}, gunicorn "
        f"{data['settings']['workers']} workers × {data['settings']['threads']} threads.",
        "",
        "| figure | value | target |",
        "|---|---|---|",
        f"| places per minute | {ours['places_per_minute']} | ≥ {RUSH_PER_MINUTE_TARGET}: "
        f"{mark(ours['places_per_minute'] >= RUSH_PER_MINUTE_TARGET)} |",
        f"| p50 / p95 | {ours['p50_ms']} ms / {ours['p95_ms']} ms | |",
        f"| errors / 5xx | {ours['errors']} / {ours['status_5xx']} | 0: "
        f"{mark(ours['errors'] == 0 and ours['status_5xx'] == 0)} |",
        f"| enrolled / waitlisted | {places['enrolled']} / {places['waitlisted']} | exact: "
        f"{mark(places['exact'])} |",
        f"| database limit (pgbench, the same seat-claiming SQL, {limit.get('clients', '?')} clients) | "
        f"{limit.get('per_minute', 'not run')} per minute | |",
        f"| share of the database limit | {share if share is not None else '?'} | ≥ "
        f"{RUSH_SHARE_TARGET}: {mark(share is not None and share >= RUSH_SHARE_TARGET)} |",
        "",
    ]
    return lines


def certificates_section(data: dict | None) -> list[str]:
    lines = ["### Certificates in bulk (django-q2, 2 workers)", ""]
    if data is None:
        return lines + ["Not measured yet: `bench/bulk_certificates.py`.", ""]
    ours, limit = data["ours"], data["rendering_limit"]
    share = data.get("share")
    queries = ours["queries_per_certificate_median"]
    lines += [
        f"{when(data)}; {ours['issued']} certificates.",
        "",
        "| figure | value | target |",
        "|---|---|---|",
        f"| certificates per second | {ours['per_second']} | ≥ {CERTS_PER_SECOND_TARGET}: "
        f"{mark(ours['per_second'] >= CERTS_PER_SECOND_TARGET)} |",
        f"| rendering limit (WeasyPrint, same font, {limit['processes']} processes) | "
        f"{limit['per_second']} per second | |",
        f"| share of the rendering limit | {share} | ≥ {CERTS_SHARE_TARGET}: "
        f"{mark(share is not None and share >= CERTS_SHARE_TARGET)} |",
    ]
    alone = data.get("ours_alone")
    if alone:  # measured from the twentieth session on
        lines += [
            f"| our certificate rendered alone (no database, no queue, {alone['processes']} "
            f"processes) | {alone['per_second']} per second: "
            f"{data['alone_share_of_limit']} of the limit | |",
            f"| issued through the cluster, as a share of rendering ours alone | "
            f"{data['issued_share_of_alone']} | |",
        ]
    lines += [
        f"| queries per certificate (median) | {queries} | ≤ {CERTS_QUERIES_TARGET}: "
        f"{mark(queries <= CERTS_QUERIES_TARGET)} |",
        f"| workers' peak memory | {', '.join(f'{m} MiB' for m in ours['worker_peak_rss_mib'])} "
        "| |",
        "",
    ]
    return lines


def generated() -> str:
    lines = [BEGIN, "", "## Figures (generated by `bench/report.py`)", ""]
    lines += pages_section(load("pages-postgresql"), "PostgreSQL")
    lines += pages_section(load("pages-sqlite"), "SQLite")
    lines += load_section(load("load"))
    lines += rush_section(load("rush"))
    lines += certificates_section(load("certificates-bulk"))
    return "\n".join([*lines, END])


def main() -> None:
    text = DOC.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + generated() + tail
    else:
        text = text.rstrip("\n") + "\n\n" + generated() + "\n"
    DOC.write_text(text, encoding="utf-8")
    print(f"updated {DOC.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
