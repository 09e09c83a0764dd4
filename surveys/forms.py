"""The participant's survey form: one field per question (the staff form is in
``surveys/admin_forms.py``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys import services
from surveys.models import SCALE_MAX, SCALE_MIN, QuestionKind, SurveyQuestion

SCALE_LABELS = {SCALE_MIN: _("1 (lowest)"), SCALE_MAX: _("5 (highest)")}
IDENTIFIED_HELP = _(
    "The organisers see your name with this answer (your other answers stay anonymous). "
    "Leave it empty if you prefer not to."
)


def field_name(question: SurveyQuestion) -> str:
    return f"q{question.pk}"


class SurveyAnswerForm(forms.Form):
    """One field per question, in order.  The rules (required, 1 to 5, one of the options,
    length) are those of ``services.answers_check``, so the messages are the same whether the
    form or the service finds the problem."""

    def __init__(self, *args, questions: list[SurveyQuestion], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[field_name(question)] = self._field(question)

    @staticmethod
    def _field(question: SurveyQuestion) -> forms.Field:
        help_texts = []
        if question.kind == QuestionKind.MULTI:
            help_texts.append(_("Choose as many as apply."))
        if question.identified:
            help_texts.append(IDENTIFIED_HELP)
        common = {
            "label": question.text,
            "required": question.required,
            "help_text": " ".join(str(text) for text in help_texts),
            "error_messages": {
                "required": services.ANSWER_REQUIRED,
                "invalid_choice": services.NOT_AN_OPTION,
                "invalid_list": services.NOT_AN_OPTION,
                "max_length": services.TEXT_TOO_LONG,
            },
        }
        options = [(option, option) for option in question.choice_list]
        if question.kind == QuestionKind.SCALE5:
            common["error_messages"]["invalid_choice"] = services.SCALE_OUT_OF_RANGE
            scale = [(str(n), SCALE_LABELS.get(n, str(n))) for n in range(SCALE_MIN, SCALE_MAX + 1)]
            return forms.ChoiceField(choices=scale, widget=forms.RadioSelect, **common)
        if question.kind == QuestionKind.CHOICE:
            return forms.ChoiceField(choices=options, widget=forms.RadioSelect, **common)
        if question.kind == QuestionKind.MULTI:
            return forms.MultipleChoiceField(
                choices=options, widget=forms.CheckboxSelectMultiple, **common
            )
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 5}),
            max_length=services.TEXT_MAX_LENGTH,
            **common,
        )

    def clean(self):
        """Check every answer with the service's rules and put each message by its question."""
        cleaned = super().clean()
        raw = {
            question.pk: cleaned.get(field_name(question))
            for question in self.questions
            if field_name(question) not in self.errors
        }
        checked = [q for q in self.questions if q.pk in raw]
        try:
            services.answers_check(checked, raw)
        except services.SurveyAnswersInvalid as invalid:
            self.add_service_errors(invalid)
        return cleaned

    def add_service_errors(self, invalid: services.SurveyAnswersInvalid) -> None:
        by_id = {question.pk: question for question in self.questions}
        for question_id, message in invalid.errors.items():
            if question_id in by_id:
                self.add_error(field_name(by_id[question_id]), message)

    def answers(self) -> dict:
        """The answers keyed by question id, as ``services.response_submit`` takes them."""
        return {
            question.pk: self.cleaned_data.get(field_name(question)) for question in self.questions
        }
