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
