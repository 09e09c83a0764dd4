"""Write-side rules for the members' exchange: posting on behalf of one's organisation with up
to three checked files (all or nothing), editing and deleting by the author or the
organisation's admins, comments, the secretariat's notices and hiding, the weekly digest and
its one-click unsubscribe, and erasing a person's part when they withdraw."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cms.models import Organisation
from exchange import selectors
from exchange.models import (
    MAX_ATTACHMENTS,
    Attachment,
    Comment,
    DigestPreference,
    DigestSent,
    Notice,
    Post,
)
from exchange.uploads import check_upload
from lms.models import User
from lms.notifications import notification_send
from organisations.models import Membership

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "exchange.digest.unsubscribe"
# An unsubscribe link keeps working this long after its digest was sent.
UNSUBSCRIBE_MAX_AGE = dt.timedelta(days=365)
POST_FIELDS = ("kind", "title", "body", "link")


class ExchangeError(Exception):
    """A request in the exchange that cannot be carried out; the message is for people."""


# --- Posts ---------------------------------------------------------------------------------


def post_create(
    *, organisation: Organisation, author: User, data: dict, uploads: Iterable = ()
) -> Post:
    """Post on behalf of ``organisation``, of which ``author`` must be a member (a tampered
    organisation id is refused).  The post and its files are saved together or not at all:
    files already written are removed again if anything fails.

    :raises ExchangeError: not a member, or too many files.
    :raises ValidationError: a field or a file is not acceptable.
    """
    if not Membership.objects.filter(organisation=organisation, user=author).exists():
        raise ExchangeError(_("You can post only for an organisation you are a member of."))
    uploads = [u for u in uploads if u]
    if len(uploads) > MAX_ATTACHMENTS:
        raise ExchangeError(_("Attach at most %(count)s files.") % {"count": MAX_ATTACHMENTS})
    stored: list[str] = []
    try:
        with transaction.atomic():
            post = Post(
                organisation=organisation,
                author=author,
                **{name: data.get(name) or "" for name in POST_FIELDS},
            )
            post.full_clean()
            post.save()
            post.fields.set(data.get("fields") or [])
            _attach(post, uploads, by=author, free=range(1, MAX_ATTACHMENTS + 1), stored=stored)
    except BaseException:
        _delete_files(stored)
        raise
    return post


def post_update(
    *,
    post: Post,
    by: User,
    data: dict,
    remove: Iterable[Attachment] = (),
    uploads: Iterable = (),
) -> Post:
    """Change a post's text, fields and link, remove some of its files and add new ones (at
    most three in all).  Removed files leave the disk once the change is committed."""
    uploads = [u for u in uploads if u]
    stored: list[str] = []
    try:
        with transaction.atomic():
            post = Post.objects.select_for_update().get(pk=post.pk)
            if not selectors.access_for(user=by).can_edit(post):
                raise ExchangeError(
                    _("Only the author or the organisation's admins can edit this.")
                )
            for name in POST_FIELDS:
                setattr(post, name, data.get(name) or "")
            post.full_clean()
            post.save()
            post.fields.set(data.get("fields") or [])
            removed = [a for a in post.attachments.all() if a.pk in {r.pk for r in remove}]
            # Their files go once this is committed (exchange.receivers).
            Attachment.objects.filter(pk__in=[a.pk for a in removed]).delete()
            used = set(post.attachments.values_list("position", flat=True))
            free = [p for p in range(1, MAX_ATTACHMENTS + 1) if p not in used]
            if len(uploads) > len(free):
                raise ExchangeError(
                    _("A post can have at most %(count)s files. Remove one first.")
                    % {"count": MAX_ATTACHMENTS}
                )
            _attach(post, uploads, by=by, free=free, stored=stored)
    except BaseException:
        _delete_files(stored)
        raise
    return post


@transaction.atomic
def post_delete(*, post: Post, by: User) -> None:
    """Delete a post with its comments and files (the files once the deletion is committed,
    by exchange.receivers)."""
    if not selectors.access_for(user=by).can_edit(post):
        raise ExchangeError(_("Only the author or the organisation's admins can delete this."))
    post.delete()


def _attach(post: Post, uploads: list, *, by: User, free: Iterable[int], stored: list) -> None:
    for upload, position in zip(uploads, free, strict=False):
        checked = check_upload(upload)
        attachment = Attachment(
            post=post,
            position=position,
            original_name=checked.original_name,
            size=checked.size,
            content_type=checked.content_type,
            uploaded_by=by,
        )
        upload.seek(0)
        attachment.file.save(checked.storage_name(), upload, save=False)
        stored.append(attachment.file.name)
        attachment.full_clean()
        attachment.save()


def _delete_files(names: Iterable[str]) -> None:
    storage = Attachment._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # already gone, or the disk refuses: the row is what matters
            logger.warning("Could not delete exchange attachment %s", name)


@transaction.atomic
def post_set_hidden(*, post: Post, by: User, hidden: bool) -> Post:
    """The secretariat hides a post from members (or shows it again); who and when is kept."""
    post = Post.objects.select_for_update().get(pk=post.pk)
    post.hidden = hidden
    post.hidden_at = timezone.now() if hidden else None
    post.hidden_by = by if hidden else None
    post.save(update_fields=["hidden", "hidden_at", "hidden_by", "updated_at"])
    return post


# --- Comments and notices ------------------------------------------------------------------


def comment_add(*, post: Post, author: User, body: str) -> Comment:
    """Reply under a post that members can see."""
    if post.hidden:
        raise ExchangeError(_("This post is no longer shown."))
    comment = Comment(post=post, author=author, body=body.strip())
    if not comment.body:
        raise ValidationError({"body": _("Write your comment.")})
    comment.full_clean()
    comment.save()
    return comment


def notice_create(*, by: User, title: str, body: str) -> Notice:
    notice = Notice(title=title.strip(), body=body.strip(), posted_by=by)
    notice.full_clean()
    notice.save()
    return notice


# --- The weekly digest ---------------------------------------------------------------------


def digest_preference_set(*, user: User, weekly: bool) -> DigestPreference:
    preference, _created = DigestPreference.objects.update_or_create(
        user=user, defaults={"weekly_digest": weekly}
    )
    return preference


def unsubscribe_token(*, user: User) -> str:
    """A signed token naming the person, for the one-click link in each digest."""
    return signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT, compress=False)


def user_for_unsubscribe_token(token: str) -> User | None:
    try:
        user_id = signing.loads(
            token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE.total_seconds()
        )
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def iso_week(day: dt.date) -> str:
    """The ISO week a day falls in, e.g. ``2026-W48``."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


DIGEST_SETTLE = dt.timedelta(minutes=10)


def digest_send_weekly(*, now: dt.datetime | None = None) -> int:
    """Each member who has not turned it off gets, once per ISO week, the posts and notices
    published since their last digest (not their own, never hidden posts).  Nothing new,
    nothing sent.  Each person's ``DigestSent`` row is written in the same transaction as
    their message, so a second run in the week sends nothing more.  Returns how many were
    queued."""
    now = now or timezone.now()
    week = iso_week(timezone.localdate(now))
    # A post's created_at is set before its transaction commits (later still with uploads):
    # cover only what is surely committed, so a post saved during this run is in the next one.
    until = now - DIGEST_SETTLE
    people = selectors.digest_recipients()
    already = set(
        DigestSent.objects.filter(user__in=people, week=week).values_list("user_id", flat=True)
    )
    people = [p for p in people if p.pk not in already]
    if not people:
        return 0
    windows = selectors.digest_windows(users=people, now=until)
    posts, notices = selectors.digest_candidates(since=min(windows.values()), now=until)
    sent = 0
    for person in people:
        since = windows[person.pk]
        mine_posts = [p for p in posts if p.created_at > since and p.author_id != person.pk]
        mine_notices = [n for n in notices if n.created_at > since and n.posted_by_id != person.pk]
        if not (mine_posts or mine_notices):
            continue
        if _digest_send_one(
            person=person, week=week, now=until, posts=mine_posts, notices=mine_notices
        ):
            sent += 1
    return sent


def _digest_send_one(
    *, person: User, week: str, now: dt.datetime, posts: list[Post], notices: list[Notice]
) -> bool:
    language = person.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        urls = {
            "list": settings.SITE_URL + reverse("exchange:list"),
            "preferences": settings.SITE_URL + reverse("exchange:preferences"),
            "unsubscribe": settings.SITE_URL
            + reverse("exchange:unsubscribe", args=[unsubscribe_token(user=person)]),
            "posts": {
                p.pk: settings.SITE_URL + reverse("exchange:post", args=[p.pk]) for p in posts
            },
            "notices": {
                n.pk: settings.SITE_URL + reverse("exchange:notice", args=[n.pk]) for n in notices
            },
        }
    try:
        with transaction.atomic():
            DigestSent.objects.create(user=person, week=week, covered_until=now)
            notification_send(
                recipient=person.email,
                template="exchange/email/digest",
                context={
                    "person": person,
                    "posts": [(p, urls["posts"][p.pk]) for p in posts],
                    "notices": [(n, urls["notices"][n.pk]) for n in notices],
                    "urls": urls,
                    "count": len(posts) + len(notices),
                },
                language=language,
            )
    except IntegrityError:  # another run got there first this week
        return False
    return True


# --- Personal data -------------------------------------------------------------------------


@transaction.atomic
def exchange_erase(*, user: User) -> None:
    """Before the account is anonymised: comments lose their text and author; posts (the
    organisation's) and notices (the secretariat's) stay without it; the digest choice and its
    history go."""
    Comment.objects.filter(author=user).update(body="", author=None)
    Post.objects.filter(author=user).update(author=None)
    Post.objects.filter(hidden_by=user).update(hidden_by=None)
    Attachment.objects.filter(uploaded_by=user).update(uploaded_by=None)
    Notice.objects.filter(posted_by=user).update(posted_by=None)
    DigestPreference.objects.filter(user=user).delete()
    DigestSent.objects.filter(user=user).delete()
