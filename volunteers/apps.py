from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    """Resident volunteer sign-up and the incubation pipeline (issue #7)."""

    name = "volunteers"
    verbose_name = _("Volunteers")

    def personal_data(self, user) -> dict:
        """The person's volunteer profile and stage history, for "download my data"."""
        from volunteers.models import VolunteerProfile

        profile = (
            VolunteerProfile.objects.filter(user=user)
            .select_related("municipality")
            .prefetch_related("fields", "stage_changes")
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
                    "weekdays": profile.weekdays,
                    "weekends": profile.weekends,
                    "daytime": profile.daytime,
                    "evening": profile.evening,
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
                "stage_history": [
                    {"from": c.from_stage, "to": c.to_stage, "at": c.changed_at.isoformat()}
                    for c in profile.stage_changes.all()
                ],
            }
        }
