"""Read-side queries for training, one module per area; import them from here
(``from courses import selectors``).  Lists are annotated and prefetched in bulk, so pages run
a bounded number of queries whatever the number of courses, runs and sessions.

- ``catalogue``: the public course and programme catalogue
- ``enrolment``: runs with seats, the course page's runs, participants and numbers
- ``my_learning``: a person's own courses and sessions
- ``groups``: breakout groups
- ``attendance``: rosters, check-in, the attendance report, completion rates
- ``completion``: completion facts, follow-up and make-up runs, reflections
- ``calendars``: calendar events and feeds
"""

from courses.selectors.attendance import (
    ARRIVED_STATUSES,
    SEATED_STATUSES,
    MatrixRow,
    RosterHeading,
    RosterRow,
    arrivals_for_session,
    attendance_matrix_for_run,
    attendance_minutes,
    completion_rate_for_course,
    kept_roster,
    matrix_fingerprint,
    roster_fingerprint,
    roster_for_session,
    roster_rows,
    roster_rows_html,
    session_list_for_day,
    sessions_for_roster,
    sessions_open_for_check_in,
    sheets_written,
)
from courses.selectors.calendars import (
    CANCELLED_KEPT_IN_FEEDS,
    PAST_KEPT_IN_FEEDS,
    feed_fingerprint_for_user,
    feed_sessions_for_user,
    has_seat,
    runs_with_unannounced_changes,
    session_calendar_event,
    session_calendar_events,
    sessions_for_calendar,
    sessions_with_unannounced_changes,
)
from courses.selectors.catalogue import (
    RUN_ONLY_FILTERS,
    CourseCard,
    ProgramCard,
    catalogue_page,
    course_list_for_catalogue,
    program_list_for_catalogue,
)
from courses.selectors.completion import (
    CompletionFacts,
    attach_make_up_runs,
    completion_extras,
    completion_facts,
    completion_follow_up_list,
    evaluation_for_enrolment,
    reflections_for_run,
    reflections_of_mentee,
)
from courses.selectors.enrolment import (
    participant_list_for_run,
    run_list_to_move_to,
    run_list_upcoming_for_course,
    run_numbers,
    runs_for_visitor,
    runs_upcoming_public,
    runs_with_counts,
    seat_plans_for_runs,
    waiting_ahead_annotation,
)
from courses.selectors.groups import (
    BREAKOUT_CLASH_LABELS,
    GROUPED_STATUSES,
    breakout_groups_for_run,
    breakout_people_for_run,
    breakout_person,
)
from courses.selectors.my_learning import (
    MyLearningPage,
    enrolment_list_for_learner,
    learning_fingerprint,
    my_learning_page,
)

__all__ = [
    "ARRIVED_STATUSES",
    "BREAKOUT_CLASH_LABELS",
    "CANCELLED_KEPT_IN_FEEDS",
    "GROUPED_STATUSES",
    "PAST_KEPT_IN_FEEDS",
    "RUN_ONLY_FILTERS",
    "SEATED_STATUSES",
    "CompletionFacts",
    "CourseCard",
    "MatrixRow",
    "MyLearningPage",
    "ProgramCard",
    "RosterRow",
    "attach_make_up_runs",
    "arrivals_for_session",
    "attendance_matrix_for_run",
    "attendance_minutes",
    "breakout_groups_for_run",
    "breakout_people_for_run",
    "breakout_person",
    "catalogue_page",
    "completion_extras",
    "completion_facts",
    "completion_follow_up_list",
    "evaluation_for_enrolment",
    "completion_rate_for_course",
    "course_list_for_catalogue",
    "enrolment_list_for_learner",
    "learning_fingerprint",
    "my_learning_page",
    "feed_fingerprint_for_user",
    "feed_sessions_for_user",
    "has_seat",
    "participant_list_for_run",
    "program_list_for_catalogue",
    "reflections_for_run",
    "reflections_of_mentee",
    "RosterHeading",
    "kept_roster",
    "matrix_fingerprint",
    "roster_fingerprint",
    "sheets_written",
    "roster_for_session",
    "roster_rows",
    "roster_rows_html",
    "run_list_to_move_to",
    "run_list_upcoming_for_course",
    "runs_for_visitor",
    "runs_upcoming_public",
    "run_numbers",
    "runs_with_counts",
    "seat_plans_for_runs",
    "session_calendar_event",
    "session_calendar_events",
    "sessions_with_unannounced_changes",
    "runs_with_unannounced_changes",
    "sessions_for_roster",
    "session_list_for_day",
    "sessions_for_calendar",
    "sessions_open_for_check_in",
    "waiting_ahead_annotation",
]
