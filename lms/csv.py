"""CSV downloads for the staff reports (participants, attendance, surveys, volunteers,
mentoring, organisations).  One helper, so every download opens the same way in Excel and
carries the same protection."""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse

from audit.models import AuditAction
from audit.services import audit_record

# A cell starting with one of these is read by spreadsheets as a formula (or starts one).
_FORMULA_STARTS = {"=", "+", "-", "@", "\t", "\r"}


def csv_response(
    filename: str,
    header: list[str],
    rows: Iterable[Iterable],
    *,
    request: HttpRequest | None = None,
) -> HttpResponse:
    """A CSV attachment named ``filename``: ``header``, then ``rows`` (any values; written as
    text).  With the ``request`` (every staff report passes it), the download is recorded in
    the audit log: who, which file, how many rows.

    Written as UTF-8 with a byte-order mark, because Excel in Japan otherwise reads the file as
    Shift_JIS and garbles the kanji.  Every cell is made formula-safe (see ``csv_safe``),
    because names, organisations and free-text answers come from the public.
    """
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([csv_safe(value) for value in header])
    count = 0
    for row in rows:
        writer.writerow([csv_safe(value) for value in row])
        count += 1
    if request is not None:
        audit_record(
            actor=request.user,
            action=AuditAction.EXPORT,
            detail={"file": filename, "rows": count, "path": request.path},
            request=request,
        )
    return response


def csv_safe(value) -> str:
    """``value`` as text that a spreadsheet shows and never runs: a cell starting with
    = + - @ (or a tab or carriage return) gets a leading apostrophe (CSV formula injection)."""
    value = str(value)
    return "'" + value if value[:1] in _FORMULA_STARTS else value
