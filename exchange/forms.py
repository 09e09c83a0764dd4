"""Forms for the members' exchange: a post with up to three files, a comment, a notice from
the secretariat, the list's filters and the digest choice."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from cms.forms import FilterForm, SearchTextField, field_filter
from cms.models import Organisation
from exchange.models import (
    BODY_LIMIT,
    COMMENT_LIMIT,
    CONTENT_TYPES,
    MAX_ATTACHMENTS,
    NOTICE_LIMIT,
    TITLE_LIMIT,
    Attachment,
    Post,
    PostKind,
)
from exchange.uploads import check_upload
from lms.forms import PlainTextField
from lms.models import Field

ACCEPT = ",".join(f".{extension}" for extension in CONTENT_TYPES)


class UploadField(forms.FileField):
    """One optional attachment, checked by extension and content (``exchange.uploads``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_empty_file", True)  # our own check says "empty" more plainly
        kwargs.setdefault("widget", forms.FileInput(attrs={"accept": ACCEPT}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            check_upload(upload)
        return upload


class PostForm(forms.Form):
    """A new post (``organisations`` are the person's own; choosing another one's id is
    refused), or an edit (``post``): then the organisation stays and files can be removed."""

    organisation = forms.ModelChoiceField(
        label=_("Posting for"),
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": _("Choose the organisation you are posting for."),
            "invalid_choice": _("Choose one of your own organisations."),
        },
    )
    kind = forms.ChoiceField(
        label=_("What are you sharing?"),
        choices=PostKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a case report or a resource.")},
    )
    title = PlainTextField(
        label=_("Title"),
        max_length=TITLE_LIMIT,
        required=True,
        error_messages={"required": _("Give the post a title.")},
    )
    body = PlainTextField(
        label=_("Text"),
        max_length=BODY_LIMIT,
        required=True,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What happened or what the resource is, and what others can learn from it."),
        error_messages={"required": _("Write the text of the post.")},
    )
    fields = forms.ModelMultipleChoiceField(
        label=_("Fields (分野, optional)"),
        queryset=Field.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    link = forms.URLField(
        label=_("Link (optional)"),
        max_length=500,
        required=False,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        error_messages={"invalid": _("Please check the address (it starts with https://).")},
    )
    remove = forms.ModelMultipleChoiceField(
        label=_("Remove attachments"),
        queryset=Attachment.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, organisations=None, post: Post | None = None, **kwargs):
        if post is not None:
            kwargs.setdefault(
                "initial",
                {
                    "kind": post.kind,
                    "title": post.title,
                    "body": post.body,
                    "link": post.link,
                    "fields": list(post.fields.all()),
                },
            )
        super().__init__(*args, **kwargs)
        self.post = post
        if post is None:
            del self.fields["remove"]
            choices = list(organisations or [])
            self.fields["organisation"].queryset = Organisation.objects.filter(
                pk__in=[o.pk for o in choices]
            ).order_by("name_kana", "name")
            if len(choices) == 1:
                self.fields["organisation"].initial = choices[0].pk
            existing = 0
        else:
            del self.fields["organisation"]
            attachments = list(post.attachments.all())
            self.fields["remove"].queryset = post.attachments.all()
            self.fields["remove"].label_from_instance = lambda a: a.original_name
            if not attachments:
                del self.fields["remove"]
            existing = len(attachments)
        for number in range(1, MAX_ATTACHMENTS - existing + 1):
            self.fields[f"attachment_{number}"] = UploadField(
                label=_("Attachment %(number)s (optional)") % {"number": number},
                help_text=_(
                    "PDF, Word, Excel, PowerPoint, OpenDocument, text or CSV, up to %(limit)s MB."
                )
                % {"limit": settings.EXCHANGE_MAX_UPLOAD_MB},
            )

    def uploads(self) -> list:
        return [
            self.cleaned_data[name]
            for name in self.fields
            if name.startswith("attachment_") and self.cleaned_data.get(name)
        ]

    def post_data(self) -> dict:
        return {
            name: self.cleaned_data.get(name)
            for name in ("kind", "title", "body", "link", "fields")
        }


class CommentForm(forms.Form):
    body = PlainTextField(
        label=_("Your comment"),
        max_length=COMMENT_LIMIT,
        required=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write your comment.")},
    )


class NoticeForm(forms.Form):
    title = PlainTextField(
        label=_("Title"),
        max_length=TITLE_LIMIT,
        required=True,
        error_messages={"required": _("Give the notice a title.")},
    )
    body = PlainTextField(
        label=_("Text"),
        max_length=NOTICE_LIMIT,
        required=True,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Write the text of the notice.")},
    )


class ExchangeFilterForm(FilterForm):
    """The list's filters, submitted with GET so a search can be bookmarked."""

    q = SearchTextField(label=_("Keyword"), max_length=100, required=False)
    field = field_filter()
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *PostKind.choices], required=False
    )


class DigestPreferenceForm(forms.Form):
    weekly_digest = forms.BooleanField(
        label=_("Send me a weekly email with new posts and notices"), required=False
    )
