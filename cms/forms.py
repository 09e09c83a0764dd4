import hashlib

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from lms.models import Field, Municipality, OrganisationGroup
from lms.text import has_invisible_characters


class SearchTextField(forms.CharField):
    """Free text typed into a search or filter box.  Django already refuses NUL (with a message
    that reads oddly in Japanese); this refuses every control character, with a clear message."""

    default_error_messages = {
        "control_characters": _("Remove the invisible control characters from this text."),
    }

    def validate(self, value):
        super().validate(value)
        if has_invisible_characters(value):
            raise ValidationError(
                self.error_messages["control_characters"], code="control_characters"
            )


class FilterChoiceField(forms.ModelChoiceField):
    """A choice from a list, submitted in the URL: anything that is not one of the choices
    (control characters included) is "not one of the available choices" and never queried."""

    def to_python(self, value):
        if isinstance(value, str) and has_invisible_characters(value):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)


class FilterForm(forms.Form):
    """Optional filters submitted with GET, so results can be bookmarked.  Each valid filter
    applies even when another one is invalid (that one is reported and ignored)."""

    # The selects whose options are read from the database and are public content (fields,
    # professions, municipalities): a page may keep them (``choice_lists``, ``use_choices``).
    LISTED_CHOICES: tuple[str, ...] = ()

    @classmethod
    def choice_lists(cls) -> dict[str, list[tuple[str, str]]]:
        """The options of the ``LISTED_CHOICES`` selects, as (value, label) in the active
        language: public content, which a page can keep under the public version
        (``lms.pagecache.kept_for_request``)."""
        return {
            name: [(str(value), str(label)) for value, label in cls.base_fields[name].choices]
            for name in cls.LISTED_CHOICES
        }

    def use_choices(self, choices: dict[str, list[tuple[str, str]]]) -> None:
        """Offer the lists ``choice_lists`` gave (kept by the page) instead of reading them
        again; a choice submitted is still looked up to be validated."""
        for name, options in choices.items():
            self.fields[name].choices = options

    def submitted_key(self) -> str:
        """A short key for the values as the form reads them from the request (not as cleaned:
        it shows them as typed), which with the choices are all its HTML depends on."""
        raw = [self[name].data for name in self.fields] if self.is_bound else None
        return hashlib.sha256(repr(raw).encode()).hexdigest()[:32]

    def valid_filters(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in self.errors and value not in (None, "")
        }

    def query_string(self) -> str:
        """The valid filters as they were submitted, for pagination links."""
        return urlencode({name: self[name].value() for name in self.valid_filters()})


def field_filter() -> FilterChoiceField:
    """A choice of field (分野) by slug, shared by the directory and case-study filters."""
    return FilterChoiceField(
        label=_("Field"),
        queryset=Field.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All fields"),
    )


def municipality_filter(*, label=None) -> FilterChoiceField:
    """A choice of municipality by id: cities and towns in the prefecture's order, with Kobe's
    wards ("神戸市 中央区") right after Kobe.  Selectors treat choosing Kobe as Kobe and its wards."""
    return FilterChoiceField(
        label=label or _("Municipality"),
        queryset=Municipality.objects.select_related("parent").order_by(
            Coalesce("parent__sort_order", "sort_order"),
            F("parent").asc(nulls_first=True),
            "sort_order",
            "code",
        ),
        required=False,
        empty_label=_("Anywhere in Hyogo"),
    )


class DirectoryFilterForm(FilterForm):
    """Filters for the organisation directory."""

    q = SearchTextField(label=_("Keyword"), max_length=100, required=False)
    group = FilterChoiceField(
        label=_("Organisation group"),
        queryset=OrganisationGroup.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All groups"),
    )
    field = field_filter()
    municipality = municipality_filter()


class CaseStudyFilterForm(FilterForm):
    field = field_filter()


class SearchForm(forms.Form):
    q = SearchTextField(label=_("Search the site"), max_length=100, required=False)
