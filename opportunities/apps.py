from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    """Volunteer opportunities posted by partner organisations (issue #12)."""

    name = "opportunities"
    verbose_name = _("Volunteer opportunities")

    def erase_personal_data(self, user) -> None:
        """Before the account is anonymised (lms.services.user_anonymise)."""
        from opportunities.services import opportunities_erase

        opportunities_erase(user=user)

    def personal_data(self, user) -> dict:
        """The person's applications to volunteer, with their messages and hours logged, for
        "download my data" (APPI)."""
        from opportunities.selectors import my_applications

        return {
            "volunteer_opportunities": [
                {
                    "opportunity": application.opportunity.title,
                    "organisation": application.opportunity.organisation.name,
                    "status": application.status,
                    "applied_at": application.created_at.isoformat(),
                    "message": application.message,
                    "decided_at": application.decided_at.isoformat()
                    if application.decided_at
                    else None,
                    "note_from_the_organisation": application.decision_note,
                    "hours_logged": [
                        {
                            "date": log.date.isoformat(),
                            "minutes": log.minutes,
                            "what": log.what,
                            "status": log.status,
                        }
                        for log in application.hours_logs.all()
                    ],
                }
                for application in my_applications(user=user)
            ]
        }
