"""Benchmark: render N Japanese certificates the way the issuing task does and report the
first (cold) render, the warm per-certificate time (median and 95th percentile) and PDF sizes.

    .venv/bin/python bench/certificates.py --count 100

A script that reports figures, not a test: nothing here passes or fails.  It needs no database:
the certificates are built in memory (names with rare kanji included).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")

NAMES = [
    ("髙橋 﨑子", "たかはし さきこ"),
    ("山本 彩", "やまもと あや"),
    ("齋藤 邊", "さいとう ほとり"),
    ("中村 健一", "なかむら けんいち"),
    ("渡邉 瑤子", "わたなべ ようこ"),
]


def sample_certificate(number: int):
    """A Japanese certificate in memory (no database), as the issuing task renders it: names
    with rare kanji such as 髙 and 﨑 in turn."""

    from certificates.codes import new_verification_code, serial_number
    from certificates.models import Certificate

    name, kana = NAMES[number % len(NAMES)]
    return Certificate(
        serial=serial_number("joint_training", 2026, number),
        verification_code=new_verification_code(),
        language="ja",
        holder_name=name,
        holder_name_kana=kana,
        course_title="支援者向け多職種合同研修（基礎編）",
        course_kind="joint_training",
        run_title="2026年度 第1期",
        starts_on=dt.date(2026, 10, 1),
        completed_on=dt.date(2026, 11, 20),
        learning_minutes=720,
        issuer_name="兵庫県孤独・孤立対策官民連携プラットフォーム",
        signer_name="兵庫 太郎",
        signer_title="事務局長",
        wording="あなたは上記の研修の全課程を修了したことをここに証します。",
        issued_at=dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50, help="certificates to render")
    args = parser.parse_args()

    import django

    django.setup()
    started = time.perf_counter()
    from certificates.rendering import render_certificate_pdf

    import_seconds = time.perf_counter() - started

    started = time.perf_counter()
    first = render_certificate_pdf(sample_certificate(0))
    cold = time.perf_counter() - started
    times, sizes = [], [len(first)]
    for number in range(1, args.count + 1):
        started = time.perf_counter()
        pdf = render_certificate_pdf(sample_certificate(number))
        times.append(time.perf_counter() - started)
        sizes.append(len(pdf))
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"certificates rendered : {args.count} (+1 cold)")
    print(f"import WeasyPrint     : {import_seconds * 1000:.0f} ms")
    print(f"first render (cold)   : {cold * 1000:.0f} ms")
    print(f"warm render median    : {statistics.median(times) * 1000:.1f} ms")
    print(f"warm render p95       : {p95 * 1000:.1f} ms")
    print(
        f"PDF size median / max : {statistics.median(sizes) / 1024:.1f} KB / {max(sizes) / 1024:.1f} KB"
    )


if __name__ == "__main__":
    main()
