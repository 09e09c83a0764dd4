"""Forms for people's own accounts (sign-up additions and profile editing) and the form
helpers other apps share: name fields, the honeypot."""

import re
import unicodedata
from collections.abc import Callable

from django import forms
from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from lms.links import privacy_policy_url
from lms.models import Municipality, OrganisationGroup, Profession, User
from lms.text import has_invisible_characters

# Hiragana, katakana (incl. prolonged sound mark), and separators people type between names.
_KANA_RE = re.compile(r"^[\u3041-\u3096\u309D\u309F\u30A1-\u30FA\u30FC-\u30FF\s・]+$")


# CJK compatibility ideographs (e.g. 塚 U+FA10) are distinct forms people use in their own names;
# NFKC would silently replace them with the unified character, so they are left as typed.
_COMPAT_IDEOGRAPHS = re.compile(r"([\uF900-\uFAFF\U0002F800-\U0002FA1F]+)")


def normalise_name(value: str) -> str:
    """Half-width katakana become full-width and odd spaces are squeezed (NFKC), while every
    kanji, including compatibility variants, stays exactly as the person typed it."""
    parts = _COMPAT_IDEOGRAPHS.split(value or "")
    value = "".join(
        part if index % 2 else unicodedata.normalize("NFKC", part)
        for index, part in enumerate(parts)
    )
    return " ".join(value.split())


def clean_kana(value: str) -> str:
    value = normalise_name(value)
    if value and not _KANA_RE.match(value):
        raise forms.ValidationError(
            _("Please write your name in hiragana or katakana (for example: ひょうご はなこ).")
        )
    return value


class NameFieldsMixin(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=100,
        help_text=_("As you would like it on certificates, e.g. 兵庫 花子"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    full_name_kana = forms.CharField(
        label=_("Full name in kana"),
        max_length=100,
        help_text=_("In hiragana or katakana, e.g. ひょうご はなこ"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_full_name(self) -> str:
        value = normalise_name(self.cleaned_data["full_name"])
        if not value:
            raise forms.ValidationError(_("Please enter your name."))
        if has_invisible_characters(value):
            raise forms.ValidationError(_("Your name contains characters that cannot be used."))
        return value

    def clean_full_name_kana(self) -> str:
        return clean_kana(self.cleaned_data["full_name_kana"])


class HoneypotMixin(forms.Form):
    """A field people never see or fill (the template hides it, from screen readers too); bots
    that fill every input give themselves away.  No third-party captcha.

    ``honeypot_field`` is its name in the form and the POST data: a name bots like to fill
    that the form does not use for a real answer (the organisation application has a real
    website field, so its honeypot is ``nickname``).  The view asks ``is_bot()`` before
    validating, and the template renders the field by that name inside a hidden box."""

    honeypot_field = "website"

    honeypot = forms.CharField(
        required=False,
        label=_("Leave this empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Declared as ``honeypot`` so it keeps the mixin's place among the fields; renamed here.
        self.fields = {
            self.honeypot_field if name == "honeypot" else name: field
            for name, field in self.fields.items()
        }

    def is_bot(self) -> bool:
        """True when the honeypot was filled in (a form that removed the field is never a bot)."""
        return self.honeypot_field in self.fields and bool(
            self.data.get(self.add_prefix(self.honeypot_field), "").strip()
        )


class SignupForm(NameFieldsMixin):
    """Extra sign-up fields for django-allauth (email and password come from allauth).

    Consent to the privacy policy is required and recorded with the policy's version and time
    (APPI: personal information is collected only for a stated purpose, with consent)."""

    accept_privacy = forms.BooleanField(
        label=_(
            "I have read the privacy policy and agree to how my personal information is handled."
        ),
        error_messages={"required": _("To sign up, please agree to the privacy policy.")},
    )

    field_order = [
        "email",
        "full_name",
        "full_name_kana",
        "password1",
        "password2",
        "accept_privacy",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accept_privacy"].help_text = format_html(
            '<a href="{}">{}</a>', privacy_policy_url(), _("Read the privacy policy")
        )

    def fill_new_account(self, request, user: User) -> None:
        """This form's fields on the new account, before its one insert
        (``lms.adapters.AccountAdapter.save_user``): saved again after it, the account would be
        a change of a name staff lists show, and every sign-up would make them stale."""
        user.full_name = self.cleaned_data["full_name"]
        user.full_name_kana = self.cleaned_data["full_name_kana"]
        user.preferred_language = (request.LANGUAGE_CODE or "ja")[:2]
        user.privacy_policy_version = settings.PRIVACY_POLICY_VERSION
        user.privacy_consented_at = timezone.now()

    def signup(self, request, user: User) -> None:
        """allauth's hook after the insert: nothing is left to do (``fill_new_account``)."""


# What a person can edit about themselves; staff edit the same in the Wagtail admin.
PROFILE_FIELDS = [
    "full_name",
    "full_name_kana",
    "profession",
    "organisation_name",
    "organisation_group",
    "municipality",
    "preferred_language",
]


class ProfileForm(NameFieldsMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = PROFILE_FIELDS
        labels = {"organisation_name": _("Organisation you belong to (if any)")}

    def clean_organisation_name(self) -> str:
        value = " ".join(self.cleaned_data["organisation_name"].split())
        if has_invisible_characters(value):
            raise forms.ValidationError(_("This contains characters that cannot be used."))
        return value

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profession"].queryset = Profession.objects.all()
        self.fields["municipality"].queryset = Municipality.objects.select_related("parent")
        self.fields["organisation_group"].queryset = OrganisationGroup.objects.all()
        for name in ("profession", "organisation_group", "municipality"):
            self.fields[name].required = False


class WithdrawForm(forms.Form):
    """Confirms a person really wants their account deleted: they type their password."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand that my account and personal information will be deleted and cannot be restored."
        ),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."))
        return password


class _ValuesChoiceIterator(forms.models.ModelChoiceIterator):
    """Options from one ``values_list`` query instead of model instances."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        label = self.field.label_format
        if isinstance(label, str):
            label = label.format
        for pk, *parts in self.queryset.values_list("pk", *self.field.label_fields):
            yield (pk, label(*parts))


class ValuesModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField for long lists whose options are built from plain values: rendering
    hundreds of course runs as instances (each with its Wagtail course page) was most of the
    volunteer list's time.  The chosen value is still looked up in the queryset.

    :param label_fields: the values each option's label is made of, e.g. ``("course__title",
        "title")``; ``label_format`` puts them together (``"{} {}"``, or a function of them
        such as ``User.name_shown``), as ``__str__`` would.
    """

    iterator = _ValuesChoiceIterator

    def __init__(
        self,
        *args,
        label_fields: tuple[str, ...],
        label_format: str | Callable[..., str],
        **kwargs,
    ):
        self.label_fields, self.label_format = label_fields, label_format
        super().__init__(*args, **kwargs)


class PlainTextField(forms.CharField):
    """Free text a resident writes: length limited with a message saying how much to cut,
    invisible control characters refused."""

    def __init__(self, *, max_length: int, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(max_length=max_length, **kwargs)
        # NUL is refused below like every other control character, with the same message:
        # Django's own validator says "Null characters are not allowed" (in Japanese, "please
        # enter some characters"), which misleads someone who did type text.
        self.validators = [
            v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]
        self.error_messages["max_length"] = _(
            "Please shorten this to %(limit_value)d characters or fewer (you wrote %(show_value)d)."
        )

    def clean(self, value):
        value = super().clean(value)
        if has_invisible_characters(value.replace("\n", "").replace("\r", "").replace("\t", "")):
            raise forms.ValidationError(_("This contains characters that cannot be used."))
        return value.strip()


# --- Long selects ---------------------------------------------------------------------------


class QuickSelect(forms.Select):
    """Django's ``Select`` written out in Python: the same HTML as its templates give, without
    a template include and an option dict per option.  The list's selects hold hundreds of
    course runs, and rendering them was most of the page's time (issue #9); the catalogue's
    filters list every municipality.  Choices in option groups are left to Django."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        # Read once (a model field's choices are a query); not list(), which asks the
        # queryset for its length first: a COUNT query.
        choices = [choice for choice in self.choices]  # noqa: C416
        if any(isinstance(label, list | tuple) for _value, label in choices):
            return super().render(name, value, attrs, renderer)  # option groups: Django's way
        context = forms.Widget.get_context(self, name, value, attrs)["widget"]
        chosen = set(context["value"])
        parts = [f'<select name="{conditional_escape(name)}"{_attrs_html(context["attrs"])}>']
        has_selected = False
        for option_value, label in choices:
            if option_value is None:
                option_value = ""
            option_value = str(option_value)
            selected = not has_selected and option_value in chosen
            has_selected |= selected
            parts.append(
                f'\n  <option value="{conditional_escape(option_value)}"'
                f"{' selected' if selected else ''}>{conditional_escape(label)}</option>\n"
            )
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


def _attrs_html(attrs: dict) -> str:
    """As ``django/forms/widgets/attrs.html``."""
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def quick_selects(form: forms.Form) -> forms.Form:
    """Render the form's plain selects with ``QuickSelect`` (each form has its own copies of
    the fields and widgets, so this changes nothing elsewhere)."""
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            field.widget.__class__ = QuickSelect
    return form
