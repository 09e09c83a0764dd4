"""Uploads in Wagtail's admin are limited to safe types and sizes (issue 10, item 5): a refused
file gets a clear message on the form, and neither a row nor a stored file is left behind."""

from __future__ import annotations

import io
import os

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture
def editor_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def collection():
    return Collection.get_first_root_node()


def stored_files(path: str = "") -> list[str]:
    """Every file in the default (media) storage."""
    try:
        directories, files = default_storage.listdir(path)
    except FileNotFoundError:
        return []
    found = [f"{path}/{name}".lstrip("/") for name in files]
    for directory in directories:
        found += stored_files(f"{path}/{directory}".lstrip("/"))
    return found


@pytest.fixture
def new_files():
    """``new_files()``: the files stored since the test began (the test storage lives in memory
    for the whole run)."""
    before = set(stored_files())
    return lambda: sorted(set(stored_files()) - before)


def png(size: tuple[int, int] = (40, 30), *, noise: bool = False) -> bytes:
    image = (
        PILImage.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
        if noise
        else PILImage.new("RGB", size, "#3c8dbc")
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=0)
    return buffer.getvalue()


def file_errors(response) -> str:
    """The messages shown under the file field, as the page renders them."""
    errors = response.context["form"].errors.get("file", [])
    page = response.content.decode()
    assert errors and all(str(message) in page for message in errors)
    return " ".join(str(message) for message in errors)


# --- Images ---------------------------------------------------------------------------------


def test_an_image_within_the_limits_is_stored(editor_client, collection, new_files):
    response = editor_client.post(
        "/admin/images/add/",
        {
            "title": "会場の写真",
            "file": SimpleUploadedFile("hall.png", png(), "image/png"),
            "collection": collection.pk,
        },
    )

    assert response.status_code == 302
    assert get_image_model().objects.count() == 1
    assert [name.rsplit(".", 1)[1] for name in new_files()] == ["png"]


def test_an_svg_image_is_refused(editor_client, collection, new_files):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
    response = editor_client.post(
        "/admin/images/add/",
        {
            "title": "ロゴ",
            "file": SimpleUploadedFile("logo.svg", svg, "image/svg+xml"),
            "collection": collection.pk,
        },
    )

    assert response.status_code == 200
    message = file_errors(response)
    assert "AVIF, GIF, JPG, JPEG, PNG, WEBP" in message  # the formats it does take
    assert "SVG" not in message
    assert get_image_model().objects.count() == 0
    assert new_files() == []


def test_an_image_over_ten_megabytes_is_refused(editor_client, collection, new_files):
    big = png((2000, 1800), noise=True)  # random pixels do not compress: about 10.8 MB
    assert len(big) > 10 * MB

    response = editor_client.post(
        "/admin/images/add/",
        {
            "title": "大きな写真",
            "file": SimpleUploadedFile("big.png", big, "image/png"),
            "collection": collection.pk,
        },
    )

    assert response.status_code == 200
    assert "10.0" in file_errors(response)  # "... Maximum filesize 10.0 MB."
    assert response.context["form"].errors.as_data()["file"][0].code == "file_too_large"
    assert get_image_model().objects.count() == 0
    assert new_files() == []


# --- Documents ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("member-list.zip", b"PK\x03\x04 archive"),
        ("slides.key", b"PK\x03\x04 keynote bundle"),
        ("notice.html", b"<script>alert(1)</script>"),
        ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        ("setup.exe", b"MZ"),
    ],
)
def test_a_document_of_a_risky_type_is_refused(editor_client, collection, new_files, name, content):
    response = editor_client.post(
        "/admin/documents/add/",
        {
            "title": "資料",
            "file": SimpleUploadedFile(name, content),
            "collection": collection.pk,
        },
    )

    assert response.status_code == 200
    message = file_errors(response)
    assert name.rsplit(".", 1)[1] in message and "pdf" in message  # what it is, what is allowed
    assert get_document_model().objects.count() == 0
    assert new_files() == []


@pytest.mark.parametrize("name", ["handout.pdf", "lesson-1.mp4", "lesson-1.vtt", "roster.xlsx"])
def test_documents_for_lessons_and_handouts_are_accepted(
    editor_client, collection, new_files, name
):
    response = editor_client.post(
        "/admin/documents/add/",
        {"title": name, "file": SimpleUploadedFile(name, b"content"), "collection": collection.pk},
    )

    assert response.status_code == 302
    assert get_document_model().objects.get().file.name.endswith(name.rsplit(".", 1)[1])
    assert len(new_files()) == 1


@pytest.fixture
def small_limits(settings):
    settings.DOCUMENT_MAX_UPLOAD_MB = 1
    settings.DOCUMENT_VIDEO_MAX_UPLOAD_MB = 2


def test_a_document_over_its_limit_is_refused_with_the_limit_in_the_message(
    editor_client, collection, small_limits, new_files
):
    response = editor_client.post(
        "/admin/documents/add/",
        {
            "title": "資料",
            "file": SimpleUploadedFile("handout.pdf", b"%PDF" + b"0" * MB),
            "collection": collection.pk,
        },
    )

    assert response.status_code == 200
    message = file_errors(response)
    assert "1.0" in message  # "This file is too big (1.0 MB). ... at most 1.0 MB."
    assert response.context["form"].errors.as_data()["file"][0].code == "file_too_large"
    assert get_document_model().objects.count() == 0
    assert new_files() == []


def test_a_lesson_video_may_be_larger_than_other_documents_up_to_its_own_limit(
    editor_client, collection, small_limits, new_files
):
    def upload(name: str, size: int):
        return editor_client.post(
            "/admin/documents/multiple/add/",
            {"files[]": SimpleUploadedFile(name, b"\0" * size), "collection": collection.pk},
        )

    accepted = upload("lesson-1.mp4", int(1.5 * MB))
    refused = upload("lesson-2.webm", int(2.5 * MB))

    assert accepted.json()["success"] is True
    assert refused.json()["success"] is False
    assert "2.0" in refused.json()["error_message"]
    assert [d.title for d in get_document_model().objects.all()] == ["lesson-1.mp4"]
    assert len(new_files()) == 1
