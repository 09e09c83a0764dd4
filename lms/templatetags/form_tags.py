"""Template helpers that render form widgets accessibly."""

from django import template

register = template.Library()


@register.simple_tag
def accessible_widget(field):
    """Render ``field``'s widget tied to its help text and errors (aria-describedby, aria-invalid),
    so screen readers announce why an input was refused."""
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    attrs = {}
    if field.errors:
        described_by.insert(0, f"{field.auto_id}_errors")
        attrs["aria-invalid"] = "true"
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


@register.filter
def is_choice_group(field) -> bool:
    """Radio buttons and lists of checkboxes: rendered as a fieldset with a legend."""
    from django.forms import CheckboxSelectMultiple, RadioSelect

    return isinstance(field.field.widget, (RadioSelect, CheckboxSelectMultiple))
