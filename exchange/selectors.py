"""Read-side queries for the members' exchange: who may enter (members of any partner
organisation, and the secretariat), the list with its filters, one post with its comments
and files, what each person's weekly digest holds, and a person's own data.  Every page costs
a fixed number of queries, whatever the number of posts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.http import Http404

from cms.models import Organisation
from exchange.models import Attachment, Comment, DigestPreference, DigestSent, Notice, Post
from lms.models import User
from organisations.models import MemberRole, Membership

VIEW_PERMISSION = "exchange.view_post"
MODERATE_PERMISSION = "exchange.moderate_post"
NOTICE_PERMISSION = "exchange.add_notice"
NOTICES_SHOWN = 5
# A first digest, or one after a long pause, looks back this far at most.
DIGEST_FIRST_WINDOW = dt.timedelta(days=7)
DIGEST_LONGEST_WINDOW = dt.timedelta(days=28)


@dataclass(frozen=True)
class Access:
    """What one signed-in person may do in the exchange, worked out once per request."""

    memberships: tuple[Membership, ...]
    secretariat: bool
    moderator: bool
    notices: bool

    @property
    def allowed(self) -> bool:
        return bool(self.memberships) or self.secretariat

    @property
    def organisations(self) -> list[Organisation]:
        return [m.organisation for m in self.memberships]

    def can_edit(self, post: Post) -> bool:
        """The author while still a member of the post's organisation, or one of its admins."""
        for membership in self.memberships:
            if membership.organisation_id != post.organisation_id:
                continue
            if membership.role == MemberRole.ADMIN or post.author_id == membership.user_id:
                return True
        return False


def access_for(*, user) -> Access:
    """The person's memberships (one query) and exchange permissions (cached on the user)."""
    if not user.is_authenticated or not user.is_active:
        return Access(memberships=(), secretariat=False, moderator=False, notices=False)
    memberships = tuple(
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name_kana", "organisation__name")
    )
    return Access(
        memberships=memberships,
        secretariat=user.has_perm(VIEW_PERMISSION),
        moderator=user.has_perm(MODERATE_PERMISSION),
        notices=user.has_perm(NOTICE_PERMISSION),
    )


def _visible(access: Access) -> QuerySet[Post]:
    posts = Post.objects.all()
    return posts if access.moderator else posts.filter(hidden=False)


def post_list(
    *, access: Access, field=None, kind: str | None = None, q: str | None = None
) -> QuerySet[Post]:
    """Posts newest first, filtered by field (分野), kind and words (every word must appear in
    the title, the text or the organisation's name).  Hidden posts only for the secretariat."""
    posts = _visible(access)
    if field is not None:
        posts = posts.filter(fields=field)
    if kind:
        posts = posts.filter(kind=kind)
    for word in (q or "").split():
        posts = posts.filter(
            Q(title__icontains=word)
            | Q(body__icontains=word)
            | Q(organisation__name__icontains=word)
        )
    return (
        posts.select_related("organisation", "author")
        .prefetch_related("fields")
        .annotate(
            comment_count=Count("comments", distinct=True),
            attachment_count=Count("attachments", distinct=True),
        )
        .order_by("-created_at", "-pk")
    )


def notices_recent(*, limit: int = NOTICES_SHOWN) -> list[Notice]:
    return list(Notice.objects.select_related("posted_by").order_by("-created_at", "-pk")[:limit])


def notice_for_reading(*, pk: int) -> Notice:
    notice = Notice.objects.select_related("posted_by").filter(pk=pk).first()
    if notice is None:
        raise Http404
    return notice


def post_for_reading(*, access: Access, pk: int) -> Post:
    """One post with its fields, files and comments; "not found" when it does not exist or is
    hidden (except for the secretariat)."""
    post = (
        _visible(access)
        .select_related("organisation", "author")
        .prefetch_related(
            "fields",
            "attachments",
            Prefetch("comments", queryset=Comment.objects.select_related("author")),
        )
        .filter(pk=pk)
        .first()
    )
    if post is None:
        raise Http404
    return post


def post_for_editing(*, access: Access, pk: int) -> Post:
    """The post if the person may change it (its author while a member of the organisation,
    or an admin of the organisation); "not found" otherwise, also for the secretariat, who
    hide posts but do not rewrite them."""
    post = (
        Post.objects.filter(hidden=False)
        .select_related("organisation")
        .prefetch_related("attachments", "fields")
        .filter(pk=pk)
        .first()
    )
    if post is None or not access.can_edit(post):
        raise Http404
    return post


def attachment_for_download(*, access: Access, pk: int) -> Attachment:
    """A file, checked on every download: the person must be able to read its post."""
    attachment = Attachment.objects.select_related("post").filter(pk=pk).first()
    if attachment is None or (attachment.post.hidden and not access.moderator):
        raise Http404
    return attachment


def my_digest_preference(*, user) -> bool:
    preference = DigestPreference.objects.filter(user=user).first()
    return preference.weekly_digest if preference else True


# --- The weekly digest ---------------------------------------------------------------------


def digest_recipients() -> list[User]:
    """Active members of at least one organisation who have not turned the digest off.  Only
    members: someone removed from their organisation stops receiving it."""
    return list(
        User.objects.filter(is_active=True, withdrawn_at__isnull=True, memberships__isnull=False)
        .exclude(exchange_digest__weekly_digest=False)
        .distinct()
        .order_by("pk")
    )


def digest_windows(*, users: list[User], now: dt.datetime) -> dict[int, dt.datetime]:
    """Where each person's next digest starts: the end of their last one, or a week ago for a
    first digest; never more than four weeks back (after a pause)."""
    last = dict(
        DigestSent.objects.filter(user__in=users)
        .values("user")
        .annotate(until=Max("covered_until"))
        .values_list("user", "until")
    )
    floor = now - DIGEST_LONGEST_WINDOW
    return {user.pk: max(last.get(user.pk) or now - DIGEST_FIRST_WINDOW, floor) for user in users}


def digest_candidates(*, since: dt.datetime, now: dt.datetime) -> tuple[list[Post], list[Notice]]:
    """Everything published in (since, now] that a digest may list: visible posts and
    notices, oldest first."""
    posts = list(
        Post.objects.filter(hidden=False, created_at__gt=since, created_at__lte=now)
        .select_related("organisation")
        .order_by("created_at", "pk")
    )
    notices = list(
        Notice.objects.filter(created_at__gt=since, created_at__lte=now).order_by(
            "created_at", "pk"
        )
    )
    return posts, notices


# --- Personal data -------------------------------------------------------------------------


def personal_data_of(*, user) -> dict:
    """The person's posts (with their files' names) and comments, and the digest choice."""
    posts = (
        Post.objects.filter(author=user)
        .select_related("organisation")
        .prefetch_related("fields", "attachments")
        .order_by("created_at", "pk")
    )
    comments = (
        Comment.objects.filter(author=user).select_related("post").order_by("created_at", "pk")
    )
    return {
        "posts": [
            {
                "organisation": post.organisation.name,
                "kind": post.kind,
                "title": post.title,
                "text": post.body,
                "fields": [f.name for f in post.fields.all()],
                "link": post.link,
                "attachments": [a.original_name for a in post.attachments.all()],
                "posted_at": post.created_at.isoformat(),
                "hidden_by_the_secretariat": post.hidden,
            }
            for post in posts
        ],
        "comments": [
            {
                "on": comment.post.title,
                "text": comment.body,
                "posted_at": comment.created_at.isoformat(),
            }
            for comment in comments
        ],
        "weekly_digest": my_digest_preference(user=user),
    }
