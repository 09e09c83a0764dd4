from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(minutes) -> str:
    """Minutes as hours and minutes in the page's language: 3時間30分 / 3 h 30 min."""
    try:
        minutes = int(minutes or 0)
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}
    if hours:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(minutes)d min") % {"minutes": rest}
