from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    """Resident volunteer sign-up and the incubation pipeline (issue #7)."""

    name = "volunteers"
    verbose_name = _("Volunteers")

    def ready(self) -> None:
        from volunteers import receivers  # noqa: F401  (connects to enrolment_completed)
        from volunteers.models import VolunteerProfile
        from volunteers.selectors import VOLUNTEER_LIST_VERSION

        # The coordinators' list kept for them is built again after any change it shows.
        VOLUNTEER_LIST_VERSION.connect(relations=(VolunteerProfile.fields.through,))

    def erase_personal_data(self, user) -> None:
        """Before the account is anonymised (lms.services.user_anonymise)."""
        from volunteers.services import volunteer_erase

        volunteer_erase(user=user)

    def personal_data(self, user) -> dict:
        """Everything held about the person as a volunteer, for "download my data" (APPI):
        the profile, consent, stage history, staff notes, hours and nominations."""
        from lms.models import AVAILABILITY_FLAGS
        from volunteers.models import VolunteerProfile

        profile = (
            VolunteerProfile.objects.filter(user=user)
            .select_related("municipality__parent", "coordinator", "entered_by")
            .prefetch_related("fields", "stage_changes", "notes", "hours", "nominations")
            .first()
        )
        if profile is None:
            return {"volunteer": None}
        return {
            "volunteer": {
                "phone": profile.phone,
                "municipality": str(profile.municipality),
                "age_band": profile.age_band,
                "fields": [f.name for f in profile.fields.all()],
                "availability": {
                    **{flag: getattr(profile, flag) for flag in AVAILABILITY_FLAGS},
                    "frequency": profile.frequency,
                },
                "skills": profile.skills,
                "motivation": profile.motivation,
                "heard_from": profile.heard_from,
                "insurance": profile.insurance,
                "consent": {
                    "purpose_version": profile.consent_purpose_version,
                    "given_at": profile.consented_at.isoformat(),
                    "on_paper": profile.consent_on_paper,
                },
                "stage": profile.stage,
                "coordinator": str(profile.coordinator) if profile.coordinator else None,
                "entered_by_staff": str(profile.entered_by) if profile.entered_by else None,
                "stage_history": [
                    {
                        "from": c.from_stage,
                        "to": c.to_stage,
                        "at": c.changed_at.isoformat(),
                        "note": c.note,
                    }
                    for c in profile.stage_changes.all()
                ],
                "staff_notes": [
                    {"written_at": n.created_at.isoformat(), "note": n.body}
                    for n in profile.notes.all()
                ],
                "volunteering_hours": [
                    {"date": h.date.isoformat(), "minutes": h.minutes, "activity": h.activity}
                    for h in profile.hours.all()
                ],
                "nominations_as_leader": [
                    {
                        "nominated_at": n.created_at.isoformat(),
                        "organisation": n.organisation,
                        "reason": n.reason,
                    }
                    for n in profile.nominations.all()
                ],
            }
        }
