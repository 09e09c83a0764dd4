"""Admin form checks that span a run and its inline rows (Wagtail validates each row alone)."""

from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminModelForm


class CourseRunForm(WagtailAdminModelForm):
    """Reserved seats must fit in the run, and a profession may belong to one group only,
    otherwise nobody could tell which reserved seats a person takes."""

    def clean(self):
        cleaned_data = super().clean()
        pools = self.formsets.get("seat_pools")
        if pools is None or not pools.is_valid():
            return cleaned_data
        rows = [
            form
            for form in pools.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        reserved = sum(form.cleaned_data.get("seats") or 0 for form in rows)
        capacity = cleaned_data.get("capacity")
        if capacity is not None and reserved > capacity:
            self.add_error(
                "capacity",
                _("The reserved seats (%(reserved)d) are more than the seats of the run.")
                % {"reserved": reserved},
            )
        seen: dict[int, str] = {}
        for form in rows:
            for profession in form.cleaned_data.get("professions") or []:
                if profession.pk in seen:
                    form.add_error(
                        "professions",
                        _("%(profession)s is already in “%(group)s”.")
                        % {"profession": profession, "group": seen[profession.pk]},
                    )
                else:
                    seen[profession.pk] = form.cleaned_data.get("name", "")
        return cleaned_data
