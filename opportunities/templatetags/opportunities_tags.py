"""The organisation dashboard's opportunities section (the dashboard view belongs to the
organisations app, so the section fetches its own list: one query)."""

from django import template

from opportunities.selectors import opportunity_list_for_organisation

register = template.Library()


@register.simple_tag
def organisation_opportunities(organisation):
    return opportunity_list_for_organisation(organisation=organisation)
