"""The secretariat's view of the members' exchange in the Wagtail admin: recent posts, hidden
ones included, with hide and show again.  Everyone with ``exchange.moderate_post``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exchange import services
from exchange.models import Post
from exchange.selectors import MODERATE_PERMISSION

PER_PAGE = 50
can_moderate = permission_required(MODERATE_PERMISSION, raise_exception=True)


@can_moderate
def post_list(request):
    posts = (
        Post.objects.select_related("organisation", "author", "hidden_by")
        .annotate(comment_count=Count("comments"))
        .order_by("-created_at", "-pk")
    )
    return TemplateResponse(
        request,
        "exchange/admin/posts.html",
        {"page_obj": Paginator(posts, PER_PAGE).get_page(request.GET.get("page"))},
    )


@require_POST
@can_moderate
def post_hide(request, pk: int):
    """Hide (``action=hide``) or show again; back to ``next`` when it is one of our pages."""
    post = get_object_or_404(Post, pk=pk)
    hide = request.POST.get("action") != "unhide"
    post = services.post_set_hidden(post=post, by=request.user, hidden=hide)
    if hide:
        messages.success(request, _("“%(title)s” is hidden from members.") % {"title": post.title})
    else:
        messages.success(
            request, _("“%(title)s” is shown to members again.") % {"title": post.title}
        )
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)  # not redirect(): "abc" is no view name
    return redirect("exchange_admin_posts")
