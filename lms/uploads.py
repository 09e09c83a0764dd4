"""Size limits for documents uploaded in Wagtail's admin (WAGTAILDOCS_DOCUMENT_FORM_BASE).

Wagtail checks a document's extension (WAGTAILDOCS_EXTENSIONS) but not its size; images have
their own limit (WAGTAILIMAGES_MAX_UPLOAD_SIZE).  Lesson videos may be far larger than an office
file, so they get a limit of their own."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from wagtail.documents.forms import BaseDocumentForm

MEGABYTE = 1024 * 1024
VIDEO_EXTENSIONS = {"mp4", "webm"}


def document_size_limit(filename: str) -> int:
    """The largest upload allowed for a document called ``filename``, in bytes."""
    extension = Path(filename).suffix.lower().lstrip(".")
    if extension in VIDEO_EXTENSIONS:
        return settings.DOCUMENT_VIDEO_MAX_UPLOAD_MB * MEGABYTE
    return settings.DOCUMENT_MAX_UPLOAD_MB * MEGABYTE


class DocumentForm(BaseDocumentForm):
    """Wagtail's document form (single and multiple upload) with a size limit per kind."""

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and "file" in self.changed_data:
            limit = document_size_limit(upload.name)
            if upload.size > limit:
                raise ValidationError(
                    _(
                        "This file is too big (%(size)s). Files of this type can be at most "
                        "%(limit)s."
                    ),
                    code="file_too_large",
                    params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
                )
        return upload
