"""The members' information exchange (情報交換): partner organisations share case reports
(事例報告) and resources (資料) with each other, comment on them, and read notices from the
secretariat.  Attachments live in the private storage and are served only after a permission
check; a weekly digest tells members what is new."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

TITLE_LIMIT = 150
BODY_LIMIT = 5000
COMMENT_LIMIT = 2000
NOTICE_LIMIT = 5000
MAX_ATTACHMENTS = 3
# The content types we store, decided from the checked extension, never from the browser.
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "txt": "text/plain",
    "csv": "text/csv",
}


def private_storage():
    """Attachments live outside MEDIA_ROOT (which is published as it is) and are served only
    by the download view, after the permission check."""
    from django.core.files.storage import storages

    return storages["private"]


class PostKind(models.TextChoices):
    CASE_REPORT = "case_report", pgettext_lazy("exchange post kind", "Case report")
    RESOURCE = "resource", pgettext_lazy("exchange post kind", "Resource")


class Post(models.Model):
    """Something a member shares on behalf of one of their organisations.  The post belongs to
    the organisation: it stays when its author leaves or withdraws (the author becomes empty).
    The secretariat can hide a post; hidden posts are "not found" for members."""

    organisation = models.ForeignKey(
        "cms.Organisation",
        on_delete=models.CASCADE,
        related_name="exchange_posts",
        verbose_name=_("organisation"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exchange_posts",
        verbose_name=_("author"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PostKind.choices)
    title = models.CharField(_("title"), max_length=TITLE_LIMIT)
    body = models.TextField(
        _("text"), max_length=BODY_LIMIT, validators=[MaxLengthValidator(BODY_LIMIT)]
    )
    fields = models.ManyToManyField(
        "lms.Field", blank=True, related_name="exchange_posts", verbose_name=_("fields")
    )
    link = models.URLField(
        _("link"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
    )
    hidden = models.BooleanField(_("hidden by the secretariat"), default=False)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("exchange post")
        verbose_name_plural = _("exchange posts")
        ordering = ["-created_at", "-pk"]
        permissions = [("moderate_post", _("Can hide and unhide posts in the members' exchange"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=PostKind.values), name="exchange_post_known_kind"
            ),
            models.CheckConstraint(
                condition=GreaterThan(Length("title"), 0), name="exchange_post_has_title"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), BODY_LIMIT),
                name="exchange_post_body_limit",
            ),
            models.CheckConstraint(
                condition=Q(hidden=False) | Q(hidden_at__isnull=False),
                name="exchange_post_hidden_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Attachment(models.Model):
    """A file attached to a post (at most three: ``position`` 1 to 3, once each).  The stored
    name is random; the original name is kept only to show it and to name the download."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    position = models.PositiveSmallIntegerField(_("position"))
    file = models.FileField(_("file"), upload_to="exchange/%Y/%m/", storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    content_type = models.CharField(_("content type"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["post", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "position"], name="exchange_attachment_position_once"
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1, position__lte=MAX_ATTACHMENTS),
                name="exchange_attachment_at_most_three",
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="exchange_attachment_not_empty"),
            models.CheckConstraint(
                condition=Q(content_type__in=sorted(set(CONTENT_TYPES.values()))),
                name="exchange_attachment_allowed_type",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class Comment(models.Model):
    """A reply under a post.  When its author withdraws the text is erased and the author
    removed; the row stays so the thread keeps its shape."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exchange_comments",
    )
    body = models.TextField(
        _("comment"), max_length=COMMENT_LIMIT, validators=[MaxLengthValidator(COMMENT_LIMIT)]
    )
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        constraints = [
            # Only an erased comment (its author withdrew) has no text.
            models.CheckConstraint(
                condition=GreaterThan(Length("body"), 0) | Q(author__isnull=True),
                name="exchange_comment_has_text",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), COMMENT_LIMIT),
                name="exchange_comment_body_limit",
            ),
        ]

    def __str__(self) -> str:
        return self.body[:40]


class Notice(models.Model):
    """A notice from the secretariat to every member (お知らせ from 事務局)."""

    title = models.CharField(_("title"), max_length=TITLE_LIMIT)
    body = models.TextField(
        _("text"), max_length=NOTICE_LIMIT, validators=[MaxLengthValidator(NOTICE_LIMIT)]
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("notice from the secretariat")
        verbose_name_plural = _("notices from the secretariat")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=GreaterThan(Length("title"), 0), name="exchange_notice_has_title"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class DigestPreference(models.Model):
    """A person's choice about the weekly digest.  No row means the default: on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exchange_digest"
    )
    weekly_digest = models.BooleanField(_("send me the weekly digest"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("digest preference")
        verbose_name_plural = _("digest preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.weekly_digest}"


class DigestSent(models.Model):
    """One person's digest went out for this ISO week, covering what was published up to
    ``covered_until``: a second run in the same week sends nothing, and the next digest starts
    where this one ended."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exchange_digests"
    )
    week = models.CharField(max_length=10)
    covered_until = models.DateTimeField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("digest sent")
        verbose_name_plural = _("digests sent")
        constraints = [
            models.UniqueConstraint(fields=["user", "week"], name="exchange_digest_once_a_week")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.week}"
