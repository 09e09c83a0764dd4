"""Forms for volunteer opportunities: the organisation's post, the volunteer's application
and hours, and the organisation's decisions."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.models import Organisation
from courses.models import CourseKind, CoursePage
from lms.forms import PlainTextField
from lms.models import AVAILABILITY_FLAGS, Field
from opportunities.models import DECISIONS, MESSAGE_LIMIT, Opportunity

DURATIONS = [
    (30, _("30 minutes")),
    (60, _("1 hour")),
    (90, _("1.5 hours")),
    (120, _("2 hours")),
    (150, _("2.5 hours")),
    (180, _("3 hours")),
    (210, _("3.5 hours")),
    (240, _("4 hours")),
    (300, _("5 hours")),
    (360, _("6 hours")),
    (420, _("7 hours")),
    (480, _("8 hours")),
]


class OpportunityForm(forms.ModelForm):
    """The organisation's post.  Activities offered are the organisation's own; a course kind
    or one course may be required, not both."""

    class Meta:
        model = Opportunity
        fields = [
            "title",
            "description",
            "activity",
            "when",
            "starts_on",
            "ends_on",
            "places",
            "municipality",
            "fields",
            *AVAILABILITY_FLAGS,
            "required_course_kind",
            "required_course",
            "status",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "fields": forms.CheckboxSelectMultiple,
            "status": forms.RadioSelect,
        }
        help_texts = {
            "places": _(
                "How many volunteers you hope to place. Anyone qualified can still apply; "
                "you choose whom to accept."
            ),
            "required_course_kind": _(
                "Volunteers must have completed a course of this kind to apply."
            ),
            "required_course": _(
                "Or: volunteers must have completed this course. Choose one of the two at most."
            ),
        }

    def __init__(self, *args, organisation: Organisation, **kwargs):
        kwargs.setdefault("instance", Opportunity(organisation=organisation))
        super().__init__(*args, **kwargs)
        self.instance.organisation = organisation
        self.fields["activity"].queryset = organisation.activities.all()
        self.fields["activity"].empty_label = _("None in particular")
        self.fields["required_course"].queryset = CoursePage.objects.live().order_by("title")
        # Looked up by ``id``, not the page's ``pk`` (a link to its Page row): that lookup
        # sends an id too large for the database to it and fails, ``id`` finds no course.
        self.fields["required_course"].to_field_name = "id"
        self.fields["required_course"].empty_label = _("No particular course")
        self.fields["required_course_kind"].choices = [
            ("", _("No training required")),
            *CourseKind.choices,
        ]
        self.fields["fields"].queryset = Field.objects.all()
        self.fields["status"].choices = [
            c for c in self.fields["status"].choices if c[0]
        ]  # no empty radio button
        if self.instance.pk is None:
            self.fields["municipality"].initial = organisation.municipality_id
            del self.fields["status"]

    def opportunity_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class ApplyForm(forms.Form):
    message = PlainTextField(
        label=_("A message to the organisation (optional)"),
        max_length=MESSAGE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class HoursLogForm(forms.Form):
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Give the date you volunteered.")},
    )
    minutes = forms.TypedChoiceField(label=_("How long"), choices=DURATIONS, coerce=int)
    what = PlainTextField(
        label=_("What you did"),
        max_length=200,
        required=True,
        error_messages={"required": _("Say briefly what you did.")},
    )

    def __init__(self, *args, prefix_id: int | None = None, **kwargs):
        kwargs.setdefault("initial", {"date": timezone.localdate(), "minutes": 120})
        if prefix_id is not None:
            kwargs.setdefault("prefix", f"log-{prefix_id}")
        super().__init__(*args, **kwargs)

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return date


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[(d.value, d.label) for d in DECISIONS])
    note = forms.CharField(
        label=_("Note to the volunteer (optional)"), max_length=500, required=False
    )
    beyond_places = forms.BooleanField(label=_("Accept beyond the places"), required=False)


class HoursReviewForm(forms.Form):
    action = forms.ChoiceField(choices=[("confirm", "confirm"), ("decline", "decline")])
    note = forms.CharField(max_length=300, required=False)
