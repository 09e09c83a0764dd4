"""The members' exchange at /members/: the list of notices and posts, one post with its
comments and files, posting and editing, notices from the secretariat, the digest choice and
the one-click unsubscribe.  Anonymous visitors are asked to sign in; signed-in people who are
neither members of a partner organisation nor the secretariat get a page explaining the area
(403); posts that do not exist or are hidden are "not found"."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exchange import selectors, services
from exchange.forms import (
    CommentForm,
    DigestPreferenceForm,
    ExchangeFilterForm,
    NoticeForm,
    PostForm,
)

PER_PAGE = 20


def members_area(view):
    """Sign-in first; then only members of a partner organisation and the secretariat.  The
    view gets the person's ``Access`` as its second argument."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        access = selectors.access_for(user=request.user)
        if not access.allowed:
            return TemplateResponse(request, "exchange/members_only.html", {}, status=403)
        return view(request, access, *args, **kwargs)

    return login_required(wrapper)


def _bound(request) -> tuple:
    """Form data for a POST (an unticked box alone sends nothing, yet is an answer)."""
    if request.method == "POST":
        return request.POST, request.FILES
    return None, None


def _add_errors(form, error: Exception) -> None:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    elif isinstance(error, ValidationError):
        form.add_error(None, error.messages)
    else:
        form.add_error(None, str(error))


@members_area
def post_list(request, access):
    """Notices from the secretariat (first page only), then posts newest first, with filters."""
    form = ExchangeFilterForm(request.GET or None)
    page = Paginator(selectors.post_list(access=access, **form.valid_filters()), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return TemplateResponse(
        request,
        "exchange/list.html",
        {
            "access": access,
            "form": form,
            "page_obj": page,
            "query_string": form.query_string(),
            "filtered": bool(form.valid_filters()),
            "notices": selectors.notices_recent() if page.number == 1 else [],
        },
    )


@members_area
def post_detail(request, access, pk: int):
    return _detail_page(request, access, selectors.post_for_reading(access=access, pk=pk))


def _detail_page(request, access, post, comment_form: CommentForm | None = None):
    return TemplateResponse(
        request,
        "exchange/post_detail.html",
        {
            "access": access,
            "post": post,
            "can_edit": access.can_edit(post),
            "comment_form": comment_form or CommentForm(),
        },
        status=400 if comment_form is not None else 200,
    )


@members_area
def post_new(request, access):
    """Members post for one of their organisations (the secretariat, not being one, cannot)."""
    if not access.memberships:
        raise Http404
    form = PostForm(*_bound(request), organisations=access.organisations)
    if request.method == "POST" and form.is_valid():
        try:
            post = services.post_create(
                organisation=form.cleaned_data["organisation"],
                author=request.user,
                data=form.post_data(),
                uploads=form.uploads(),
            )
        except (services.ExchangeError, ValidationError) as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Your post is shared with the members."))
            return redirect("exchange:post", pk=post.pk)
    return _post_form(request, form, post=None)


@members_area
def post_edit(request, access, pk: int):
    post = selectors.post_for_editing(access=access, pk=pk)
    form = PostForm(*_bound(request), post=post)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_update(
                post=post,
                by=request.user,
                data=form.post_data(),
                remove=form.cleaned_data.get("remove") or [],
                uploads=form.uploads(),
            )
        except (services.ExchangeError, ValidationError) as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("exchange:post", pk=post.pk)
    return _post_form(request, form, post=post)


def _post_form(request, form: PostForm, *, post):
    return TemplateResponse(
        request,
        "exchange/post_form.html",
        {"form": form, "post": post, "files_chosen": bool(request.FILES)},
        status=400 if form.is_bound and form.errors else 200,
    )


@members_area
def post_delete(request, access, pk: int):
    """A page asking to confirm; the deletion itself is a POST."""
    post = selectors.post_for_editing(access=access, pk=pk)
    if request.method == "POST":
        try:
            services.post_delete(post=post, by=request.user)
        except services.ExchangeError as error:
            messages.error(request, str(error))
            return redirect("exchange:post", pk=post.pk)
        messages.success(request, _("The post is deleted."))
        return redirect("exchange:list")
    return TemplateResponse(request, "exchange/post_delete.html", {"post": post})


@require_POST
@members_area
def comment(request, access, pk: int):
    post = selectors.post_for_reading(access=access, pk=pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, access, post, comment_form=form)
    try:
        created = services.comment_add(
            post=post, author=request.user, body=form.cleaned_data["body"]
        )
    except (services.ExchangeError, ValidationError) as error:
        _add_errors(form, error)
        return _detail_page(request, access, post, comment_form=form)
    messages.success(request, _("Your comment is posted."))
    return redirect(reverse("exchange:post", args=[post.pk]) + f"#comment-{created.pk}")


@members_area
def attachment_download(request, access, pk: int):
    """The file, after checking on every download that the person may read its post.  Always
    a download (never shown in the browser), with the original name."""
    attachment = selectors.attachment_for_download(access=access, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@members_area
def notice_detail(request, access, pk: int):
    return TemplateResponse(
        request, "exchange/notice_detail.html", {"notice": selectors.notice_for_reading(pk=pk)}
    )


@members_area
def notice_new(request, access):
    """The secretariat writes to every member (``exchange.add_notice``)."""
    if not access.notices:
        raise Http404
    form = NoticeForm(*_bound(request)[:1])
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.notice_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The notice is published to the members."))
            return redirect("exchange:notice", pk=notice.pk)
    return TemplateResponse(
        request,
        "exchange/notice_form.html",
        {"form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@members_area
def preferences(request, access):
    form = DigestPreferenceForm(
        *_bound(request)[:1],
        initial={"weekly_digest": selectors.my_digest_preference(user=request.user)},
    )
    if request.method == "POST" and form.is_valid():
        services.digest_preference_set(user=request.user, weekly=form.cleaned_data["weekly_digest"])
        messages.success(request, _("Saved."))
        return redirect("exchange:preferences")
    return TemplateResponse(
        request, "exchange/preferences.html", {"form": form, "is_member": bool(access.memberships)}
    )


def unsubscribe(request, token: str):
    """The link in every digest: no sign-in needed.  The link shows a button; pressing it
    (a POST, so mail scanners following links change nothing) turns the digest off."""
    person = services.user_for_unsubscribe_token(token)
    if person is None:
        return TemplateResponse(request, "exchange/unsubscribe.html", {"invalid": True}, status=400)
    done = False
    if request.method == "POST":
        services.digest_preference_set(user=person, weekly=False)
        done = True
    return TemplateResponse(
        request, "exchange/unsubscribe.html", {"invalid": False, "done": done, "token": token}
    )
