"""``{% surveys_prompt %}``: the signed-in person's surveys still to answer (on My learning)."""

from django import template

from surveys import selectors

register = template.Library()


@register.inclusion_tag("surveys/includes/prompt.html", takes_context=True)
def surveys_prompt(context) -> dict:
    """The person's unanswered invitations with a link to each (one query; none for a
    visitor or a page rendered without a request)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    invitations = selectors.invitation_list_open_for_user(user=user) if user else []
    return {"invitations": invitations}
