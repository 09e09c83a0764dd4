"""The staff form for a survey with its questions (Wagtail validates each question alone)."""

from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminModelForm


class SurveyAdminForm(WagtailAdminModelForm):
    """A question that already has answers can be reworded, but not removed, and its kind of
    answer cannot change: the answers given would lose their meaning."""

    def clean(self):
        from surveys.models import SurveyAnswer  # models import this module

        cleaned_data = super().clean()
        questions = self.formsets.get("questions")
        if questions is None or not self.instance.pk or not questions.is_valid():
            return cleaned_data
        answered = set(
            SurveyAnswer.objects.filter(question__survey=self.instance)
            .values_list("question_id", flat=True)
            .distinct()
        )
        for form in questions.forms:
            question = form.instance
            if question.pk not in answered or not form.cleaned_data:
                continue
            if form.cleaned_data.get("DELETE"):
                self.add_error(
                    None,
                    _(
                        "“%(question)s” already has answers, so it cannot be removed. To stop "
                        "asking it, make a new survey and deactivate this one."
                    )
                    % {"question": question.text},
                )
            elif "kind" in form.changed_data:
                form.add_error(
                    "kind",
                    _("This question already has answers, so its kind of answer cannot change."),
                )
        return cleaned_data
