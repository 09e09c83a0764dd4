"""CSV downloads for the staff reports (participants, attendance, surveys, volunteers,
mentoring, organisations).  One helper, so every download opens the same way in Excel and
carries the same protection."""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import HttpResponse

# A cell starting with one of these is read by spreadsheets as a formula (or starts one).
_FORMULA_STARTS = {"=", "+", "-", "@", "\t", "\r"}


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> HttpResponse:
    """A CSV attachment named ``filename``: ``header``, then ``rows`` (any values; written as
    text).

    Written as UTF-8 with a byte-order mark, because Excel in Japan otherwise reads the file as
    Shift_JIS and garbles the kanji.  Every cell is made formula-safe (see ``csv_safe``),
    because names, organisations and free-text answers come from the public.
    """
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([csv_safe(value) for value in header])
    for row in rows:
        writer.writerow([csv_safe(value) for value in row])
    return response


def csv_safe(value) -> str:
    """``value`` as text that a spreadsheet shows and never runs: a cell starting with
    = + - @ (or a tab or carriage return) gets a leading apostrophe (CSV formula injection)."""
    value = str(value)
    return "'" + value if value[:1] in _FORMULA_STARTS else value
