from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentoringConfig(AppConfig):
    """Mentor-mentee pairs, matching, session logs and support for supporters (issue #8)."""

    name = "mentoring"
    verbose_name = _("Mentoring")

    def ready(self) -> None:
        from mentoring.selectors import ALERTS_VERSION

        # The alerts kept for coordinators are built again after any change they show.
        ALERTS_VERSION.connect()

    def calendar_events(self, user, now) -> list:
        """The person's mentoring meetings, for their private calendar feed, read only when
        ``calendar_fingerprint`` changed.  No ``calendar_changed_at``: each event carries its
        meeting's last change, and a meeting that left the feed changes its digest, so a
        query for the latest change would tell nothing more."""
        from mentoring import selectors, services

        return [
            services.meeting_event(meeting)
            for meeting in selectors.meetings_for_feed(user=user, now=now)
        ]

    def calendar_fingerprint(self, user) -> tuple:
        """What the person's meeting events depend on besides the day and the language
        (``lms.selectors.personal_calendar``): their meetings and the names shown."""
        from mentoring import selectors

        return selectors.feed_meetings_fingerprint(user=user)

    def erase_personal_data(self, user) -> None:
        """Before the account is anonymised: what the person wrote or was written about them
        in mentoring goes; pairs, session dates and hours stay for the counts."""
        from django.db.models import Q

        from mentoring.models import (
            ChangeRequest,
            MenteeProfile,
            MentoringSession,
            MentorProfile,
            Pair,
        )
        from mentoring.selectors import ALERTS_VERSION

        pairs = Pair.objects.filter(Q(mentor=user) | Q(mentee=user))
        MentoringSession.objects.filter(pair__in=pairs).update(
            notes="", next_steps="", topics_other=""
        )
        ChangeRequest.objects.filter(pair__in=pairs).update(reason="")
        pairs.update(goals="")
        MenteeProfile.objects.filter(user=user).update(hopes="")
        MentorProfile.objects.filter(user=user).update(bio="", accepting=False)
        # The updates above send no signal; the alerts show change requests' reasons.
        ALERTS_VERSION.changed()

    def personal_data(self, user) -> dict:
        """The person's mentoring, for "download my data": as a mentee, their pairs and the
        sessions with next steps; as a mentor, also the notes and load they logged."""
        from django.db.models import Q

        from mentoring.models import Pair

        pairs = (
            Pair.objects.filter(Q(mentor=user) | Q(mentee=user))
            .exclude(status="proposed")
            .select_related("mentor", "mentee", "programme")
            .prefetch_related("sessions", "change_requests")
        )
        data = []
        for pair in pairs:
            as_mentor = pair.mentor_id == user.pk
            data.append(
                {
                    "programme": pair.programme.title,
                    "role": "mentor" if as_mentor else "mentee",
                    "with": (pair.mentee if as_mentor else pair.mentor).get_full_name(),
                    "status": pair.status,
                    "goals": pair.goals,
                    "sessions": [
                        {
                            "date": s.date.isoformat(),
                            "minutes": s.duration_minutes,
                            "next_steps": s.next_steps,
                            **({"notes": s.notes, "your_load": s.mentor_load} if as_mentor else {}),
                        }
                        for s in pair.sessions.all()
                    ],
                    **(
                        {}
                        if as_mentor
                        else {"change_requests": [r.reason for r in pair.change_requests.all()]}
                    ),
                }
            )
        return {"mentoring": data}
