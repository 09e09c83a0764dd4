"""Build the POST data a browser would send back for a Wagtail admin form, inline rows
(and their own nested rows) included, so tests can change a field or two and save."""


def _field_value(bound_field):
    value = bound_field.value()
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, (list, tuple)):
        return [str(getattr(item, "pk", item)) for item in value]
    return "" if value is None else value


def admin_form_data(form, prefix: str = "") -> dict:
    """Every field of ``form`` and of its formsets, as posted; empty values left out."""
    data = {}
    for name, field in form.fields.items():
        if hasattr(field, "formsets"):
            continue
        data[f"{prefix}{name}"] = _field_value(form[name])
    for formset_name, formset in getattr(form, "formsets", {}).items():
        formset_prefix = f"{prefix}{formset_name}"
        data.update(
            {
                f"{formset_prefix}-{key}": value
                for key, value in formset.management_form.initial.items()
            }
        )
        for index, sub in enumerate(formset.forms):
            data.update(admin_form_data(sub, prefix=f"{formset_prefix}-{index}-"))
    return {key: value for key, value in data.items() if value not in ("", [])}
