"""Demo members' exchange: the children's canteen network's admin shares a case report and a
checklist (a small text file); 中村 健一 (a demo joint-training participant who works at the
Kobe social welfare council) joins 神戸市中央区社会福祉協議会 as a member, shares a resource
with a link and comments on the case report; the secretariat posts a notice.  No new accounts;
made through the services; idempotent."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from cms.models import Organisation
from exchange import services
from exchange.models import Comment, Notice, Post, PostKind
from lms.models import Field, User
from organisations.demo import ORG_ADMIN
from organisations.models import MemberRole, Membership

CASE_REPORT = "子ども食堂に「相談コーナー」を置いてみて"
CHECKLIST = "子ども食堂の衛生管理チェックリスト"
RESOURCE = "見守り活動の手引き（社協版）"
NOTICE = "情報交換会（第2回）のご案内"
KOBE_MEMBER = "joint2@demo.hyogo.example"  # 中村 健一 (courses.demo)
COORDINATOR = "coordinator@demo.hyogo.example"

CHECKLIST_TEXT = """子ども食堂の衛生管理チェックリスト
- 調理前の手洗いと消毒
- 食材の消費期限の確認
- 冷蔵庫の温度記録（10℃以下）
- アレルギー表示の掲示
"""


@transaction.atomic
def load_demo_exchange() -> None:
    canteen = Organisation.objects.filter(slug="himeji-kodomo-shokudo").first()
    shakyo = Organisation.objects.filter(slug="kobe-chuo-shakyo").first()
    canteen_admin = User.objects.filter(email=ORG_ADMIN[0]).first()
    kobe_member = User.objects.filter(email=KOBE_MEMBER).first()
    if shakyo and kobe_member:
        Membership.objects.get_or_create(
            organisation=shakyo, user=kobe_member, defaults={"role": MemberRole.MEMBER}
        )
    if canteen and canteen_admin:
        _case_report(canteen, canteen_admin, kobe_member, shakyo)
        _post(
            canteen,
            canteen_admin,
            kind=PostKind.RESOURCE,
            title=CHECKLIST,
            body="ボランティアさん向けに使っている衛生管理のチェックリストです。ご自由にお使いください。",
            fields=["food-bank", "child-rearing"],
            uploads=[
                SimpleUploadedFile(
                    "衛生管理チェックリスト.txt", CHECKLIST_TEXT.encode(), "text/plain"
                )
            ],
        )
    if shakyo and kobe_member:
        _post(
            shakyo,
            kobe_member,
            kind=PostKind.RESOURCE,
            title=RESOURCE,
            body="地域の見守り活動を始める住民の方向けの手引きです。訪問時の声かけ例や、"
            "心配なときの連絡先の整理の仕方をまとめています。",
            fields=["inclusive-community", "volunteering"],
            link="https://www.example.jp/mimamori-tebiki",
        )
    coordinator = User.objects.filter(email=COORDINATOR).first()
    if coordinator and not Notice.objects.filter(title=NOTICE).exists():
        services.notice_create(
            by=coordinator,
            title=NOTICE,
            body="参加団体どうしの情報交換会を開きます。今回のテーマは「孤立しがちな子育て世帯とのつながり方」です。"
            "事例報告をしてくださる団体を募集しています。この情報交換のページに事例を投稿してください。",
        )


def _case_report(canteen, author, commenter, commenter_org) -> None:
    post = _post(
        canteen,
        author,
        kind=PostKind.CASE_REPORT,
        title=CASE_REPORT,
        body="食堂の一角に、地域包括支援センターの職員さんが月1回座る「相談コーナー」を設けました。"
        "食事のついでに保護者が気軽に話せるようになり、3か月で8件の相談が専門機関につながりました。"
        "\n工夫した点：看板を出さず「おしゃべりコーナー」と呼んだこと、子どもの見守りをボランティアが引き受けたこと。",
        fields=["child-rearing", "food-bank", "financial-hardship"],
    )
    if (
        commenter
        and commenter_org
        and not Comment.objects.filter(post=post).exists()
        and Membership.objects.filter(organisation=commenter_org, user=commenter).exists()
    ):
        services.comment_add(
            post=post,
            author=commenter,
            body="名前の付け方の工夫、参考になります。社協のサロンでも試してみます。",
        )


def _post(organisation, author, *, title: str, fields: list[str], uploads=(), **data) -> Post:
    existing = Post.objects.filter(organisation=organisation, title=title).first()
    if existing is not None:
        return existing
    return services.post_create(
        organisation=organisation,
        author=author,
        data={"title": title, "fields": list(Field.objects.filter(slug__in=fields)), **data},
        uploads=uploads,
    )
