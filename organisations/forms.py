"""Forms for partner organisations: the public application to join, invitations and roles."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cms.forms import municipality_filter
from lms.forms import HoneypotMixin, PlainTextField
from lms.models import Field, Municipality, OrganisationType
from organisations.models import MemberRole


class ApplicationForm(HoneypotMixin):
    """The public application to join (参加申込).  Its honeypot is ``nickname`` (the
    organisation has a real website field)."""

    honeypot_field = "nickname"

    # Free text is PlainTextField: invisible control characters are refused (the name and
    # address end up in the public directory).
    name = PlainTextField(label=_("Organisation name"), max_length=150, required=True)
    name_kana = PlainTextField(label=_("Name in kana (optional)"), max_length=150)
    organisation_type = forms.ModelChoiceField(
        label=_("Type of organisation"),
        queryset=OrganisationType.objects.select_related("group").order_by(
            "group__sort_order", "sort_order"
        ),
        empty_label=_("Please choose"),
        error_messages={"required": _("Please choose the type of organisation.")},
    )
    fields = forms.ModelMultipleChoiceField(
        label=_("Fields (分野)"),
        queryset=Field.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    municipality = municipality_filter(label=_("Where the organisation is"))
    municipalities_served = forms.ModelMultipleChoiceField(
        label=_("Municipalities served (optional)"),
        queryset=Municipality.objects.filter(parent__isnull=True).order_by("sort_order", "code"),
        required=False,
        help_text=_("Hold Ctrl (or ⌘) to choose several."),
    )
    address = PlainTextField(label=_("Address"), max_length=255, required=True)
    website = forms.URLField(
        label=_("Website (optional)"),
        required=False,
        assume_scheme="https",
        error_messages={"invalid": _("Please check the address (it starts with https://).")},
    )
    contact_name = PlainTextField(label=_("Contact person"), max_length=100, required=True)
    contact_email = forms.EmailField(
        label=_("Contact email"),
        error_messages={
            "invalid": _("Please check the email address (for example: info@example.jp).")
        },
    )
    contact_phone = PlainTextField(label=_("Contact phone (optional)"), max_length=30)
    wants = PlainTextField(
        label=_("What would you like from the platform?"),
        max_length=2000,
        required=True,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    accept_terms = forms.BooleanField(
        label=_("We agree to the platform's terms of participation."),
        error_messages={"required": _("To apply, please agree to the terms of participation.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].required = True
        self.fields["municipality"].empty_label = _("Please choose")
        self.fields["municipality"].error_messages["required"] = _(
            "Please choose the municipality."
        )

    def application_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("accept_terms", None)
        data.pop(self.honeypot_field, None)
        return data


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's email address"))
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.MEMBER)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("approve", _("Approve")),
            ("ask", _("Ask for more information")),
            ("decline", _("Decline")),
        ]
    )
    message = forms.CharField(
        label=_("Message to the applicant"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NominationForm(forms.Form):
    email = forms.EmailField(label=_("The volunteer's email address"))
    reason = forms.CharField(
        label=_("Why this person could lead community activities"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
