"""Forms for volunteers: the public sign-up in three short steps (also used, as one form, by
staff entering a paper card) and the coordinators' forms."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from cms.forms import FilterForm, SearchTextField, field_filter, municipality_filter
from lms.adapters import EMAIL_MAX_LENGTH
from lms.forms import HoneypotMixin, NameFieldsMixin, PlainTextField, ValuesModelChoiceField
from lms.models import AVAILABILITY_FLAGS, AvailabilityFlag, Field, User
from lms.text import has_invisible_characters
from volunteers.models import AgeBand, Frequency, InsuranceStatus, Stage

TEXT_LIMIT = 2000


class AboutYouForm(HoneypotMixin, NameFieldsMixin):
    """Step 1: who you are and how to reach you."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=EMAIL_MAX_LENGTH,
        help_text=_("We send a link to this address to confirm it is yours."),
        error_messages={
            "invalid": _("Please check the email address (for example: hanako@example.jp).")
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone number (optional)"),
        max_length=30,
        required=False,
        help_text=_("Only if you would like us to call you. e.g. 078-123-4567"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
    )
    municipality = municipality_filter(label=_("Where you live"))
    age_band = forms.ChoiceField(
        label=_("Age"),
        choices=AgeBand.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose your age.")},
    )

    def __init__(self, *args, with_email: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].required = True
        self.fields["municipality"].empty_label = _("Please choose")
        self.fields["municipality"].error_messages["required"] = _(
            "Please choose the city or town where you live."
        )
        self.fields["full_name"].error_messages["required"] = _("Please enter your name.")
        self.fields["full_name_kana"].error_messages["required"] = _(
            "Please enter your name in kana."
        )
        self.fields["email"].error_messages["required"] = _("Please enter your email address.")
        if not with_email:
            del self.fields["email"]

    def clean_phone(self) -> str:
        from volunteers.selectors import phone_key

        value = " ".join(self.cleaned_data["phone"].split())
        if has_invisible_characters(value):
            raise forms.ValidationError(_("This contains characters that cannot be used."))
        digits = phone_key(value)
        if value and not 10 <= len(digits) <= 11:
            raise forms.ValidationError(
                _("Please check the phone number: it should have 10 or 11 digits.")
            )
        return value


class WhatYouWouldLikeForm(HoneypotMixin):
    """Step 2: what you would like to do and when."""

    fields_of_interest = forms.ModelMultipleChoiceField(
        label=_("What would you like to help with?"),
        queryset=Field.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Choose as many as you like."),
    )
    availability = forms.MultipleChoiceField(
        label=_("When can you help?"),
        choices=AvailabilityFlag.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    frequency = forms.ChoiceField(
        label=_("How often?"),
        choices=Frequency.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    skills = PlainTextField(
        label=_("Skills and experience (optional)"),
        max_length=TEXT_LIMIT,
        help_text=_("For example: cooking, driving, caring for a family member, computers."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    motivation = PlainTextField(
        label=_("Why would you like to volunteer? (optional)"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    heard_from = PlainTextField(
        label=_("How did you hear about us? (optional)"),
        max_length=200,
        help_text=_("For example: the town newsletter, a friend, the social welfare council."),
    )
    insurance = forms.ChoiceField(
        label=_("Volunteer activity insurance (ボランティア活動保険)"),
        choices=InsuranceStatus.choices,
        widget=forms.RadioSelect,
        initial=InsuranceStatus.UNKNOWN,
        help_text=_("It covers you while you volunteer. We can help you take it out."),
        error_messages={"required": _("Please choose one.")},
    )


class ConsentForm(HoneypotMixin):
    """Step 3: consent to the purpose of use and the privacy policy, and (for people without
    an account) a password."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters. Not only numbers, and not like your name or email."),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    accept_purpose = forms.BooleanField(
        label=_("I agree to my information being used for the purposes above."),
        error_messages={
            "required": _("To sign up, please tick the box to agree to the purpose of use.")
        },
    )
    accept_privacy = forms.BooleanField(
        label=_("I have read the privacy policy and agree to it."),
        error_messages={"required": _("To sign up, please agree to the privacy policy.")},
    )

    def __init__(self, *args, with_password: bool = True, user_facts: dict | None = None, **kw):
        super().__init__(*args, **kw)
        self.user_facts = user_facts or {}
        if not with_password:
            del self.fields["password1"], self.fields["password2"]

    def clean(self):
        cleaned = super().clean()
        if "password1" not in self.fields:
            return cleaned
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are different. Please type again."))
        elif first:
            try:
                password_validation.validate_password(first, User(**self.user_facts))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


def profile_data(about: dict, wishes: dict) -> dict:
    """The cleaned answers of steps 1 and 2 as the volunteer_register ``data``."""
    availability = set(wishes.get("availability") or [])
    return {
        "phone": about.get("phone", ""),
        "municipality": about["municipality"],
        "age_band": about["age_band"],
        "fields": list(wishes.get("fields_of_interest") or []),
        **{flag: flag in availability for flag in AVAILABILITY_FLAGS},
        "frequency": wishes.get("frequency", ""),
        "skills": wishes.get("skills", ""),
        "motivation": wishes.get("motivation", ""),
        "heard_from": wishes.get("heard_from", ""),
        "insurance": wishes.get("insurance") or InsuranceStatus.UNKNOWN,
    }


class StaffEntryForm(AboutYouForm, WhatYouWouldLikeForm):
    """A coordinator enters a paper sign-up card: the same questions on one page, email
    optional (many people at a counter have none), consent given on paper."""

    consent_on_paper = forms.BooleanField(
        label=_("The person signed the consent on the paper form"),
        error_messages={"required": _("Staff can enter a person only with their signed consent.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields[self.honeypot_field]  # no honeypot for staff: is_bot() is then False
        self.fields["email"].required = False
        self.fields["email"].label = _("Email address (if the person has one)")
        self.fields["email"].help_text = ""


class VolunteerFilterForm(FilterForm):
    # Public content, kept by the list (the coordinators are people: read each time).
    LISTED_CHOICES = ("municipality", "field")

    q = SearchTextField(label=_("Name, ふりがな or email"), max_length=100, required=False)
    stage = forms.ChoiceField(
        label=_("Stage"), choices=[("", _("All stages"))] + Stage.choices, required=False
    )
    municipality = municipality_filter()
    field = field_filter()
    availability = forms.ChoiceField(
        label=_("Available"),
        choices=[("", _("Any time")), *AvailabilityFlag.choices],
        required=False,
    )
    # Staff as plain values (name as ``get_full_name`` gives it), in one query.
    coordinator = ValuesModelChoiceField(
        label=_("Coordinator"),
        queryset=User.objects.filter(is_staff=True, is_active=True),
        required=False,
        empty_label=_("Anyone"),
        label_fields=User.NAME_FIELDS,
        label_format=User.name_shown,
    )


class BulkActionForm(forms.Form):
    """What to do with the people ticked in the list."""

    ACTIONS = [
        ("move", _("Move to stage")),
        ("enrol", _("Enrol in a run")),
        ("message", _("Send a message")),
    ]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    profiles = forms.ModelMultipleChoiceField(
        queryset=None,
        widget=forms.MultipleHiddenInput,
        error_messages={"required": _("Tick at least one person first.")},
    )
    to_stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices, required=False)
    # As CourseRun.__str__ reads, from values: hundreds of runs are listed.
    run = ValuesModelChoiceField(
        label=_("Run"),
        queryset=None,
        required=False,
        label_fields=("course__title", "title"),
        label_format="{} {}",
    )
    note = forms.CharField(label=_("Note for the history"), max_length=500, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=150, required=False)
    body = forms.CharField(
        label=_("Message"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, profiles, runs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profiles"].queryset = profiles
        self.fields["run"].queryset = runs

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action == "move" and not cleaned.get("to_stage"):
            self.add_error("to_stage", _("Choose the stage to move them to."))
        if action == "enrol" and not cleaned.get("run"):
            self.add_error("run", _("Choose the run to enrol them in."))
        if action == "message" and not (
            cleaned.get("subject", "").strip() and cleaned.get("body", "").strip()
        ):
            self.add_error("body", _("Write a subject and a message."))
        return cleaned


class StageMoveForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Move to stage"), choices=Stage.choices)
    note = forms.CharField(label=_("Why (kept in the history)"), max_length=500, required=False)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Staff note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Never shown on the volunteer's pages. It is included if the person asks for a copy "
            "of their data (APPI), so write facts only."
        ),
    )


class HoursForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=24 * 60)
    activity = forms.CharField(label=_("Activity"), max_length=200)


class CoordinatorForm(forms.Form):
    coordinator = forms.ModelChoiceField(
        label=_("Coordinator"),
        queryset=User.objects.filter(is_staff=True, is_active=True),
        required=False,
        empty_label=_("None"),
    )


class NominationForm(forms.Form):
    reason = forms.CharField(
        label=_("Why this person could lead"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    organisation = forms.CharField(
        label=_("Nominated by an organisation (optional)"), max_length=150, required=False
    )


class InviteToProgrammeForm(forms.Form):
    run = forms.ModelChoiceField(label=_("Leader-programme run"), queryset=None)

    def __init__(self, *args, runs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["run"].queryset = runs
