"""Forms for the public side of courses."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cms.forms import (
    FilterChoiceField,
    FilterForm,
    SearchTextField,
    field_filter,
    municipality_filter,
)
from courses.models import CourseFormat, CourseKind, EnrolmentStatus
from lms.forms import PlainTextField
from lms.models import OrganisationGroup, Profession
from lms.text import has_invisible_characters


def _date_filter(label) -> forms.DateField:
    # The browser's date picker submits and expects ISO dates, whatever the language.
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class CatalogueFilterForm(FilterForm):
    """Filters for the training catalogue, submitted with GET so a search can be shared.  The
    dates and "seats left" apply to each course's next run."""

    q = SearchTextField(label=_("Keyword"), max_length=100, required=False)
    field = field_filter()
    profession = FilterChoiceField(
        label=_("Profession"),
        queryset=Profession.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All professions"),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("", _("All formats")), *CourseFormat.choices],
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Type of course"),
        choices=[("", _("All types")), *CourseKind.choices],
        required=False,
    )
    municipality = municipality_filter(label=_("Venue location"))
    date_from = _date_filter(_("Starts on or after"))
    date_to = _date_filter(_("Starts on or before"))
    has_seats = forms.BooleanField(label=_("Only courses with seats left"), required=False)

    # The choices read from the database: every field, profession and municipality.
    LISTED_CHOICES = ("field", "profession", "municipality")

    def clean_has_seats(self) -> bool | None:
        # Unticked is "no filter", not a filter for full courses, and stays out of the URL.
        return self.cleaned_data["has_seats"] or None

    def clean(self):
        cleaned_data = super().clean()
        date_from, date_to = cleaned_data.get("date_from"), cleaned_data.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", _("Choose a date on or after the “Starts on or after” date."))
        return cleaned_data


class ParticipantFilterForm(FilterForm):
    """Staff filters on a run's participant list."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All except cancelled")), *EnrolmentStatus.choices],
        required=False,
    )
    profession = FilterChoiceField(
        label=_("Profession"),
        queryset=Profession.objects.all(),
        required=False,
        empty_label=_("All professions"),
    )
    organisation = SearchTextField(label=_("Organisation"), max_length=100, required=False)
    organisation_group = FilterChoiceField(
        label=_("Kind of organisation"),
        queryset=OrganisationGroup.objects.all(),
        required=False,
        empty_label=_("All kinds"),
    )
    municipality = municipality_filter()


class ParticipantMessageForm(forms.Form):
    """Staff write one message to a run's participants."""

    audience = forms.ChoiceField(
        label=_("Send to"),
        choices=[
            ("seats", _("Everyone with a seat")),
            ("waiting", _("Everyone on the waiting list")),
        ],
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 8}), max_length=5000
    )

    def clean(self):
        cleaned = super().clean()
        for name in ("subject", "body"):
            if has_invisible_characters(cleaned.get(name, "")):
                self.add_error(name, _("Remove the invisible control characters from this text."))
        return cleaned


class BreakoutGenerateForm(forms.Form):
    group_size = forms.IntegerField(
        label=_("People per group"),
        min_value=2,
        max_value=20,
        initial=6,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class AttendanceCodeForm(forms.Form):
    """The 4-digit code typed at the venue (fallback for the QR code) or announced online.
    Full-width digits are accepted (see courses.checkin.normalise_code)."""

    code = forms.CharField(
        label=_("Code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "size": 6}
        ),
    )


# The free texts below are PlainTextField, like the applications' answers: invisible control
# characters (NUL, escape sequences, zero-width spaces...) are refused; line breaks and tabs stay.


class ApologyForm(forms.Form):
    reason = PlainTextField(
        label=_("Why can you not come?"),
        help_text=_("A few words are enough, e.g. 業務の都合. The organisers see this."),
        max_length=300,
        required=True,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReflectionForm(forms.Form):
    """The reflection sheet: one answer per question the course sets, or one free text."""

    text = PlainTextField(
        label=_("Your reflection (振り返り)"),
        help_text=_(
            "What did you learn, and what will you try in your work? You, the organisers and "
            "your mentor (if you have one) see it."
        ),
        max_length=4000,
        required=True,
        widget=forms.Textarea(attrs={"rows": 10}),
    )

    def __init__(self, *args, questions: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions or []
        if self.questions:
            del self.fields["text"]
            for number, question in enumerate(self.questions):
                self.fields[f"answer_{number}"] = PlainTextField(
                    label=question,
                    max_length=2000,
                    required=True,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    error_messages={"required": _("Please answer this question.")},
                )

    def answers(self) -> list[str]:
        return [self.cleaned_data[f"answer_{n}"] for n in range(len(self.questions))]


class ReflectionFeedbackForm(forms.Form):
    feedback = PlainTextField(
        label=_("Feedback to the participant"),
        max_length=2000,
        required=True,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WalkInForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address of the registered person"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
