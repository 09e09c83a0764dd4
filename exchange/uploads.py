"""Checks on files members attach to posts, without the database: the extension must be one we
accept and the content must be what the extension says (a renamed program is refused), within
``EXCHANGE_MAX_UPLOAD_MB``.  The stored name is random; the person's file name is cleaned and
kept for display and for naming the download only."""

from __future__ import annotations

import unicodedata
import uuid
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from exchange.models import CONTENT_TYPES
from lms.text import has_invisible_characters

OOXML = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
ODF = {"odt", "ods", "odp"}
TEXT = {"txt", "csv"}
NAME_LIMIT = 200


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed every check: what to store and what to call it."""

    original_name: str
    extension: str
    content_type: str
    size: int

    def storage_name(self) -> str:
        """A random name: nothing the person typed reaches the file system."""
        return f"{uuid.uuid4().hex}.{self.extension}"


def max_upload_bytes() -> int:
    return settings.EXCHANGE_MAX_UPLOAD_MB * 1024 * 1024


def display_name(name: str) -> str:
    """The file name as the person called it, made safe to show and to send back: no folders,
    no control or invisible characters, NFC, at most ``NAME_LIMIT`` characters (the extension
    kept)."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not has_invisible_characters(ch))
    name = " ".join(name.split()).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if len(name) > NAME_LIMIT:
        keep = NAME_LIMIT - len(ext) - 1
        name = f"{stem[:keep]}.{ext}" if ext else name[:NAME_LIMIT]
    return name or "file"


def check_upload(upload) -> CheckedUpload:
    """Check one uploaded file; raise ``ValidationError`` with a message for the person.  The
    extension says what the file should be, and its first bytes (or zip directory, or text)
    must agree."""
    name = display_name(upload.name)
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    if extension not in CONTENT_TYPES:
        raise ValidationError(
            _(
                "This kind of file cannot be attached. Attach a PDF, Word, Excel, PowerPoint, "
                "OpenDocument, text or CSV file."
            ),
            code="extension",
        )
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("This file is empty."), code="empty")
    if size > max_upload_bytes():
        raise ValidationError(
            _("This file is too large. Files can be up to %(limit)s MB.")
            % {"limit": settings.EXCHANGE_MAX_UPLOAD_MB},
            code="size",
        )
    if not _content_matches(upload, extension):
        raise ValidationError(
            _(
                "The content of this file does not match its name (.%(extension)s). Save it "
                "again in that format and attach it again."
            )
            % {"extension": extension},
            code="content",
        )
    return CheckedUpload(
        original_name=name, extension=extension, content_type=CONTENT_TYPES[extension], size=size
    )


def _content_matches(upload, extension: str) -> bool:
    upload.seek(0)
    try:
        if extension == "pdf":
            return upload.read(5) == b"%PDF-"
        if extension in OOXML:
            return _is_ooxml(upload, OOXML[extension])
        if extension in ODF:
            return _is_odf(upload, extension)
        return _is_text(upload)
    finally:
        upload.seek(0)


def _zip_names(upload) -> list[str] | None:
    try:
        with zipfile.ZipFile(upload) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _is_ooxml(upload, main_folder: str) -> bool:
    """A zip holding ``[Content_Types].xml`` and the main part of the right application; macro
    projects are refused (a .docx never carries one)."""
    names = _zip_names(upload)
    if not names or "[Content_Types].xml" not in names:
        return False
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return False
    return any(name.startswith(main_folder) for name in names)


def _is_odf(upload, extension: str) -> bool:
    """A zip whose ``mimetype`` entry names the OpenDocument type of the extension."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            info = archive.getinfo("mimetype")
            if info.file_size > 200:
                return False
            mimetype = archive.read(info).decode("ascii", errors="replace").strip()
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return False
    return mimetype == CONTENT_TYPES[extension]


# Excel in Japan saves CSV as Shift_JIS (cp932) unless told otherwise, so both are text here.
TEXT_ENCODINGS = ("utf-8-sig", "cp932")


def _is_text(upload) -> bool:
    """UTF-8 (a byte-order mark allowed) or Shift_JIS as Excel writes it, no NUL bytes."""
    data = b"".join(upload.chunks()) if hasattr(upload, "chunks") else upload.read()
    if b"\x00" in data:
        return False
    for encoding in TEXT_ENCODINGS:
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False
