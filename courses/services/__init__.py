"""Write-side rules for training, one module per area; import them from here
(``from courses import services``).

- ``base``: the domain error, the run lock, notices with calendar invites
- ``enrolment``: places, waiting list, offers, approval, moves, cancellations
- ``sessions``: announcing session changes, messages, reminders
- ``groups``: breakout groups
- ``attendance``: marks, check-in, online presence, apologies, walk-ins
- ``completion``: completion records, reflections, sign-off
"""

from courses.services.attendance import (
    CheckInError,
    WrongCode,
    attendance_apologise,
    attendance_check_in,
    attendance_mark_rest_absent,
    attendance_record,
    online_code_enter,
    online_join,
    walk_in_add,
)
from courses.services.base import (
    ATTENDING_STATUSES,
    SETTLED_STATUSES,
    EnrolmentError,
    RunSweepError,
)
from courses.services.completion import (
    completion_evaluate,
    completion_evaluate_recent_runs,
    enrolment_sign_off,
    reflection_feedback_give,
    reflection_submit,
)
from courses.services.enrolment import (
    enrolment_approve,
    enrolment_cancel,
    enrolment_create,
    enrolment_erase_for_person,
    enrolment_move,
    enrolment_reject,
    free_seats_offer,
    offer_accept,
    offer_decline,
    offer_reminders_send,
    offers_expire,
)
from courses.services.groups import (
    MAX_BREAKOUT_GROUP_SIZE,
    MAX_BREAKOUT_GROUPS,
    breakout_groups_assign,
    breakout_groups_generate,
)
from courses.services.sessions import (
    run_message_participants,
    session_changes_announce,
    session_changes_announce_later,
    session_changes_announce_pending,
    session_reminders_send,
)

__all__ = [
    "ATTENDING_STATUSES",
    "MAX_BREAKOUT_GROUPS",
    "MAX_BREAKOUT_GROUP_SIZE",
    "SETTLED_STATUSES",
    "CheckInError",
    "EnrolmentError",
    "RunSweepError",
    "WrongCode",
    "attendance_apologise",
    "attendance_check_in",
    "attendance_mark_rest_absent",
    "attendance_record",
    "breakout_groups_assign",
    "breakout_groups_generate",
    "completion_evaluate",
    "completion_evaluate_recent_runs",
    "enrolment_approve",
    "enrolment_cancel",
    "enrolment_create",
    "enrolment_erase_for_person",
    "enrolment_move",
    "enrolment_reject",
    "enrolment_sign_off",
    "free_seats_offer",
    "offer_accept",
    "offer_decline",
    "offer_reminders_send",
    "offers_expire",
    "online_code_enter",
    "online_join",
    "reflection_feedback_give",
    "reflection_submit",
    "run_message_participants",
    "session_changes_announce",
    "session_changes_announce_later",
    "session_changes_announce_pending",
    "session_reminders_send",
    "walk_in_add",
]
