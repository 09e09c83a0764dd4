"""Write-side operations for site content."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from wagtail.models import Locale, Page, Site

from cms.models import SLOGAN, HomePage

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
    if not Site.objects.filter(is_default_site=True).exists():
        Site.objects.create(
            hostname=hostname,
            port=port,
            root_page=home,
            is_default_site=True,
            site_name=settings.WAGTAIL_SITE_NAME,
        )
    return home
