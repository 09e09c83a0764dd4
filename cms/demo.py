"""Demo content for local use: a page tree in Japanese with English translations, organisations
with activities, and one account per role.  Every step looks up before it creates, so running
it twice changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from wagtail.models import Locale, Page
from wagtail.rich_text import RichText

from certificates.demo import load_demo_certificates
from cms.models import (
    Activity,
    CaseStudyIndexPage,
    CaseStudyPage,
    NewsIndexPage,
    NewsPage,
    Organisation,
    OrganisationDirectoryPage,
    PlatformOffice,
    StandardPage,
)
from cms.services import site_home_ensure
from courses.demo import load_demo_courses
from exchange.demo import load_demo_exchange
from lessons.demo import load_demo_lessons
from lms import roles
from lms.models import Field, Municipality, OrganisationType, Profession, User
from mentoring.demo import load_demo_mentoring
from opportunities.demo import load_demo_opportunities
from organisations.demo import load_demo_organisations
from surveys.demo import load_demo_surveys
from volunteers.demo import load_demo_volunteers


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str
    full_name: str
    full_name_kana: str
    group: str | None = None
    is_superuser: bool = False
    profession_slug: str | None = None


DEMO_ACCOUNTS = [
    DemoAccount(
        "staff (superuser)",
        "staff@demo.hyogo.example",
        "demo-staff-2026",
        "県庁 太郎",
        "けんちょう たろう",
        is_superuser=True,
    ),
    DemoAccount(
        "content editor",
        "editor@demo.hyogo.example",
        "demo-editor-2026",
        "広報 編子",
        "こうほう あみこ",
        roles.CONTENT_EDITORS,
    ),
    DemoAccount(
        "coordinator",
        "coordinator@demo.hyogo.example",
        "demo-coordinator-2026",
        "社協 調子",
        "しゃきょう ととこ",
        roles.COORDINATORS,
        profession_slug="social-welfare-council-staff",
    ),
    DemoAccount(
        "mentor",
        "mentor@demo.hyogo.example",
        "demo-mentor-2026",
        "先輩 導",
        "せんぱい みちび",
        roles.MENTORS,
        profession_slug="social-worker",
    ),
    DemoAccount(
        "supporter",
        "supporter@demo.hyogo.example",
        "demo-supporter-2026",
        "兵庫 花子",
        "ひょうご はなこ",
        profession_slug="public-health-nurse",
    ),
    DemoAccount(
        "resident volunteer",
        "volunteer@demo.hyogo.example",
        "demo-volunteer-2026",
        "髙橋 﨑子",
        "たかはし さきこ",
        profession_slug="volunteer-resident",
    ),
]

PILLARS_EN = [
    (
        "Connection-making across fields and industries",
        "Supporters from every field combine their strengths to tackle loneliness and isolation together.",
    ),
    ("Prevent and reach out", "Value everyday connections and make it normal to ask for help."),
    (
        "Support for supporters and incubation of new helpers",
        "Build relationships across fields in which supporters encourage each other, and grow new helpers through resident participation.",
    ),
]

ORGANISATIONS = [
    # slug, name, kana, type name, municipality code, fields, description, activities
    (
        "kobe-chuo-shakyo",
        "神戸市中央区社会福祉協議会",
        "こうべしちゅうおうくしゃかいふくしきょうぎかい",
        "社会福祉協議会",
        "281107",
        ["inclusive-community", "volunteering"],
        "地域の見守り活動やサロン運営を通じて、誰もが孤立しない地域づくりを進めています。",
        [
            (
                "ふれあい・いきいきサロン",
                "茶話会と体操で気軽に集まれる場です。",
                "中央区内の地域福祉センター",
                "毎月第2・第4水曜日 13:30〜15:00",
                "どなたでも（高齢の方歓迎）",
            )
        ],
    ),
    (
        "himeji-kodomo-shokudo",
        "NPO法人ひめじ子ども食堂ネット",
        "えぬぴーおーほうじんひめじこどもしょくどうねっと",
        "NPO法人",
        "282014",
        ["child-rearing", "food-bank", "financial-hardship"],
        "子ども食堂のネットワークを運営し、食を通じた居場所づくりに取り組んでいます。",
        [
            (
                "みんなの食堂",
                "子どもも大人も一緒にご飯を食べる地域食堂です。",
                "姫路市内の公民館",
                "毎週土曜日 17:00〜19:00",
                "子どもと保護者、地域の方",
            )
        ],
    ),
    (
        "toyooka-hikikomori",
        "但馬ひきこもり家族会",
        "たじまひきこもりかぞくかい",
        "当事者支援グループ",
        "282090",
        ["hikikomori"],
        "ひきこもりの本人と家族が安心して話せる場を開いています。",
        [
            (
                "家族のつどい",
                "家族同士で気持ちを分かち合う会です。",
                "豊岡市民会館",
                "毎月第3日曜日 14:00〜16:00",
                "ひきこもりの方のご家族",
            ),
            (
                "オンラインおしゃべり会",
                "自宅から参加できる少人数の会です。",
                "",
                "毎月第1金曜日 20:00〜21:00",
                "ご本人・ご家族",
            ),
        ],
    ),
    (
        "amagasaki-shotengai",
        "尼崎中央商店街振興組合",
        "あまがさきちゅうおうしょうてんがいしんこうくみあい",
        "商店街",
        "282022",
        ["regional-development", "community-development"],
        "商店街の空き店舗を活用して、多世代が立ち寄れる居場所を運営しています。",
        [
            (
                "まちの縁側",
                "買い物のついでに一休みできる交流スペースです。",
                "商店街内の交流スペース",
                "火〜土曜日 10:00〜16:00",
                "どなたでも",
            )
        ],
    ),
    (
        "awaji-minsei",
        "淡路市民生委員児童委員連合会",
        "あわじしみんせいいいんじどういいんれんごうかい",
        "民生委員・児童委員",
        "282260",
        ["inclusive-community", "long-term-care"],
        "地域の身近な相談相手として、見守りと訪問活動を行っています。",
        [],
    ),
    (
        "hyogo-bosai-npo",
        "ひょうご防災つながりネット",
        "ひょうごぼうさいつながりねっと",
        "NPO法人",
        "282049",
        ["disaster-prevention", "volunteering"],
        "防災をきっかけにしたご近所づきあいづくりと、地域防災リーダーの育成を行っています。",
        [
            (
                "地域防災リーダー養成講座",
                "避難所運営や要配慮者支援を学ぶ全6回の講座です。",
                "西宮市防災センター",
                "毎年6月〜9月（全6回）",
                "地域で防災活動をしたい方",
            )
        ],
    ),
]

NEWS = [
    (
        "2026-04-10",
        "令和8年度 支援者向け多職種合同研修の受講者を募集します",
        "福祉・医療・教育・行政など多様な職種の支援者が共に学ぶ合同研修を開催します。",
        "Applications open for the 2026 multi-profession joint training",
    ),
    (
        "2026-05-20",
        "地域防災リーダー養成講座の参加者を募集します",
        "防災をきっかけにした地域のつながりづくりを担うリーダーを育成します。",
        "Join the community disaster-prevention leader course",
    ),
    (
        "2026-06-01",
        "県PFキックオフイベントを開催しました",
        "県内各地から参加団体が集まり、「つながりづくり」の先進事例を共有しました。",
        "The platform kick-off event was held",
    ),
]

CASE_STUDIES = [
    (
        "商店街の空き店舗を「まちの縁側」に",
        "amagasaki-shotengai",
        ["regional-development", "community-development"],
        "商店街と社協が連携し、空き店舗を多世代の居場所に生まれ変わらせた事例です。",
    ),
    (
        "子ども食堂から広がる見守りの輪",
        "himeji-kodomo-shokudo",
        ["child-rearing", "food-bank"],
        "子ども食堂が地域の見守り拠点となり、支援が必要な家庭を早期につないだ事例です。",
    ),
]


def _publish(page: Page) -> Page:
    page.save_revision().publish()
    return page


def _child(parent: Page, model, slug: str, **fields) -> Page:
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing:
        return existing
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    return _publish(page)


def _translate(page: Page, locale: Locale, **fields) -> Page:
    """Create (once) the English version of ``page`` and fill in its English text."""
    existing = page.get_translation_or_none(locale)
    if existing:
        return existing.specific
    translated = page.copy_for_translation(locale, copy_parents=True)
    for name, value in fields.items():
        setattr(translated, name, value)
    return _publish(translated)


@transaction.atomic
def load_demo_content() -> list[DemoAccount]:
    locale_en, _ = Locale.objects.get_or_create(language_code="en")
    home = site_home_ensure()

    about = _child(
        home,
        StandardPage,
        "about",
        title="このプラットフォームについて",
        show_in_menus=True,
        intro="「すべての人に居場所がある、兵庫へ」をスローガンに、官民の多様な関係者が地域や分野を超えてつながるための基盤です。",
        body=[
            (
                "paragraph",
                RichText(
                    "<p>社会構造が変化した結果、誰もが孤独・孤立に陥りやすい状況にあります。県PFは研修や情報共有を通じて参加団体を支えます。</p>"
                ),
            )
        ],
    )
    news_index = _child(home, NewsIndexPage, "news", title="お知らせ", show_in_menus=True)
    for date, title, summary, _en in NEWS:
        slug = f"news-{date}"
        _child(
            news_index,
            NewsPage,
            slug,
            title=title,
            date=dt.date.fromisoformat(date),
            summary=summary,
            body=[("paragraph", RichText(f"<p>{summary}</p>"))],
        )
    directory = _child(
        home,
        OrganisationDirectoryPage,
        "organisations",
        title="参加団体",
        show_in_menus=True,
        intro="県PFに参加している団体と、各団体の「つながりづくり」の場を紹介します。",
    )

    fields_by_slug = {f.slug: f for f in Field.objects.all()}
    for slug, name, kana, type_name, code, field_slugs, description, activities in ORGANISATIONS:
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation:
            continue
        municipality = Municipality.objects.get(code=code)
        organisation = Organisation(
            slug=slug,
            name=name,
            name_kana=kana,
            description=description,
            municipality=municipality,
            organisation_type=OrganisationType.objects.get(name=type_name),
            joined_on=dt.date(2026, 4, 1),
        )
        organisation.fields.set([fields_by_slug[s] for s in field_slugs if s in fields_by_slug])
        organisation.activities = [
            Activity(
                title=title,
                description=text,
                place=place,
                schedule=when,
                audience=who,
                municipality=municipality,
                is_online=not place,
            )
            for title, text, place, when, who in activities
        ]
        organisation.save()

    studies_index = _child(
        home,
        CaseStudyIndexPage,
        "case-studies",
        title="先進事例",
        show_in_menus=True,
        intro="参加団体の先進的な取組を紹介します。",
    )
    for index, (title, org_slug, field_slugs, summary) in enumerate(CASE_STUDIES, start=1):
        study = _child(
            studies_index,
            CaseStudyPage,
            f"case-{index}",
            title=title,
            summary=summary,
            organisation=Organisation.objects.get(slug=org_slug),
            body=[("paragraph", RichText(f"<p>{summary}</p>"))],
        )
        if not study.fields.exists():
            study.fields.set([fields_by_slug[s] for s in field_slugs if s in fields_by_slug])
            _publish(study)

    if not home.featured.raw_data:
        home.featured = [("page", directory), ("page", studies_index), ("page", about)]
        _publish(home)

    _translate(
        home,
        locale_en,
        title="Home",
        hero_title="Toward a Hyogo where everyone has a place to belong",
        hero_text="Training and volunteer incubation for Hyogo Prefecture's public-private platform against loneliness and isolation.",
        pillars=[("pillar", {"title": t, "text": x, "link": None}) for t, x in PILLARS_EN],
    )
    _translate(
        about,
        locale_en,
        title="About the platform",
        intro="A platform where public and private partners connect across areas and fields.",
    )
    _translate(news_index, locale_en, title="News")
    for date, _title, _summary, title_en in NEWS:
        page = NewsPage.objects.child_of(news_index).get(slug=f"news-{date}")
        _translate(page, locale_en, title=title_en, summary="")
    _translate(
        directory,
        locale_en,
        title="Participating organisations",
        intro="Organisations taking part in the platform and their connection-making activities.",
    )
    _translate(studies_index, locale_en, title="Case studies")
    _translate(
        StandardPage.objects.child_of(home).get(slug="privacy"),
        locale_en,
        title="How we handle personal information",
        intro="The platform office handles personal information under Japan's Act on the Protection "
        "of Personal Information. The Japanese version of this policy is authoritative.",
    )
    accounts = _demo_accounts()  # before the courses: the demo supporter attends a run
    load_demo_courses(home=home)
    load_demo_certificates()
    load_demo_volunteers()
    load_demo_mentoring()
    load_demo_lessons()
    load_demo_surveys()
    load_demo_opportunities()
    load_demo_organisations()
    load_demo_exchange()  # after the organisations: posts by their admin and members
    office = PlatformOffice.load()
    if not office.name:
        office.name = "ひょうごつながりアカデミー事務局（デモ）"
        office.email = "office@demo.hyogo.example"
        office.phone = "078-000-0000"
        office.address = "神戸市中央区（デモ用の住所です）"
        office.hours = "平日 9:00〜17:30"
        office.save()
    return accounts


def _demo_accounts() -> list[DemoAccount]:
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(email=account.email).first()
        if user is None:
            user = User.objects.create_user(
                account.email,
                account.password,
                full_name=account.full_name,
                full_name_kana=account.full_name_kana,
                is_staff=account.is_superuser
                or account.group in (roles.CONTENT_EDITORS, roles.COORDINATORS),
                is_superuser=account.is_superuser,
                profession=Profession.objects.filter(slug=account.profession_slug).first(),
                municipality=Municipality.objects.filter(code="281107").first(),
                privacy_policy_version=settings.PRIVACY_POLICY_VERSION,
                privacy_consented_at=timezone.now(),
            )
        if account.group:
            user.groups.add(Group.objects.get(name=account.group))
        EmailAddress.objects.get_or_create(
            user=user, email=account.email, defaults={"verified": True, "primary": True}
        )
    return DEMO_ACCOUNTS
