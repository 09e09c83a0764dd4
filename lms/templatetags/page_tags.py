"""Tags for Wagtail pages' templates."""

from django import template

from lms.pageserving import ancestors_for_breadcrumbs

register = template.Library()


@register.simple_tag(takes_context=True)
def breadcrumb_ancestors(context) -> list:
    """The current page's ancestors below the root, home page first (see
    ``lms.pageserving.ancestors_for_breadcrumbs``)."""
    return ancestors_for_breadcrumbs(context.get("request"), context["page"])
