"""Reference taxonomies of the platform, as plain data plus an idempotent loader.

Sources:

* ``FIELDS``, ``ORGANISATION_GROUPS`` and ``PROFESSIONS`` follow the lists in the prefecture's
  platform document (fields of activity 分野, the five groups of member organisations and
  their types, the professions of supporters); the last five fields come from the
  prefecture's list of departments.
* ``MUNICIPALITIES`` and ``KOBE_WARDS`` use the 全国地方公共団体コード published by
  総務省 (Ministry of Internal Affairs and Communications); ``lg_code`` adds the check digit.

``load_taxonomies`` is meant for a data migration::

    migrations.RunPython(lambda apps, schema_editor: load_taxonomies(apps))
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.apps.registry import Apps

# (slug, japanese_name, english_name)
FIELDS: list[tuple[str, str, str]] = [
    ("education", "教育", "Education"),
    ("inclusive-community", "地域共生社会", "Inclusive community"),
    ("human-rights", "人権啓発", "Human rights awareness"),
    ("participation-collaboration", "参画協働", "Participation and collaboration"),
    ("regional-development", "地域振興", "Regional development"),
    ("financial-hardship", "生活困窮", "People in financial hardship"),
    ("crime-victims", "犯罪被害者", "Crime victims"),
    ("sexual-minorities", "性的マイノリティ", "Sexual minorities (LGBTQ+)"),
    ("multicultural", "多文化共生", "Multicultural coexistence"),
    ("disaster-prevention", "防災", "Disaster prevention"),
    ("lifelong-learning", "生涯学習", "Lifelong learning"),
    ("child-rearing", "子育て", "Child-rearing"),
    ("long-term-care", "介護", "Long-term care"),
    ("disability", "障害", "Disability"),
    ("economy-employment", "経済・就労", "Economy and employment"),
    ("youth", "青少年", "Youth"),
    ("volunteering", "ボランティア", "Volunteering"),
    ("food-bank", "フードバンク", "Food banks"),
    ("npo-support", "NPO支援", "NPO support"),
    ("hikikomori", "ひきこもり", "Hikikomori (social withdrawal)"),
    ("housing", "住宅", "Housing"),
    # From the prefecture's departments list.
    ("welfare-general", "福祉全般", "Welfare (general)"),
    ("residents-life", "県民生活", "Residents' daily life"),
    ("community-development", "まちづくり", "Community development"),
    ("health-medical", "保健・医療", "Health and medical care"),
    ("police-fire", "警察・消防", "Police and fire services"),
]

# (slug, japanese_name, english_name, [(japanese_type, english_type), ...])
# Every group also gets an "その他" type, added by ``organisation_types``.
ORGANISATION_GROUPS: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    (
        "local-government",
        "地方公共団体",
        "Local governments",
        [
            ("兵庫県", "Hyogo Prefecture"),
            ("県内市町", "Municipalities in Hyogo"),
        ],
    ),
    (
        "private-support",
        "当事者支援を行う民間団体",
        "Private organisations supporting people directly",
        [
            ("社会福祉協議会", "Councils of social welfare"),
            ("社会福祉法人", "Social welfare corporations"),
            ("ほっとかへんネット", "Hottokahen Net (social welfare corporations' network)"),
            ("NPO法人", "NPO corporations"),
            ("社団法人・財団法人", "Incorporated associations and foundations"),
            ("職能団体", "Professional associations"),
            ("保健・医療・福祉の専門機関", "Health, medical and welfare institutions"),
            ("当事者支援グループ", "Self-help and peer-support groups"),
        ],
    ),
    (
        "other-related",
        "その他関係団体",
        "Other related organisations",
        [
            (
                "生協・農協・漁協・労働者協同組合",
                "Consumer, agricultural, fishery and workers' cooperatives",
            ),
            (
                "市民活動団体（スポーツクラブ・文化芸術サークル・環境保全NPO等）",
                "Civic groups (sports clubs, arts and culture circles, environmental NPOs, etc.)",
            ),
        ],
    ),
    (
        "private-companies",
        "民間企業",
        "Private companies",
        [
            ("地域企業", "Local businesses"),
            ("商店街", "Shopping street associations"),
            ("商工会", "Societies of commerce and industry"),
            ("企業同友会", "Business owners' associations"),
        ],
    ),
    (
        "community",
        "地域活動団体・支援者",
        "Community groups and supporters",
        [
            ("民生委員・児童委員", "Welfare commissioners and child welfare commissioners"),
            ("ボランティア団体", "Volunteer groups"),
        ],
    ),
]

# (slug, japanese_name, english_name)
PROFESSIONS: list[tuple[str, str, str]] = [
    ("social-worker", "社会福祉士", "Certified social worker"),
    ("psychiatric-social-worker", "精神保健福祉士", "Psychiatric social worker"),
    ("care-worker", "介護福祉士", "Certified care worker"),
    ("care-manager", "介護支援専門員（ケアマネジャー）", "Care manager"),
    ("support-consultant", "相談支援専門員", "Disability support consultant"),
    ("public-health-nurse", "保健師", "Public health nurse"),
    ("nurse", "看護師", "Nurse"),
    ("physician", "医師", "Physician"),
    ("psychologist", "公認心理師・臨床心理士", "Certified / clinical psychologist"),
    ("childcare-worker", "保育士", "Childcare worker"),
    ("teacher", "教員", "Teacher"),
    ("school-social-worker", "スクールソーシャルワーカー", "School social worker"),
    ("social-welfare-council-staff", "社会福祉協議会職員", "Council of social welfare staff"),
    ("government-staff", "行政職員", "Local government staff"),
    (
        "welfare-commissioner",
        "民生委員・児童委員",
        "Welfare commissioner / child welfare commissioner",
    ),
    ("npo-staff", "NPO・市民活動団体職員", "NPO / civic group staff"),
    ("business", "企業・商店街関係者", "Business / shopping street member"),
    ("student", "学生", "Student"),
    ("volunteer-resident", "ボランティア・地域住民", "Volunteer / local resident"),
    ("other", "その他", "Other"),
]

MUNICIPALITY_KEYS = ("code5", "name", "kana", "en", "kind")

# Hyogo's 41 municipalities (29 cities, 12 towns) in official code order:
# (code5, name, kana, en, kind), code5 being the 団体コード without its check digit.
_MUNICIPALITY_ROWS: list[tuple[str, str, str, str, str]] = [
    ("28100", "神戸市", "こうべし", "Kobe", "city"),
    ("28201", "姫路市", "ひめじし", "Himeji", "city"),
    ("28202", "尼崎市", "あまがさきし", "Amagasaki", "city"),
    ("28203", "明石市", "あかしし", "Akashi", "city"),
    ("28204", "西宮市", "にしのみやし", "Nishinomiya", "city"),
    ("28205", "洲本市", "すもとし", "Sumoto", "city"),
    ("28206", "芦屋市", "あしやし", "Ashiya", "city"),
    ("28207", "伊丹市", "いたみし", "Itami", "city"),
    ("28208", "相生市", "あいおいし", "Aioi", "city"),
    ("28209", "豊岡市", "とよおかし", "Toyooka", "city"),
    ("28210", "加古川市", "かこがわし", "Kakogawa", "city"),
    ("28212", "赤穂市", "あこうし", "Ako", "city"),
    ("28213", "西脇市", "にしわきし", "Nishiwaki", "city"),
    ("28214", "宝塚市", "たからづかし", "Takarazuka", "city"),
    ("28215", "三木市", "みきし", "Miki", "city"),
    ("28216", "高砂市", "たかさごし", "Takasago", "city"),
    ("28217", "川西市", "かわにしし", "Kawanishi", "city"),
    ("28218", "小野市", "おのし", "Ono", "city"),
    ("28219", "三田市", "さんだし", "Sanda", "city"),
    ("28220", "加西市", "かさいし", "Kasai", "city"),
    ("28221", "丹波篠山市", "たんばささやまし", "Tamba-Sasayama", "city"),
    ("28222", "養父市", "やぶし", "Yabu", "city"),
    ("28223", "丹波市", "たんばし", "Tamba", "city"),
    ("28224", "南あわじ市", "みなみあわじし", "Minamiawaji", "city"),
    ("28225", "朝来市", "あさごし", "Asago", "city"),
    ("28226", "淡路市", "あわじし", "Awaji", "city"),
    ("28227", "宍粟市", "しそうし", "Shiso", "city"),
    ("28228", "加東市", "かとうし", "Kato", "city"),
    ("28229", "たつの市", "たつのし", "Tatsuno", "city"),
    ("28301", "猪名川町", "いながわちょう", "Inagawa", "town"),
    ("28365", "多可町", "たかちょう", "Taka", "town"),
    ("28381", "稲美町", "いなみちょう", "Inami", "town"),
    ("28382", "播磨町", "はりまちょう", "Harima", "town"),
    ("28442", "市川町", "いちかわちょう", "Ichikawa", "town"),
    ("28443", "福崎町", "ふくさきちょう", "Fukusaki", "town"),
    ("28446", "神河町", "かみかわちょう", "Kamikawa", "town"),
    ("28464", "太子町", "たいしちょう", "Taishi", "town"),
    ("28481", "上郡町", "かみごおりちょう", "Kamigori", "town"),
    ("28501", "佐用町", "さようちょう", "Sayo", "town"),
    ("28585", "香美町", "かみちょう", "Kami (Mikata)", "town"),
    ("28586", "新温泉町", "しんおんせんちょう", "Shin'onsen", "town"),
]
MUNICIPALITIES: list[dict[str, str]] = [
    dict(zip(MUNICIPALITY_KEYS, row, strict=True)) for row in _MUNICIPALITY_ROWS
]

# Kobe's nine wards (区), children of 神戸市.
KOBE_CODE5 = "28100"
_KOBE_WARD_ROWS: list[tuple[str, str, str, str, str]] = [
    ("28101", "東灘区", "ひがしなだく", "Higashinada", "ward"),
    ("28102", "灘区", "なだく", "Nada", "ward"),
    ("28105", "兵庫区", "ひょうごく", "Hyogo", "ward"),
    ("28106", "長田区", "ながたく", "Nagata", "ward"),
    ("28107", "須磨区", "すまく", "Suma", "ward"),
    ("28108", "垂水区", "たるみく", "Tarumi", "ward"),
    ("28109", "北区", "きたく", "Kita", "ward"),
    ("28110", "中央区", "ちゅうおうく", "Chuo", "ward"),
    ("28111", "西区", "にしく", "Nishi", "ward"),
]
KOBE_WARDS: list[dict[str, str]] = [
    dict(zip(MUNICIPALITY_KEYS, row, strict=True)) for row in _KOBE_WARD_ROWS
]

OUTSIDE_HYOGO: dict[str, str] = {
    "name": "兵庫県外",
    "kana": "ひょうごけんがい",
    "en": "Outside Hyogo",
}
OUTSIDE_HYOGO_SORT_ORDER = 999


def lg_code_check_digit(code5: str) -> str:
    """Return the check digit of a 全国地方公共団体コード (総務省 rule).

    Multiply the five digits by 6, 5, 4, 3, 2, take the sum modulo 11 and subtract it from 11;
    the check digit is the last digit of the result (so a remainder of 1 gives 0 and a
    remainder of 0 gives 1). E.g. 28100 -> 0 (281000), 28301 -> 1 (283011).
    """
    if len(code5) != 5 or not code5.isdigit():
        raise ValueError(f"expected a five-digit code, got {code5!r}")
    total = sum(int(digit) * weight for digit, weight in zip(code5, (6, 5, 4, 3, 2), strict=True))
    return str((11 - total % 11) % 10)


def lg_code(code5: str) -> str:
    """Return the six-digit local government code (code5 followed by its check digit)."""
    return code5 + lg_code_check_digit(code5)


def organisation_types(
    group_name: str, group_name_en: str, types: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Return a group's types followed by its group-specific "その他" (names are globally unique)."""
    other = (f"その他（{group_name}）", f"Other ({group_name_en[:1].lower()}{group_name_en[1:]})")
    return [*types, other]


def load_taxonomies(apps: Apps) -> None:
    """Create or update every taxonomy row; running it again changes nothing."""
    field_model = apps.get_model("lms", "Field")
    profession_model = apps.get_model("lms", "Profession")
    group_model = apps.get_model("lms", "OrganisationGroup")
    type_model = apps.get_model("lms", "OrganisationType")
    municipality_model = apps.get_model("lms", "Municipality")

    for order, (slug, name, name_en) in enumerate(FIELDS, start=1):
        field_model.objects.update_or_create(
            slug=slug, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )

    for order, (slug, name, name_en) in enumerate(PROFESSIONS, start=1):
        profession_model.objects.update_or_create(
            slug=slug, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )

    type_order = 0
    for order, (slug, name, name_en, types) in enumerate(ORGANISATION_GROUPS, start=1):
        group, _ = group_model.objects.update_or_create(
            slug=slug, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )
        for type_name, type_name_en in organisation_types(name, name_en, types):
            type_order += 1
            type_model.objects.update_or_create(
                name=type_name,
                defaults={"group": group, "name_en": type_name_en, "sort_order": type_order},
            )

    order = 0
    for entry in MUNICIPALITIES:
        order += 1
        municipality, _ = municipality_model.objects.update_or_create(
            code=lg_code(entry["code5"]),
            defaults={
                "name": entry["name"],
                "name_kana": entry["kana"],
                "name_en": entry["en"],
                "kind": entry["kind"],
                "parent": None,
                "sort_order": order,
            },
        )
        if entry["code5"] == KOBE_CODE5:
            for ward in KOBE_WARDS:
                order += 1
                municipality_model.objects.update_or_create(
                    code=lg_code(ward["code5"]),
                    defaults={
                        "name": ward["name"],
                        "name_kana": ward["kana"],
                        "name_en": ward["en"],
                        "kind": ward["kind"],
                        "parent": municipality,
                        "sort_order": order,
                    },
                )

    municipality_model.objects.update_or_create(
        kind="outside",
        defaults={
            "code": None,
            "name": OUTSIDE_HYOGO["name"],
            "name_kana": OUTSIDE_HYOGO["kana"],
            "name_en": OUTSIDE_HYOGO["en"],
            "parent": None,
            "sort_order": OUTSIDE_HYOGO_SORT_ORDER,
        },
    )
