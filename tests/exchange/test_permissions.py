"""Every members' exchange URL, requested by each kind of person: anonymous visitors are asked
to sign in; signed-in people who are neither members of a partner organisation nor the
secretariat get the "for members" page (403) with a link to apply; members and the
secretariat read everything; only the author (or an admin of the post's organisation) edits
and deletes; only the secretariat writes notices and hides posts.  The text of the post, its
comment and its file never appear in a denied response, and a URL added without an entry here
fails the first test."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from exchange import services
from exchange.models import Attachment, Comment, Notice, Post
from tests.exchange.conftest import make_post, upload
from tests.url_names import url_names_starting_with

pytestmark = pytest.mark.django_db

SECRET_BODY = "内部資料：A さん宅の訪問記録"
SECRET_COMMENT = "内密：来月の助成金の件"
SECRET_FILE = b"%PDF-1.4\n(SECRET-FILE-CONTENT)\n%%EOF\n"
SECRET_TITLE = "非公開の事例報告タイトル"

PEOPLE = [
    "anonymous",
    "volunteer",
    "author",
    "member",
    "admin",
    "other_member",
    "other_admin",
    "coordinator",
    "editor",
]
MEMBERS = {"author", "member", "admin", "other_member", "other_admin"}
INSIDE = MEMBERS | {"coordinator"}
OUTSIDE = {"volunteer", "editor"}  # signed in, neither members nor the secretariat
EDITORS_OF_THE_POST = {"author", "admin"}

# url name -> (method, who may use it)
MATRIX = {
    "exchange:list": ("get", INSIDE),
    "exchange:post": ("get", INSIDE),
    "exchange:post_new": ("get", MEMBERS),
    "exchange:post_edit": ("get", EDITORS_OF_THE_POST),
    "exchange:post_delete": ("get", EDITORS_OF_THE_POST),
    "exchange:comment": ("post", INSIDE),
    "exchange:attachment": ("get", INSIDE),
    "exchange:notice_new": ("get", {"coordinator"}),
    "exchange:notice": ("get", INSIDE),
    "exchange:preferences": ("get", INSIDE),
    "exchange:unsubscribe": ("get", set(PEOPLE)),  # the signed link is the key
    "exchange_admin_posts": ("get", {"coordinator"}),
    "exchange_admin_post_hide": ("post", {"coordinator"}),
}
POST_DATA = {
    "exchange:comment": {"body": "コメントします"},
    "exchange_admin_post_hide": {"action": "hide"},  # what a refused person must not manage
}


def test_every_exchange_url_is_in_the_matrix():
    assert url_names_starting_with("exchange:", "exchange_") == set(MATRIX)


@pytest.fixture
def scene(org, people):
    post = make_post(
        org,
        people["author"],
        title=SECRET_TITLE,
        body=SECRET_BODY,
        uploads=[upload("訪問記録.pdf", SECRET_FILE, "application/pdf")],
    )
    services.comment_add(post=post, author=people["member"], body=SECRET_COMMENT)
    notice = services.notice_create(
        by=people["coordinator"], title="情報交換会のお知らせ", body="来月開催します。"
    )
    return {
        "post": post,
        "attachment": post.attachments.get(),
        "notice": notice,
        "token": services.unsubscribe_token(user=people["member"]),
    }


def url_for(name: str, scene) -> str:
    args = {
        "exchange:post": [scene["post"].pk],
        "exchange:post_edit": [scene["post"].pk],
        "exchange:post_delete": [scene["post"].pk],
        "exchange:comment": [scene["post"].pk],
        "exchange:attachment": [scene["attachment"].pk],
        "exchange:notice": [scene["notice"].pk],
        "exchange:unsubscribe": [scene["token"]],
        "exchange_admin_post_hide": [scene["post"].pk],
    }.get(name, [])
    return reverse(name, args=args)


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.parametrize("who", PEOPLE)
def test_each_person_reaches_only_what_they_may(client, people, scene, who):
    person = people[who]
    if person:
        client.force_login(person)
    for name, (method, allowed) in MATRIX.items():
        url = url_for(name, scene)
        response = getattr(client, method)(url, POST_DATA.get(name, {}))
        body = body_of(response)
        if who in allowed:
            assert response.status_code in (200, 302), (who, name, response.status_code)
            if method == "get":
                assert response.status_code == 200, (who, name)
            continue
        if who == "anonymous":
            assert response.status_code == 302, (name, response.status_code)
            assert response["Location"].startswith("/accounts/login/"), name
        elif name.startswith("exchange_") and who == "editor":
            # Staff with admin access but without the secretariat's permissions are refused
            # (Wagtail's way: back to the dashboard with a message), and nothing changes.
            assert response.status_code in (302, 403), (who, name, response.status_code)
            if response.status_code == 302:
                assert response["Location"] == "/admin/", (who, name)
        elif name.startswith("exchange_"):
            # People without admin access are sent to Wagtail's front door.
            assert response.status_code == 302, (who, name, response.status_code)
        elif who in OUTSIDE:
            assert response.status_code == 403, (who, name, response.status_code)
            page = body.decode()
            assert reverse("organisations:apply") in page, (who, name)
        else:
            assert response.status_code == 404, (who, name, response.status_code)
        assert SECRET_BODY.encode() not in body, (who, name)
        assert SECRET_COMMENT.encode() not in body, (who, name)
        assert b"SECRET-FILE-CONTENT" not in body, (who, name)
        if who in OUTSIDE | {"anonymous"}:
            assert SECRET_TITLE.encode() not in body, (who, name)
    scene["post"].refresh_from_db()
    assert scene["post"].hidden is (who == "coordinator")
    assert Comment.objects.count() == (2 if who in INSIDE else 1)


def test_the_for_members_page_explains_and_links_to_apply(client, people, scene):
    client.force_login(people["volunteer"])

    response = client.get("/members/")

    assert response.status_code == 403
    assert response.templates[0].name == "exchange/members_only.html"
    html = response.content.decode()
    assert '<a class="button" href="/organisations/apply/">' in html
    assert SECRET_TITLE not in html


def test_members_of_any_organisation_read_the_post_and_its_comment(client, people, scene):
    client.force_login(people["other_member"])

    html = client.get(f"/members/posts/{scene['post'].pk}/").content.decode()

    assert SECRET_BODY in html and SECRET_COMMENT in html
    assert f"/members/files/{scene['attachment'].pk}/" in html
    assert f"/members/posts/{scene['post'].pk}/edit/" not in html  # not theirs to edit


def test_files_are_downloaded_as_attachments_with_nosniff(client, people, scene):
    client.force_login(people["other_member"])

    response = client.get(f"/members/files/{scene['attachment'].pk}/")

    assert response.status_code == 200
    assert body_of(response) == SECRET_FILE
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        "filename*=utf-8''%E8%A8%AA%E5%95%8F%E8%A8%98%E9%8C%B2.pdf"
        in (response["Content-Disposition"])
    )


def test_files_are_not_downloadable_by_non_members(client, people, scene):
    url = f"/members/files/{scene['attachment'].pk}/"
    assert client.get(url).status_code == 302
    for who in ("volunteer", "editor"):
        client.force_login(people[who])
        response = client.get(url)
        assert response.status_code == 403
        assert b"SECRET-FILE-CONTENT" not in body_of(response)


def test_a_file_is_checked_on_every_download(client, people, scene, org):
    """Someone removed from the organisation cannot use a link they kept."""
    from organisations.models import Membership

    person = people["member"]
    client.force_login(person)
    url = f"/members/files/{scene['attachment'].pk}/"
    assert client.get(url).status_code == 200

    Membership.objects.filter(user=person).delete()

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("who", ["other_admin", "other_member", "member", "coordinator"])
def test_others_cannot_edit_or_delete_the_post(client, people, scene, who):
    post = scene["post"]
    client.force_login(people[who])
    before = list(Post.objects.values_list("pk", "title", "body"))

    edit = client.post(
        f"/members/posts/{post.pk}/edit/",
        {"kind": "resource", "title": "乗っ取り", "body": "書き換え"},
    )
    delete = client.post(f"/members/posts/{post.pk}/delete/")

    assert (edit.status_code, delete.status_code) == (404, 404)
    assert list(Post.objects.values_list("pk", "title", "body")) == before
    assert Attachment.objects.count() == 1


def test_an_admin_of_the_posts_organisation_can_edit_and_delete_it(
    client, people, scene, private_files, django_capture_on_commit_callbacks
):
    from tests.exchange.conftest import files_on_disk

    post = scene["post"]
    client.force_login(people["admin"])

    response = client.post(
        f"/members/posts/{post.pk}/edit/",
        {"kind": "resource", "title": "直しました", "body": "管理者が修正"},
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.title, post.kind, post.author) == ("直しました", "resource", people["author"])

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/members/posts/{post.pk}/delete/").status_code == 302
    assert not Post.objects.exists()
    assert not Comment.objects.exists()
    assert not Attachment.objects.exists()
    assert files_on_disk(private_files) == []


def test_an_author_who_left_the_organisation_can_no_longer_edit(client, people, scene):
    from organisations.models import Membership

    Membership.objects.filter(user=people["author"]).delete()
    client.force_login(people["author"])

    assert client.get(f"/members/posts/{scene['post'].pk}/edit/").status_code == 403


def test_hidden_posts_are_not_found_for_members_but_visible_to_the_secretariat(
    client, people, scene
):
    post = scene["post"]
    services.post_set_hidden(post=post, by=people["coordinator"], hidden=True)

    client.force_login(people["author"])
    assert client.get(f"/members/posts/{post.pk}/").status_code == 404
    assert client.get(f"/members/files/{scene['attachment'].pk}/").status_code == 404
    assert client.post(f"/members/posts/{post.pk}/comments/", {"body": "x"}).status_code == 404
    assert SECRET_TITLE not in client.get("/members/").content.decode()

    client.force_login(people["coordinator"])
    html = client.get(f"/members/posts/{post.pk}/").content.decode()
    assert SECRET_BODY in html
    assert SECRET_TITLE in client.get("/members/").content.decode()


def test_the_secretariat_hides_and_shows_a_post_in_the_admin(client, people, scene):
    post = scene["post"]
    client.force_login(people["coordinator"])

    listing = client.get("/admin/exchange/posts/")
    assert listing.status_code == 200
    assert SECRET_TITLE in listing.content.decode()

    response = client.post(f"/admin/exchange/posts/{post.pk}/hide/", {"action": "hide"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.hidden and post.hidden_by == people["coordinator"] and post.hidden_at

    client.post(
        f"/admin/exchange/posts/{post.pk}/hide/",
        {"action": "unhide", "next": f"/members/posts/{post.pk}/"},
    )
    post.refresh_from_db()
    assert not post.hidden and post.hidden_at is None


def test_the_hide_button_does_not_redirect_elsewhere(client, people, scene):
    client.force_login(people["coordinator"])
    response = client.post(
        f"/admin/exchange/posts/{scene['post'].pk}/hide/",
        {"action": "hide", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/admin/exchange/posts/"


def test_only_the_secretariat_writes_notices(client, people, scene):
    client.force_login(people["admin"])
    assert client.post("/members/notices/new/", {"title": "x", "body": "y"}).status_code == 404

    client.force_login(people["coordinator"])
    response = client.post(
        "/members/notices/new/", {"title": "研修のお知らせ", "body": "ご参加ください。"}
    )
    assert response.status_code == 302
    notice = Notice.objects.get(title="研修のお知らせ")
    assert notice.posted_by == people["coordinator"]
    assert "研修のお知らせ" in client.get("/members/").content.decode()


def test_the_secretariat_reads_but_does_not_post_for_an_organisation(client, people, scene):
    client.force_login(people["coordinator"])
    assert client.get("/members/posts/new/").status_code == 404
    assert client.get(f"/members/posts/{scene['post'].pk}/edit/").status_code == 404


def test_unknown_ids_are_not_found(client, people, scene):
    client.force_login(people["member"])
    for url in ("/members/posts/999999/", "/members/files/999999/", "/members/notices/999999/"):
        assert client.get(url).status_code == 404, url


def test_a_superuser_is_the_secretariat(client, people, scene):
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/members/").status_code == 200
    assert client.get(f"/members/files/{scene['attachment'].pk}/").status_code == 200


def test_comments_are_saved_with_their_author(client, people, scene):
    client.force_login(people["other_admin"])
    response = client.post(
        f"/members/posts/{scene['post'].pk}/comments/", {"body": "参考になります"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(f"/members/posts/{scene['post'].pk}/#comment-")
    assert Comment.objects.filter(author=people["other_admin"], body="参考になります").exists()


def test_an_empty_comment_is_refused_with_a_message(client, people, scene):
    client.force_login(people["other_admin"])
    response = client.post(f"/members/posts/{scene['post'].pk}/comments/", {"body": "  "})
    assert response.status_code == 400
    assert response.context["comment_form"].errors["body"]
    assert Comment.objects.count() == 1


def test_pdf_upload_is_stored_outside_media_root(scene, private_files, settings):
    attachment = scene["attachment"]
    assert attachment.file.name.startswith("exchange/")
    assert "訪問記録" not in attachment.file.name
    path = Path(attachment.file.path)
    assert private_files in path.parents
    assert Path(settings.MEDIA_ROOT) not in path.parents
    assert attachment.content_type == "application/pdf" and attachment.size == len(SECRET_FILE)


def test_attachments_use_the_private_storage_never_media_root():
    from django.core.files.storage import storages

    from exchange.models import private_storage
    from lms import settings as real

    assert Attachment._meta.get_field("file")._storage_callable is private_storage
    assert private_storage() is storages["private"]
    assert real.STORAGES["private"]["OPTIONS"]["location"] == real.PRIVATE_ROOT
    assert real.PRIVATE_ROOT != real.MEDIA_ROOT
    assert Path(real.MEDIA_ROOT) not in Path(real.PRIVATE_ROOT).parents


def test_anonymous_comment_post_goes_to_sign_in(client, scene):
    response = client.post(f"/members/posts/{scene['post'].pk}/comments/", {"body": "x"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
