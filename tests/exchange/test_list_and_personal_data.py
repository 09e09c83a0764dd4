"""The list at /members/: notices first, posts newest first, filters by field and kind, words,
pages, and a number of queries that does not grow with the posts.  Then the personal-data
hooks: "download my data" lists a person's posts and comments; withdrawing erases their
comments' text while their organisation's posts stay without an author."""

from __future__ import annotations

import pytest
from django.apps import apps

from exchange import services
from exchange.models import Comment, DigestPreference, Post
from lms.services import user_anonymise
from tests.exchange.conftest import PDF, field, make_post, upload

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return [post.title for post in response.context["page_obj"]]


def test_filters_by_field_kind_and_words(client, org, other_org, people):
    make_post(org, people["author"], title="子ども食堂の相談", fields=[field("child-rearing")])
    make_post(
        other_org,
        people["other_admin"],
        kind="resource",
        title="防災訓練の手引き",
        body="避難所の運営",
        fields=[field("disaster-prevention")],
    )
    make_post(other_org, people["other_member"], title="サロンの運営", body="高齢の方の居場所")
    client.force_login(people["member"])

    assert titles(client.get("/members/")) == [
        "サロンの運営",
        "防災訓練の手引き",
        "子ども食堂の相談",
    ]
    assert titles(client.get("/members/?field=child-rearing")) == ["子ども食堂の相談"]
    assert titles(client.get("/members/?kind=resource")) == ["防災訓練の手引き"]
    assert titles(client.get("/members/?q=運営")) == ["サロンの運営", "防災訓練の手引き"]
    assert titles(client.get("/members/?q=運営 避難所")) == ["防災訓練の手引き"]
    assert titles(client.get("/members/?q=尼崎")) == ["サロンの運営", "防災訓練の手引き"]
    # An invalid filter is reported and ignored; the others still apply.
    response = client.get("/members/?field=nonsense&kind=resource")
    assert titles(response) == ["防災訓練の手引き"]
    assert "field" in response.context["form"].errors


def test_notices_come_first_on_the_first_page(client, org, people):
    services.notice_create(by=people["coordinator"], title="事務局からのお知らせ", body="本文")
    for n in range(25):
        make_post(org, people["author"], title=f"投稿{n}")
    client.force_login(people["member"])

    first = client.get("/members/")
    second = client.get("/members/?page=2")

    assert [n.title for n in first.context["notices"]] == ["事務局からのお知らせ"]
    assert "事務局からのお知らせ" in first.content.decode()
    assert second.context["notices"] == []
    assert len(titles(first)) == 20 and len(titles(second)) == 5
    assert 'rel="next"' in first.content.decode()


def test_the_list_costs_the_same_queries_for_3_or_40_posts(
    client, org, other_org, people, django_assert_max_num_queries
):
    """The posts' organisations, authors, fields and counts are read in bulk: the page's
    queries do not grow with the number of posts, comments or files."""
    for n in range(3):
        make_post(org, people["author"], title=f"少し{n}", fields=[field("child-rearing")])
    client.force_login(people["member"])
    with django_assert_max_num_queries(30) as few:
        assert client.get("/members/").status_code == 200
    count = len(few.captured_queries)

    for n in range(37):
        post = make_post(
            other_org if n % 2 else org,
            people["other_admin"] if n % 2 else people["admin"],
            title=f"たくさん{n}",
            fields=[field("child-rearing"), field("food-bank")],
            uploads=[upload(f"{n}.pdf", PDF)],
        )
        services.comment_add(post=post, author=people["member"], body="参考になります")
        services.notice_create(by=people["coordinator"], title=f"お知らせ{n}", body="本文")

    with django_assert_max_num_queries(count):
        response = client.get("/members/?field=child-rearing&q=たくさん")
    assert len(titles(response)) == 20


def test_the_post_page_costs_the_same_queries_for_many_comments(
    client, org, people, django_assert_max_num_queries
):
    post = make_post(org, people["author"], uploads=[upload("a.pdf", PDF)])
    services.comment_add(post=post, author=people["member"], body="一件目")
    client.force_login(people["other_member"])
    with django_assert_max_num_queries(30) as few:
        client.get(f"/members/posts/{post.pk}/")
    count = len(few.captured_queries)
    for n in range(20):
        services.comment_add(post=post, author=people["other_admin"], body=f"コメント{n}")
    with django_assert_max_num_queries(count):
        assert client.get(f"/members/posts/{post.pk}/").status_code == 200


def test_my_data_lists_my_posts_and_comments(org, people):
    person = people["author"]
    post = make_post(
        org,
        person,
        title="私の事例",
        body="本文です",
        fields=[field("child-rearing")],
        uploads=[upload("資料.pdf", PDF)],
    )
    services.comment_add(post=post, author=person, body="補足します")
    services.comment_add(post=post, author=people["member"], body="他人のコメント")
    services.digest_preference_set(user=person, weekly=False)

    data = apps.get_app_config("exchange").personal_data(person)["members_exchange"]

    [mine] = data["posts"]
    assert (mine["title"], mine["text"], mine["organisation"]) == ("私の事例", "本文です", org.name)
    assert mine["attachments"] == ["資料.pdf"] and mine["kind"] == "case_report"
    assert [c["text"] for c in data["comments"]] == ["補足します"]
    assert data["weekly_digest"] is False


def test_my_data_page_includes_the_exchange(client, org, people):
    from lms.selectors import user_personal_data

    make_post(org, people["author"], title="私の事例")
    assert user_personal_data(user=people["author"])["members_exchange"]["posts"]
    client.force_login(people["author"])
    page = client.get("/en/profile/my-data/view/").content.decode()
    assert "Members&#x27; exchange" in page and "私の事例" in page


def test_withdrawal_erases_comments_and_keeps_posts_without_the_author(client, org, people):
    person = people["author"]
    post = make_post(org, person, title="団体の事例")
    other = make_post(org, people["admin"], title="管理者の事例")
    services.comment_add(post=other, author=person, body="電話番号は090-0000-0000です")
    kept = services.comment_add(post=other, author=people["member"], body="別の人のコメント")
    services.digest_preference_set(user=person, weekly=False)

    user_anonymise(user=person)

    post.refresh_from_db()
    assert post.title == "団体の事例" and post.author is None
    erased = Comment.objects.get(post=other, author__isnull=True)
    assert erased.body == ""
    assert Comment.objects.get(pk=kept.pk).body == "別の人のコメント"
    assert not DigestPreference.objects.filter(user=person).exists()
    assert Post.objects.count() == 2

    client.force_login(people["member"])
    html = client.get(f"/members/posts/{other.pk}/").content.decode()
    assert "090-0000-0000" not in html
    assert "別の人のコメント" in html
    assert client.get(f"/members/posts/{post.pk}/").status_code == 200


def test_the_dashboard_and_my_organisations_link_to_the_exchange(client, org, people):
    client.force_login(people["member"])
    assert (
        'href="/members/"' in client.get(f"/organisations/{org.slug}/dashboard/").content.decode()
    )
    assert 'href="/members/"' in client.get("/organisations/mine/").content.decode()
