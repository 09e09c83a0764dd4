"""Helpers shared by the courses tests."""

import datetime as dt
import re

from django.utils import timezone

from tests.factories import CourseRunFactory, SessionFactory


def run_with_sessions(*, days_from_today: list[int], mandatory=(), **course_rules):
    """A run whose sessions start at 10:00 on the given days relative to today."""
    today = timezone.localdate()
    run = CourseRunFactory(
        starts_on=today + dt.timedelta(days=min(days_from_today)),
        ends_on=today + dt.timedelta(days=max(days_from_today)),
    )
    for key, value in course_rules.items():
        setattr(run.course, key, value)
    run.course.save()
    sessions = []
    for i, day in enumerate(days_from_today):
        starts_at = timezone.make_aware(
            dt.datetime.combine(today + dt.timedelta(days=day), dt.time(10))
        )
        sessions.append(
            SessionFactory(
                run=run,
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(hours=2),
                is_mandatory=i in mandatory,
            )
        )
    return run, sessions


def sign_off_from_page(client, enrolment, html: str) -> None:
    """Post the sign-off form of ``enrolment`` found in ``html`` (a kept or written matrix),
    with the CSRF token the page carries."""
    token = re.search(
        rf'action="/admin/courses/enrolments/{enrolment.pk}/sign-off/">'
        r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"',
        html,
    ).group(1)
    client.post(
        f"/admin/courses/enrolments/{enrolment.pk}/sign-off/", {"csrfmiddlewaretoken": token}
    )


def notices_fail_for_run(monkeypatch, module, run_id: int) -> None:
    """Make rendering a notice (``_notices_render`` as ``module`` uses it) fail for the places
    of one run only, as a template error would."""
    real_render = module._notices_render

    def render(enrolment, *args, **kwargs):
        if enrolment.run_id == run_id:
            raise RuntimeError("template error")
        return real_render(enrolment, *args, **kwargs)

    monkeypatch.setattr(module, "_notices_render", render)


def typed_code_wrong_for(session_id: int) -> str:
    """A 4-digit code that no window from five minutes ago to ten minutes ahead accepts for
    ``session_id``: "the right code plus one" is itself right for a neighbouring window once
    in 10,000 runs, which made a limit test check someone in instead of counting a wrong try."""
    from courses import checkin

    now_window = checkin.window_at(timezone.now())
    nearby = {checkin.typed_code(session_id, w) for w in range(now_window - 10, now_window + 21)}
    right = checkin.typed_code(session_id, now_window)
    return next(
        code
        for step in range(1, 10**checkin.TYPED_CODE_DIGITS)
        if (code := str((int(right) + step) % 10**checkin.TYPED_CODE_DIGITS).zfill(4)) not in nearby
    )
