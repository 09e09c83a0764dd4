"""django-q2 entry points for courses.  Each step is safe to run twice or concurrently."""

from courses import services


def handle_seat_offers() -> dict[str, int]:
    """Every few minutes: pass expired offers on, offer seats that opened, remind people
    whose offer is about to expire.  Each step runs even if one before it failed for some
    run (it then fails the task, after the others)."""
    steps = {
        "expired": services.offers_expire,
        "offered": services.free_seats_offer,
        "reminded": services.offer_reminders_send,
    }
    done, failure = {}, None
    for name, step in steps.items():
        try:
            done[name] = step()
        except services.RunSweepError as error:
            failure = failure or error
    if failure is not None:
        raise failure
    return done


def evaluate_completion() -> int:
    """After sessions end: completed, on track or no longer possible, for runs under way."""
    return services.completion_evaluate_recent_runs()


def send_session_reminders() -> int:
    """Every 15 minutes: the day-before (and hour-before online) reminders that are due."""
    return services.session_reminders_send()


def announce_session_changes(run_id: int) -> int:
    """After staff save a run: tell its participants about changed or cancelled sessions (one
    notice per person and session, with its invite).  Safe to run twice: a change is announced
    once.  Returns how many sessions were announced."""
    from courses.models import CourseRun

    try:
        return services.session_changes_announce(run=CourseRun(pk=run_id))
    except CourseRun.DoesNotExist:
        return 0  # deleted meanwhile (before or while it ran): nobody to tell


def announce_pending_session_changes() -> int:
    """Every 15 minutes: session changes still untold (the task after staff's save was lost
    or failed)."""
    return services.session_changes_announce_pending()
