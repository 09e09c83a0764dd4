from django import forms
from django.utils.translation import gettext_lazy as _

from lms.models import Field, Municipality, OrganisationGroup


class DirectoryFilterForm(forms.Form):
    """Filters for the organisation directory; submitted with GET so results can be bookmarked."""

    q = forms.CharField(label=_("Keyword"), max_length=100, required=False)
    group = forms.ModelChoiceField(
        label=_("Organisation group"),
        queryset=OrganisationGroup.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All groups"),
    )
    field = forms.ModelChoiceField(
        label=_("Field"),
        queryset=Field.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All fields"),
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.filter(parent__isnull=True),
        required=False,
        empty_label=_("Anywhere in Hyogo"),
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search the site"), max_length=100, required=False)
