"""Write-side operations for site content."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from wagtail.models import Locale, Page, Site
from wagtail.rich_text import RichText

from cms.models import SLOGAN, HomePage, StandardPage
from lms.links import PRIVACY_POLICY_SLUG

PRIVACY_POLICY_INTRO = (
    "兵庫県版孤独・孤立対策官民連携プラットフォーム事務局（以下「事務局」）は、"
    "このサイトで取り扱う個人情報を、個人情報の保護に関する法律その他の法令に従い、次のとおり取り扱います。"
)
PRIVACY_POLICY_SECTIONS = [
    (
        "取得する情報",
        "メールアドレス、氏名、ふりがな、パスワード（暗号化して保存）。任意で、職種、所属団体、市町、希望する言語。"
        "研修に申し込んだ場合は、申込・出欠・修了の記録。",
    ),
    (
        "利用目的",
        "研修・講座の申込受付とご連絡、出欠の管理と修了証の発行、ボランティア活動やメンタリングの調整、"
        "個人を特定しない形での統計の作成。これ以外の目的には利用しません。",
    ),
    (
        "第三者への提供",
        "法令に基づく場合を除き、ご本人の同意なく第三者に提供しません。研修を共催する参加団体には、"
        "その研修の運営に必要な範囲に限って共有します。",
    ),
    (
        "安全管理",
        "個人情報を閲覧できるのは、業務上必要な担当者に限ります。通信は暗号化し、アクセスの記録を残します。",
    ),
    (
        "確認・訂正・削除",
        "「マイプロフィール」で、登録内容の確認・訂正、保有している情報のダウンロード、アカウントの削除がいつでもできます。"
        "送信したメールの記録は、配信後180日で削除します。その他の開示・利用停止のご請求は事務局までご連絡ください。",
    ),
    ("改定", "この方針を改定したときは、このページでお知らせし、版を更新します。"),
]


# The three pillars (3つの柱) of the prefecture's platform document.
PILLARS = [
    (
        "多分野×異業種による「つながりづくり」の活用・連携",
        "地域社会のあらゆる生活課題に関わる支援者が、それぞれの強みを活かしながら力を合わせて孤独・孤立対策に取り組むため、多様な分野における横断的な連携を推進します。",
    ),
    (
        "防ごう・呼ぼう",
        "平時からの「つながり」を大切にする取組を推進するとともに、お互い様や寛容の精神により、人に頼りやすく・助けを呼びやすい機運の醸成を図ります。",
    ),
    (
        "支援者支援と担い手インキュベーション",
        "支援者間で分野を超えたつながりを持ち励まし合える関係を構築するとともに、住民参画による支援の担い手の確保・育成を図ります。",
    ),
]


@transaction.atomic
def site_home_ensure(*, hostname: str = "localhost", port: int = 80) -> HomePage:
    """Make our Japanese HomePage the root of the default Site, creating both if missing.

    Used on a new installation (``manage.py setup_site``) and by the demo loader.  Wagtail's
    install leaves a plain "Welcome" page and a Site pointing at it; both are replaced.
    Existing content is never touched: running it again changes nothing.
    """
    locale_ja, _ = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    Locale.objects.get_or_create(language_code="en")
    home = HomePage.objects.filter(locale=locale_ja).first()
    if home is None:
        root = Page.get_first_root_node()
        for placeholder in root.get_children().filter(content_type__model="page", slug="home"):
            Site.objects.filter(root_page=placeholder).delete()
            placeholder.delete()
        home = HomePage(
            title="ホーム",
            slug="home",
            locale=locale_ja,
            hero_title=SLOGAN,
            hero_text="兵庫県版孤独・孤立対策官民連携プラットフォームの研修とボランティア育成のサイトです。"
            "支援者向け多職種合同研修や、地域づくり活動の次世代リーダー育成に参加できます。",
            pillars=[
                ("pillar", {"title": title, "text": text, "link": None}) for title, text in PILLARS
            ],
        )
        root.add_child(instance=home)
        home.save_revision().publish()
    privacy_page_ensure(home=home)
    if not Site.objects.filter(is_default_site=True).exists():
        Site.objects.create(
            hostname=hostname,
            port=port,
            root_page=home,
            is_default_site=True,
            site_name=settings.WAGTAIL_SITE_NAME,
        )
    return home


def privacy_page_ensure(*, home: HomePage) -> StandardPage:
    """The privacy policy people agree to at sign-up (slug ``privacy``), created once."""
    existing = StandardPage.objects.child_of(home).filter(slug=PRIVACY_POLICY_SLUG).first()
    if existing:
        return existing
    body = []
    for heading, text in PRIVACY_POLICY_SECTIONS:
        body.append(("heading", {"text": heading, "level": "h2"}))
        body.append(("paragraph", RichText(f"<p>{text}</p>")))
    page = StandardPage(
        title="個人情報の取扱いについて",
        slug=PRIVACY_POLICY_SLUG,
        intro=f"{PRIVACY_POLICY_INTRO}（{settings.PRIVACY_POLICY_VERSION}版）",
        body=body,
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    return page
