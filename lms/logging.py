"""Keeping personal data out of logs and error reports (APPI: residents' and supporters' contact
details go only to those who need them, and log files and error emails are read by others).

- ``PersonalDataFilter`` (on every handler in LOGGING) masks email addresses and phone numbers
  in the message and traceback of each record, whoever wrote the log call.
- ``PersonalDataExceptionReporterFilter`` and ``PersonalDataExceptionReporter`` (the defaults
  for error reports) keep the names of posted fields, query parameters, cookies and files but
  none of their values, no local variables, and only the id of the person signed in.

With DEBUG on (development) the error page shows everything, as Django's does.
"""

from __future__ import annotations

import logging
import re

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"

# The local part as people's addresses have it (not every character RFC 5322 allows), so the
# "email=" before an address in a URL stays; "%40" is an @ in a query string.
EMAIL_RE = re.compile(r"[\w.+-]+(?:@|%40|＠)[\w-]+(?:\.[\w-]+)+")
# Japanese numbers as people type them: 078-341-7711, 090 1234 5678, 0120(123)456, 09012345678,
# +81-90-1234-5678, in half- or full-width digits.  Ten or eleven digits in all, starting with
# 0 or +81, not part of a longer run of digits or letters (ids, hashes, timestamps stay).
_D = "[0-9０-９]"
_SEP = r"[-‐‑–−－ー\s()（）]?"
PHONE_RE = re.compile(
    rf"(?<![0-9０-９A-Za-z.])(?:(?:\+|＋)(?:81|８１){_SEP}|[0０]){_D}(?:{_SEP}{_D}){{8,9}}"
    r"(?![0-9０-９A-Za-z])"
)


URL_CREDENTIALS_RE = re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)


def mask_personal_data(text: str) -> str:
    """``text`` with every email address and phone number replaced by a placeholder."""
    return PHONE_RE.sub(PHONE_MASK, EMAIL_RE.sub(EMAIL_MASK, text))


_formatter = logging.Formatter()


class PersonalDataFilter(logging.Filter):
    """Masks email addresses and phone numbers in a record before any handler writes it.

    The message is formatted once and stored masked (``args`` emptied), and the traceback text
    is formatted and masked here too, so every handler after this one sees the masked text.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken log call: let logging report it as usual
            return True
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = _formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True


class PersonalDataExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter (settings with KEY, SECRET, PASS... in their names are hidden), plus: no
    posted value, no local variable, and no address or query string from the request headers."""

    hidden_meta = ("QUERY_STRING", "HTTP_REFERER", "HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

    def cleanse_setting(self, key, value):
        """Also the password inside a URL (REDIS_URL, the cache's and the task queue's copies),
        which Django's name-based check misses."""
        value = super().cleanse_setting(key, value)
        if isinstance(value, str):
            return URL_CREDENTIALS_RE.sub(rf"\1{self.cleansed_substitute}@", value)
        return value

    def get_post_parameters(self, request):
        if request is None or not self.is_active(request):
            return super().get_post_parameters(request)
        return dict.fromkeys(request.POST, self.cleansed_substitute)

    def get_traceback_frame_variables(self, request, tb_frame):
        if not self.is_active(request):
            return super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        if self.is_active(request):
            for key in self.hidden_meta:
                if key in meta:
                    meta[key] = self.cleansed_substitute
        return meta


class PersonalDataExceptionReporter(ExceptionReporter):
    """Error reports (emails to ADMINS) without the values the filter cannot reach: query
    parameters, cookies (the session id), uploaded file names, the signed-in person's name, and
    email addresses or phone numbers in exception messages (a database error may quote a row)."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        if not self.filter.is_active(self.request):
            return data
        hidden = self.filter.cleansed_substitute
        if self.request is not None:
            for key in ("request_GET_items", "request_COOKIES_items", "request_FILES_items"):
                data[key] = [(name, hidden) for name, _value in data.get(key) or []]
            user = getattr(self.request, "user", None)
            if user is not None and getattr(user, "is_authenticated", False):
                data["user_str"] = f"user #{user.pk}"
            elif "user_str" in data:
                data["user_str"] = "anonymous"
            data["request_insecure_uri"] = self._uri_without_query()
        if data.get("exception_value"):
            data["exception_value"] = mask_personal_data(str(data["exception_value"]))
        for frame in data.get("frames", []):
            if frame.get("exc_cause"):
                frame["exc_cause"] = mask_personal_data(str(frame["exc_cause"]))
        return data

    def _uri_without_query(self) -> str:
        try:
            return self.request.build_absolute_uri(self.request.path)
        except Exception:  # noqa: BLE001 - a disallowed host: the path alone
            return self.request.path
