"""Forms for mentoring: the mentor's one-minute session log (with the next meeting), the
mentee's request for another mentor, and the coordinators' forms."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.forms import PlainTextField
from mentoring.models import MeetingMode, MenteeState, PairStatus, Topic

DURATIONS = [
    (30, _("30 minutes")),
    (45, _("45 minutes")),
    (60, _("1 hour")),
    (90, _("1.5 hours")),
    (120, _("2 hours")),
]
# How far ahead a meeting can be: a typo guard (2062 for 2026), which also keeps the meeting's
# end within the dates Python can hold (9999-12-31 23:59 plus an hour is not one).
MEETING_HORIZON = dt.timedelta(days=2 * 366)
LOAD_CHOICES = [
    (1, _("1 – light")),
    (2, _("2 – manageable")),
    (3, _("3 – heavy")),
    (4, _("4 – too heavy")),
]


class MeetingFieldsMixin(forms.Form):
    """The next meeting: optional on the log, required on its own form."""

    next_date = forms.DateField(
        label=_("Next meeting: date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    next_time = forms.TimeField(
        label=_("Start time"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    next_minutes = forms.TypedChoiceField(
        label=_("Length"), choices=DURATIONS, coerce=int, initial=60, required=False
    )
    next_mode = forms.ChoiceField(
        label=_("How you will meet"), choices=MeetingMode.choices, required=False, initial="online"
    )
    next_place = forms.CharField(
        label=_("Where (or the meeting link)"), max_length=300, required=False
    )

    def clean(self):
        cleaned = super().clean()
        day, time = cleaned.get("next_date"), cleaned.get("next_time")
        if day or time:
            if not (day and time):
                self.add_error("next_time", _("Give both the date and the time of the meeting."))
            else:
                starts = timezone.make_aware(dt.datetime.combine(day, time))
                if starts <= timezone.now():
                    self.add_error("next_date", _("Choose a time in the future."))
                elif day > timezone.localdate() + MEETING_HORIZON:
                    self.add_error("next_date", _("Choose a date within the next two years."))
                cleaned["next_starts_at"] = starts
                cleaned["next_minutes"] = cleaned.get("next_minutes") or 60
                cleaned["next_mode"] = cleaned.get("next_mode") or MeetingMode.ONLINE
        return cleaned


class SessionLogForm(MeetingFieldsMixin):
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Give the date of the session.")},
    )
    duration_minutes = forms.TypedChoiceField(
        label=_("How long"), choices=DURATIONS, coerce=int, initial=60
    )
    mode = forms.ChoiceField(
        label=_("How you met"),
        choices=MeetingMode.choices,
        widget=forms.RadioSelect,
        initial="online",
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics"),
        choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    topics_other = PlainTextField(label=_("Other topics"), max_length=200)
    notes = PlainTextField(
        label=_("Notes"),
        max_length=3000,
        help_text=_("Seen only by you and the coordinators."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next_steps = PlainTextField(
        label=_("Next steps"),
        max_length=1000,
        help_text=_("Your mentee sees these."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    mentee_state = forms.ChoiceField(
        label=_("How the mentee seems"),
        choices=MenteeState.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    mentor_load = forms.TypedChoiceField(
        label=_("Your own load at the moment"),
        choices=LOAD_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        required=False,
        empty_value=None,
        help_text=_("Seen only by the coordinators, so they can support you."),
    )

    field_order = [
        "date",
        "duration_minutes",
        "mode",
        "topics",
        "topics_other",
        "notes",
        "next_steps",
        "mentee_state",
        "mentor_load",
    ]

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("A session can be logged once it has taken place."))
        return value

    def session_data(self) -> dict:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in (
                "date",
                "duration_minutes",
                "mode",
                "topics",
                "topics_other",
                "notes",
                "next_steps",
                "mentee_state",
                "mentor_load",
            )
        }


class MeetingForm(MeetingFieldsMixin):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("next_date", "next_time"):
            self.fields[name].required = True


class ChangeRequestForm(forms.Form):
    reason = PlainTextField(
        label=_("Why would you like another mentor?"),
        max_length=1000,
        required=True,
        help_text=_("Only the coordinators read this. Your mentor is not told."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class PairStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Change to"),
        choices=[(s, label) for s, label in PairStatus.choices if s != PairStatus.PROPOSED],
    )
    reason = forms.CharField(label=_("Why it ends"), max_length=300, required=False)


class AcknowledgeForm(forms.Form):
    key = forms.CharField(max_length=100, widget=forms.HiddenInput)
    note = forms.CharField(label=_("What you did"), max_length=500, required=False)
