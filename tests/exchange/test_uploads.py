"""Posting with files: what is accepted (PDF, OOXML, OpenDocument, UTF-8 text and CSV, checked
by extension and by content), what is refused with a plain message next to the field
(too large, a program renamed .pdf, another extension, text with NUL bytes, a macro project),
and that a refused post saves nothing at all: no post, no attachment row, no file on disk.
A tampered organisation id is refused the same way."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from exchange import services
from exchange.models import Attachment, Post
from exchange.uploads import check_upload, display_name
from tests.exchange.conftest import (
    DOCX,
    EXECUTABLE,
    ODT,
    PDF,
    field,
    files_on_disk,
    make_post,
    upload,
    zip_bytes,
)

pytestmark = pytest.mark.django_db


def form_data(org, **overrides) -> dict:
    return {
        "organisation": org.pk,
        "kind": "case_report",
        "title": "見守り活動の工夫",
        "body": "声かけの工夫を共有します。",
        **overrides,
    }


def post_new(client, data, **files):
    return client.post("/members/posts/new/", {**data, **files})


def assert_nothing_saved(private_files):
    assert Post.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert files_on_disk(private_files) == []


def test_a_member_posts_a_case_report_with_three_files(client, org, people, private_files):
    client.force_login(people["author"])

    response = post_new(
        client,
        form_data(org, fields=[field("child-rearing").pk], link="https://example.jp/report"),
        attachment_1=upload("報告書.pdf", PDF),
        attachment_2=upload("記録.docx", DOCX),
        # Excel in Japan writes CSV in Shift_JIS.
        attachment_3=upload("名簿の様式.csv", "氏名,連絡先\n髙橋,079\n".encode("cp932")),
    )

    assert response.status_code == 302
    post = Post.objects.get()
    assert response["Location"] == f"/members/posts/{post.pk}/"
    assert (post.organisation, post.author, post.kind) == (org, people["author"], "case_report")
    assert [f.slug for f in post.fields.all()] == ["child-rearing"]
    assert post.link == "https://example.jp/report"
    attachments = list(post.attachments.order_by("position"))
    assert [(a.position, a.original_name, a.content_type) for a in attachments] == [
        (1, "報告書.pdf", "application/pdf"),
        (2, "記録.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (3, "名簿の様式.csv", "text/csv"),
    ]
    assert len(files_on_disk(private_files)) == 3


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", EXECUTABLE, "does not match"),  # a program renamed .pdf
        ("report.exe", EXECUTABLE, "cannot be attached"),
        ("photo.jpg", b"\xff\xd8\xff\xe0JFIF", "cannot be attached"),
        ("page.html", b"<script>alert(1)</script>", "cannot be attached"),
        ("notes.txt", b"abc\x00def", "does not match"),  # NUL bytes
        ("notes.txt", b"\x81 abc", "does not match"),  # neither UTF-8 nor Shift_JIS
        ("data.docx", zip_bytes({"word/document.xml": b"x"}), "does not match"),
        (
            "macro.docx",
            zip_bytes({"[Content_Types].xml": b"x", "word/vbaProject.bin": b"x"}),
            "does not match",
        ),
        ("sheet.xlsx", DOCX, "does not match"),  # a Word file renamed
        ("text.odt", zip_bytes({"content.xml": b"x"}), "does not match"),
        ("text.ods", ODT, "does not match"),  # an .odt renamed
        ("empty.pdf", b"", "empty"),
        ("noextension", PDF, "cannot be attached"),
    ],
    ids=lambda value: value if isinstance(value, str) and "." in value else "",
)
def test_a_refused_file_saves_nothing_and_says_why_next_to_the_field(
    client, org, people, private_files, name, data, message
):
    client.force_login(people["author"])

    response = client.post(
        "/en/members/posts/new/",
        {
            **form_data(org),
            "attachment_1": upload("ok.pdf", PDF),
            "attachment_2": upload(name, data),
        },
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["attachment_2"]
    assert message in errors["attachment_2"][0]
    html = response.content.decode()
    assert 'id="id_attachment_2_errors"' in html
    assert 'href="#id_attachment_2"' in html  # the summary links to the field
    assert "choose them again" in html
    assert_nothing_saved(private_files)


def test_an_oversized_file_is_refused_with_the_limit(client, org, people, private_files, settings):
    settings.EXCHANGE_MAX_UPLOAD_MB = 1
    client.force_login(people["author"])

    response = client.post(
        "/en/members/posts/new/",
        {**form_data(org), "attachment_1": upload("big.pdf", PDF + b"0" * (1024 * 1024))},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["attachment_1"] == [
        "This file is too large. Files can be up to 1 MB."
    ]
    assert_nothing_saved(private_files)


def test_the_limit_is_read_from_the_environment(monkeypatch):
    import importlib

    import lms.settings

    monkeypatch.setenv("EXCHANGE_MAX_UPLOAD_MB", "25")
    try:
        assert importlib.reload(lms.settings).EXCHANGE_MAX_UPLOAD_MB == 25
    finally:
        monkeypatch.delenv("EXCHANGE_MAX_UPLOAD_MB")
        importlib.reload(lms.settings)
    assert lms.settings.EXCHANGE_MAX_UPLOAD_MB == 10


def test_messages_are_japanese_first(client, org, people, private_files):
    client.force_login(people["author"])

    response = post_new(client, form_data(org), attachment_1=upload("x.exe", EXECUTABLE))

    assert response.status_code == 400
    assert response.context["form"].errors["attachment_1"] == [
        "この種類のファイルは添付できません。PDF・Word・Excel・PowerPoint・OpenDocument・"
        "テキスト・CSVのファイルを添付してください。"
    ]
    assert '<html lang="ja">' in response.content.decode()
    assert_nothing_saved(private_files)


def test_a_tampered_organisation_id_is_refused(client, org, other_org, people, private_files):
    """A member of A submits the post form with B's id: a form error, nothing saved."""
    client.force_login(people["author"])

    response = client.post(
        "/en/members/posts/new/",
        {**form_data(other_org), "attachment_1": upload("ok.pdf", PDF)},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["organisation"] == [
        "Choose one of your own organisations."
    ]
    assert_nothing_saved(private_files)
    for value in ("999999", "abc", ""):
        response = client.post("/en/members/posts/new/", form_data(org, organisation=value))
        assert response.status_code == 400
    assert_nothing_saved(private_files)


def test_the_service_refuses_an_organisation_the_author_is_not_in(
    org, other_org, people, private_files
):
    with pytest.raises(services.ExchangeError):
        make_post(other_org, people["author"], uploads=[upload("ok.pdf", PDF)])
    assert_nothing_saved(private_files)


def test_a_failure_after_the_files_are_written_removes_them(
    org, people, private_files, monkeypatch
):
    """Everything in one transaction: if the last row cannot be saved, the post and the files
    already written are gone too."""
    original = Attachment.save
    calls = []

    def failing_save(self, *args, **kwargs):
        calls.append(self)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Attachment, "save", failing_save)

    with pytest.raises(RuntimeError):
        make_post(org, people["author"], uploads=[upload("a.pdf", PDF), upload("b.pdf", PDF)])

    assert_nothing_saved(private_files)


def test_a_member_of_several_organisations_chooses_one(client, org, other_org, people):
    from organisations.models import Membership

    person = people["author"]
    Membership.objects.create(organisation=other_org, user=person, role="member")
    client.force_login(person)

    page = client.get("/members/posts/new/")
    choices = [c[0].value for c in page.context["form"].fields["organisation"].choices]
    assert sorted(choices) == sorted([org.pk, other_org.pk])

    response = post_new(client, form_data(other_org))
    assert response.status_code == 302
    assert Post.objects.get().organisation == other_org


def test_missing_fields_are_explained(client, org, people):
    client.force_login(people["author"])

    response = client.post("/en/members/posts/new/", {"organisation": org.pk})

    errors = response.context["form"].errors
    assert errors["kind"] == ["Choose a case report or a resource."]
    assert errors["title"] == ["Give the post a title."]
    assert errors["body"] == ["Write the text of the post."]
    assert Post.objects.count() == 0


def test_a_javascript_link_is_refused(client, org, people):
    client.force_login(people["author"])
    response = post_new(client, form_data(org, link="javascript:alert(1)"))
    assert response.status_code == 400
    assert "link" in response.context["form"].errors


def test_editing_removes_and_adds_files_up_to_three(
    client, org, people, private_files, django_capture_on_commit_callbacks
):
    post = make_post(
        org, people["author"], uploads=[upload("a.pdf", PDF), upload("b.txt", b"memo")]
    )
    first, second = post.attachments.order_by("position")
    client.force_login(people["author"])
    page = client.get(f"/members/posts/{post.pk}/edit/")
    assert [n for n in page.context["form"].fields if n.startswith("attachment_")] == [
        "attachment_1"
    ]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/members/posts/{post.pk}/edit/",
            {
                "kind": "resource",
                "title": "資料を差し替え",
                "body": "新しい版です。",
                "remove": [first.pk],
                "attachment_1": upload("c.odt", ODT),
            },
        )

    assert response.status_code == 302
    names = sorted(post.attachments.values_list("original_name", "position"))
    assert names == [("b.txt", 2), ("c.odt", 1)]
    assert len(files_on_disk(private_files)) == 2


def test_a_fourth_file_is_refused_by_the_database():
    """At most three files per post, whatever the code: positions 1 to 3, once each."""
    from exchange.models import Attachment as A

    names = {c.name for c in A._meta.constraints}
    assert {"exchange_attachment_at_most_three", "exchange_attachment_position_once"} <= names


def test_stored_names_are_random_and_display_names_clean(org, people):
    post = make_post(
        org, people["author"], uploads=[upload("../../etc/passwd\u202e.txt", b"hello")]
    )
    attachment = post.attachments.get()
    assert attachment.original_name == "passwd.txt"
    assert attachment.file.name.startswith("exchange/")
    assert "passwd" not in attachment.file.name


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("C:\\Users\\hanako\\報告.pdf", "報告.pdf"),
        ("  two   spaces .pdf", "two spaces .pdf"),
        ("a\x00b.txt", "ab.txt"),
        ("", "file"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_display_name(given, shown):
    assert display_name(given) == shown


def test_check_upload_without_the_database():
    checked = check_upload(upload("資料.ODT", ODT))
    assert (checked.extension, checked.content_type) == (
        "odt",
        "application/vnd.oasis.opendocument.text",
    )
    with pytest.raises(ValidationError):
        check_upload(upload("資料.pdf", b"%PDF"))  # four bytes: not "%PDF-"


def test_deleting_an_organisation_in_the_admin_deletes_its_posts_files(
    org, other_org, people, private_files, django_capture_on_commit_callbacks
):
    """Posts cascade with their organisation; their files (personal data, often) go too."""
    make_post(org, people["author"], uploads=[upload("a.pdf", PDF), upload("b.txt", b"memo")])
    make_post(other_org, people["other_admin"], uploads=[upload("keep.pdf", PDF)])
    assert len(files_on_disk(private_files)) == 3

    with django_capture_on_commit_callbacks(execute=True):
        org.delete()

    assert [p.name for p in files_on_disk(private_files)] == [
        Attachment.objects.get().file.name.rsplit("/", 1)[-1]
    ]
