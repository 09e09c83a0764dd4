"""Forms for an organisation's own directory entry (issue #12, item 3): its activities
(つながりづくりの場), its profile, and the residents' activity finder.

The organisation's forms are plain forms, not model forms: what they produce is a JSON-ready
dict (``activity_data`` / ``profile_data``) that the services store as a version and apply to
the row only when the rules allow, so a form never changes a live activity by itself."""

from __future__ import annotations

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from cms.forms import FilterForm, SearchTextField, field_filter, municipality_filter
from cms.models import Activity, Organisation
from lms.forms import PlainTextField
from lms.models import Field, Municipality

# ISO weekday numbers, as stored in Activity.weekdays ("2,6" = Tuesday and Saturday); the
# labels are Django's own translated day names (月曜日 … 日曜日).
WEEKDAY_CHOICES = [(str(number), WEEKDAYS[number - 1]) for number in range(1, 8)]
DESCRIPTION_LIMIT = 2000

# The activity's fields an organisation edits, in the order they are shown everywhere.
ACTIVITY_FIELDS = [
    "title",
    "description",
    "place",
    "municipality",
    "is_online",
    "weekdays",
    "schedule",
    "audience",
    "cost",
    "accessibility",
    "contact",
]


def weekday_labels(weekdays: str) -> list[str]:
    """The day names of a stored ``weekdays`` value ("2,6" → 火曜日, 土曜日); unknown numbers
    are left out."""
    names = dict(WEEKDAY_CHOICES)
    return [str(names[day]) for day in weekdays.split(",") if day in names]


def _text(limit: int, label, *, required: bool = False, help_text="", rows: int = 0):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput
    return PlainTextField(
        label=label, max_length=limit, required=required, help_text=help_text, widget=widget
    )


def _limit(name: str) -> int:
    return Activity._meta.get_field(name).max_length


class ActivityForm(forms.Form):
    """What, for whom, where, when, cost, accessibility and whom to contact."""

    title = _text(_limit("title"), _("Name of the activity"), required=True)
    description = _text(
        DESCRIPTION_LIMIT,
        _("What happens"),
        rows=5,
        help_text=_("What people do there and what it is like to join for the first time."),
    )
    place = _text(
        _limit("place"), _("Where"), help_text=_("The name of the place, e.g. 中央区民センター")
    )
    municipality = municipality_filter(label=_("Municipality"))
    is_online = forms.BooleanField(label=_("Online (people join from home)"), required=False)
    weekdays = forms.MultipleChoiceField(
        label=_("Days it takes place"),
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": _("Please choose days from Monday to Sunday.")},
    )
    schedule = _text(
        _limit("schedule"),
        _("When"),
        help_text=_("e.g. 毎月第2土曜日 10:00〜12:00"),
    )
    audience = _text(
        _limit("audience"),
        _("Who it is for"),
        help_text=_("e.g. 子育て中の方, 高齢の方, どなたでも"),
    )
    cost = _text(_limit("cost"), _("Cost"), help_text=_("e.g. 無料, 1回100円"))
    accessibility = _text(
        _limit("accessibility"),
        _("Accessibility"),
        help_text=_("e.g. step-free entrance, accessible toilet, hearing loop"),
    )
    contact = _text(
        _limit("contact"),
        _("Contact"),
        help_text=_("Whom to ask and how: a phone number or an email address."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].empty_label = _("Please choose")

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("municipality") and not cleaned.get("is_online"):
            if "municipality" not in self.errors:
                self.add_error(
                    "municipality",
                    _("Please choose the municipality, or tick “Online” if people join from home."),
                )
        return cleaned

    def activity_data(self) -> dict:
        """The submitted activity as JSON-ready values (the municipality by id, the days as
        "2,6"): what a version stores and the services apply."""
        data = {name: self.cleaned_data[name] for name in ACTIVITY_FIELDS}
        municipality = data["municipality"]
        data["municipality"] = municipality.pk if municipality else None
        data["weekdays"] = ",".join(sorted(set(data["weekdays"])))
        return data


def activity_initial(data: dict) -> dict:
    """Initial values for ``ActivityForm`` from version data or ``activity_values``."""
    initial = {name: data.get(name, "") for name in ACTIVITY_FIELDS}
    initial["weekdays"] = [day for day in (data.get("weekdays") or "").split(",") if day]
    initial["is_online"] = bool(data.get("is_online"))
    return initial


def activity_values(activity: Activity) -> dict:
    """An activity's current content in the shape of ``ActivityForm.activity_data``."""
    values = {name: getattr(activity, name) for name in ACTIVITY_FIELDS if name != "municipality"}
    values["municipality"] = activity.municipality_id
    return values


def activity_field_labels() -> dict[str, str]:
    return {name: field.label for name, field in ActivityForm.base_fields.items()}


class ProfileForm(forms.Form):
    """The organisation's directory profile.  Its name, type, slug, listing and trust are the
    secretariat's to change, so they are not here."""

    description = _text(
        DESCRIPTION_LIMIT,
        _("About the organisation"),
        rows=6,
        help_text=_("What you do and whom you support, in a few sentences."),
    )
    address = _text(Organisation._meta.get_field("address").max_length, _("Address"))
    website = forms.URLField(
        label=_("Website"),
        required=False,
        assume_scheme="https",
        max_length=Organisation._meta.get_field("website").max_length,
        error_messages={"invalid": _("Please check the address (it starts with https://).")},
    )
    public_email = forms.EmailField(
        label=_("Public contact email"),
        required=False,
        error_messages={
            "invalid": _("Please check the email address (for example: info@example.jp).")
        },
    )
    public_phone = _text(
        Organisation._meta.get_field("public_phone").max_length, _("Public contact phone")
    )
    fields = forms.ModelMultipleChoiceField(
        label=_("Fields (分野)"),
        queryset=Field.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    municipalities_served = forms.ModelMultipleChoiceField(
        label=_("Municipalities served"),
        queryset=Municipality.objects.filter(parent__isnull=True).order_by("sort_order", "code"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    @classmethod
    def initial_for(cls, organisation: Organisation) -> dict:
        return {
            "description": organisation.description,
            "address": organisation.address,
            "website": organisation.website,
            "public_email": organisation.public_email,
            "public_phone": organisation.public_phone,
            "fields": list(organisation.fields.values_list("pk", flat=True)),
            "municipalities_served": list(
                organisation.municipalities_served.values_list("pk", flat=True)
            ),
        }

    def profile_data(self) -> dict:
        """The submitted profile as JSON-ready values (fields and municipalities by id)."""
        data = dict(self.cleaned_data)
        data["fields"] = sorted(item.pk for item in data["fields"])
        data["municipalities_served"] = sorted(item.pk for item in data["municipalities_served"])
        return data


class ActivityFilterForm(FilterForm):
    """The residents' finder: where, what field, which day, for whom, and a keyword."""

    municipality = municipality_filter(label=_("Where"))
    field = field_filter()
    day = forms.ChoiceField(
        label=_("Day of the week"),
        choices=[("", _("Any day"))] + WEEKDAY_CHOICES,
        required=False,
    )
    audience = SearchTextField(
        label=_("Who it is for"),
        max_length=100,
        required=False,
        help_text=_("e.g. 子ども, 高齢, 子育て"),
    )
    q = SearchTextField(label=_("Keyword"), max_length=100, required=False)


class ReviewNoteForm(forms.Form):
    """Staff's note to the organisation when a version is not published."""

    note = PlainTextField(
        label=_("Note to the organisation"),
        max_length=500,
        required=True,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Please tell the organisation why, so they can change it.")},
        help_text=_("Why it was not published and what to change; the organisation sees this."),
    )
