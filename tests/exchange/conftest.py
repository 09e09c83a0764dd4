"""Members' exchange test data: two organisations with admins and members, the secretariat,
a content editor and a volunteer; a post with a file and a comment; files that are and are not
what they claim to be.  Attachments are written to a temporary folder so tests can count the
files on disk."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from exchange import services
from exchange.models import Attachment, PostKind
from lms import roles
from lms.models import Field
from organisations.models import MemberRole, Membership
from tests.factories import OrganisationFactory, UserFactory

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
ODT = zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type)


def member_of(organisation, role: str = MemberRole.MEMBER, **user_fields):
    person = UserFactory(**user_fields)
    Membership.objects.create(organisation=organisation, user=person, role=role)
    return person


@pytest.fixture(autouse=True)
def private_files(tmp_path, monkeypatch) -> Path:
    """The attachments' storage, on disk in a temporary folder (the real one is private too)."""
    folder = tmp_path / "private"
    folder.mkdir()
    field = Attachment._meta.get_field("file")
    monkeypatch.setattr(field, "storage", FileSystemStorage(location=folder))
    return folder


def files_on_disk(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


@pytest.fixture
def org(home_page):
    return OrganisationFactory(name="ひめじ子ども食堂", slug="himeji-shokudo")


@pytest.fixture
def other_org(home_page):
    return OrganisationFactory(name="尼崎まちの縁側", slug="amagasaki-engawa")


@pytest.fixture
def people(org, other_org, role_user) -> dict:
    return {
        "anonymous": None,
        "volunteer": UserFactory(full_name="住民 一般"),
        "author": member_of(org, full_name="投稿 花子"),
        "member": member_of(org, full_name="同僚 次郎"),
        "admin": member_of(org, role=MemberRole.ADMIN, full_name="団体 管理者"),
        "other_member": member_of(other_org, full_name="他団体 会員"),
        "other_admin": member_of(other_org, role=MemberRole.ADMIN, full_name="他団体 管理者"),
        "coordinator": role_user(roles.COORDINATORS, is_staff=True, full_name="事務局 調子"),
        "editor": role_user(roles.CONTENT_EDITORS, is_staff=True, full_name="広報 編子"),
    }


def make_post(organisation, author, *, uploads=(), **data):
    data.setdefault("kind", PostKind.CASE_REPORT)
    data.setdefault("title", "子ども食堂の相談コーナー")
    data.setdefault("body", "月に一度、相談コーナーを設けました。")
    return services.post_create(
        organisation=organisation, author=author, data=data, uploads=list(uploads)
    )


def field(slug: str) -> Field:
    return Field.objects.get(slug=slug)
