from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    """Post-training surveys (アンケート, issue #11)."""

    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from surveys import receivers  # noqa: F401  (connects to enrolment_completed)

    def erase_personal_data(self, user) -> None:
        """Before the account is anonymised (lms.services.user_anonymise)."""
        from surveys.services import survey_erase_person

        survey_erase_person(user=user)

    def personal_data(self, user) -> dict:
        """For "download my data" (APPI): the surveys the person was invited to, whether they
        answered, and the answers they gave with their name.  Their other answers are not
        linked to them, so they cannot be listed (nor told apart from anyone else's)."""
        from surveys.models import SurveyInvitation
        from surveys.selectors import answer_list_named_for_person

        invitations = SurveyInvitation.objects.filter(enrolment__user=user).select_related(
            "survey", "enrolment__run__course"
        )
        named = answer_list_named_for_person(user=user).select_related("question", "response__run")
        return {
            "surveys": [
                {
                    "survey": invitation.survey.title,
                    "course": invitation.enrolment.run.course.title,
                    "run": invitation.enrolment.run.title,
                    "invited_at": invitation.sent_at.isoformat() if invitation.sent_at else None,
                    "answered_at": (
                        invitation.answered_at.isoformat() if invitation.answered_at else None
                    ),
                }
                for invitation in invitations.order_by("created_at", "pk")
            ],
            "survey_answers_with_your_name": [
                {
                    "run": answer.response.run.title,
                    "question": answer.question.text,
                    "answer": answer.value_text
                    or "; ".join(answer.value_choices)
                    or (str(answer.value_scale) if answer.value_scale else ""),
                    "full_name": answer.respondent_name,
                }
                for answer in named.order_by("pk")
            ],
        }
