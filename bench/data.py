"""Vocabulary of the data generator: Hyogo's population by municipality, Japanese names with
their readings, and the words organisation names, venues, courses and logs are made of.

Plain data, no Django.  Everything generated is fiction: names are common ones combined at
random, addresses and phone numbers are made up.
"""

from __future__ import annotations

# Population in thousands (2020 census, rounded), by the five-digit 団体コード.  Kobe's
# residents are placed in its nine wards, never in the city itself.
POPULATION: dict[str, int] = {
    # 神戸市の区
    "28101": 213,
    "28102": 136,
    "28105": 107,
    "28106": 94,
    "28107": 157,
    "28108": 217,
    "28109": 211,
    "28110": 142,
    "28111": 239,
    # 市
    "28201": 531,
    "28202": 459,
    "28203": 304,
    "28204": 485,
    "28205": 42,
    "28206": 94,
    "28207": 198,
    "28208": 28,
    "28209": 78,
    "28210": 260,
    "28212": 46,
    "28213": 39,
    "28214": 226,
    "28215": 75,
    "28216": 87,
    "28217": 152,
    "28218": 48,
    "28219": 109,
    "28220": 43,
    "28221": 40,
    "28222": 22,
    "28223": 62,
    "28224": 45,
    "28225": 28,
    "28226": 43,
    "28227": 35,
    "28228": 40,
    "28229": 74,
    # 町
    "28301": 30,
    "28365": 20,
    "28381": 31,
    "28382": 34,
    "28442": 11,
    "28443": 19,
    "28446": 11,
    "28464": 33,
    "28481": 14,
    "28501": 16,
    "28585": 16,
    "28586": 13,
}
# People living outside Hyogo who work or volunteer there, in the same thousands.
OUTSIDE_HYOGO_WEIGHT = 55

# Telephone area codes (市外局番) by five-digit code prefix; 079 elsewhere.
AREA_CODES = {
    "281": "078",
    "28202": "06",
    "28203": "078",
    "28204": "0798",
    "28206": "0797",
    "28207": "072",
    "28214": "0797",
    "28217": "072",
    "28219": "079",
    "28301": "072",
    "28205": "0799",
    "28224": "0799",
    "28226": "0799",
    "28209": "0796",
}

# (kanji, kana, romaji, weight): frequent surnames, a little heavier on those common in Kansai,
# and a few written with variant kanji (髙, 﨑, 邊) that certificates must print.
SURNAMES: list[tuple[str, str, str, int]] = [
    ("田中", "たなか", "tanaka", 30),
    ("山本", "やまもと", "yamamoto", 30),
    ("井上", "いのうえ", "inoue", 22),
    ("松本", "まつもと", "matsumoto", 22),
    ("中村", "なかむら", "nakamura", 22),
    ("藤原", "ふじわら", "fujiwara", 20),
    ("小林", "こばやし", "kobayashi", 18),
    ("高橋", "たかはし", "takahashi", 18),
    ("佐藤", "さとう", "sato", 16),
    ("鈴木", "すずき", "suzuki", 12),
    ("吉田", "よしだ", "yoshida", 16),
    ("山田", "やまだ", "yamada", 16),
    ("山口", "やまぐち", "yamaguchi", 12),
    ("前田", "まえだ", "maeda", 14),
    ("藤井", "ふじい", "fujii", 14),
    ("岡田", "おかだ", "okada", 14),
    ("西村", "にしむら", "nishimura", 14),
    ("松井", "まつい", "matsui", 10),
    ("木村", "きむら", "kimura", 12),
    ("林", "はやし", "hayashi", 12),
    ("清水", "しみず", "shimizu", 10),
    ("山崎", "やまさき", "yamasaki", 10),
    ("森", "もり", "mori", 10),
    ("池田", "いけだ", "ikeda", 10),
    ("橋本", "はしもと", "hashimoto", 12),
    ("石田", "いしだ", "ishida", 8),
    ("山下", "やました", "yamashita", 10),
    ("中島", "なかじま", "nakajima", 8),
    ("小川", "おがわ", "ogawa", 8),
    ("岡本", "おかもと", "okamoto", 12),
    ("藤田", "ふじた", "fujita", 10),
    ("後藤", "ごとう", "goto", 6),
    ("村上", "むらかみ", "murakami", 8),
    ("坂本", "さかもと", "sakamoto", 8),
    ("大西", "おおにし", "onishi", 10),
    ("谷口", "たにぐち", "taniguchi", 8),
    ("上田", "うえだ", "ueda", 8),
    ("森本", "もりもと", "morimoto", 8),
    ("西田", "にしだ", "nishida", 8),
    ("中川", "なかがわ", "nakagawa", 8),
    ("原田", "はらだ", "harada", 8),
    ("松田", "まつだ", "matsuda", 8),
    ("竹内", "たけうち", "takeuchi", 6),
    ("和田", "わだ", "wada", 8),
    ("小野", "おの", "ono", 6),
    ("田村", "たむら", "tamura", 6),
    ("岸本", "きしもと", "kishimoto", 6),
    ("辻", "つじ", "tsuji", 6),
    ("北村", "きたむら", "kitamura", 6),
    ("安田", "やすだ", "yasuda", 6),
    ("宮本", "みやもと", "miyamoto", 8),
    ("平田", "ひらた", "hirata", 6),
    ("吉川", "よしかわ", "yoshikawa", 6),
    ("藤本", "ふじもと", "fujimoto", 8),
    ("福田", "ふくだ", "fukuda", 6),
    ("太田", "おおた", "ota", 6),
    ("三木", "みき", "miki", 4),
    ("東", "ひがし", "higashi", 4),
    ("奥田", "おくだ", "okuda", 4),
    ("植田", "うえだ", "ueda", 4),
    ("長谷川", "はせがわ", "hasegawa", 5),
    ("伊藤", "いとう", "ito", 8),
    ("渡辺", "わたなべ", "watanabe", 8),
    ("加藤", "かとう", "kato", 8),
    ("斎藤", "さいとう", "saito", 5),
    ("髙橋", "たかはし", "takahashi", 2),
    ("山﨑", "やまさき", "yamasaki", 2),
    ("渡邊", "わたなべ", "watanabe", 1),
    ("濱田", "はまだ", "hamada", 2),
    ("齋藤", "さいとう", "saito", 1),
]

# (kanji, kana, romaji, weight)
GIVEN_NAMES: list[tuple[str, str, str, int]] = [
    # 女性に多い名
    ("花子", "はなこ", "hanako", 2),
    ("恵子", "けいこ", "keiko", 6),
    ("陽子", "ようこ", "yoko", 6),
    ("由美", "ゆみ", "yumi", 6),
    ("美穂", "みほ", "miho", 5),
    ("直美", "なおみ", "naomi", 5),
    ("智子", "ともこ", "tomoko", 6),
    ("真由美", "まゆみ", "mayumi", 5),
    ("裕子", "ゆうこ", "yuko", 6),
    ("明美", "あけみ", "akemi", 5),
    ("久美子", "くみこ", "kumiko", 5),
    ("幸子", "さちこ", "sachiko", 5),
    ("和子", "かずこ", "kazuko", 5),
    ("節子", "せつこ", "setsuko", 3),
    ("京子", "きょうこ", "kyoko", 4),
    ("早苗", "さなえ", "sanae", 3),
    ("千尋", "ちひろ", "chihiro", 3),
    ("彩", "あや", "aya", 4),
    ("愛", "あい", "ai", 4),
    ("美咲", "みさき", "misaki", 4),
    ("結衣", "ゆい", "yui", 3),
    ("さくら", "さくら", "sakura", 3),
    ("葵", "あおい", "aoi", 3),
    ("陽菜", "ひな", "hina", 2),
    ("瑤子", "ようこ", "yoko", 1),
    ("めぐみ", "めぐみ", "megumi", 4),
    ("静香", "しずか", "shizuka", 3),
    ("理恵", "りえ", "rie", 4),
    # 男性に多い名
    ("太郎", "たろう", "taro", 2),
    ("健一", "けんいち", "kenichi", 5),
    ("誠", "まこと", "makoto", 6),
    ("浩", "ひろし", "hiroshi", 6),
    ("隆", "たかし", "takashi", 6),
    ("茂", "しげる", "shigeru", 4),
    ("清", "きよし", "kiyoshi", 4),
    ("修", "おさむ", "osamu", 4),
    ("勇", "いさむ", "isamu", 3),
    ("正雄", "まさお", "masao", 3),
    ("聡", "さとし", "satoshi", 5),
    ("哲也", "てつや", "tetsuya", 4),
    ("秀樹", "ひでき", "hideki", 4),
    ("剛", "つよし", "tsuyoshi", 3),
    ("大輔", "だいすけ", "daisuke", 5),
    ("翔太", "しょうた", "shota", 4),
    ("拓也", "たくや", "takuya", 4),
    ("健太", "けんた", "kenta", 4),
    ("直樹", "なおき", "naoki", 5),
    ("和也", "かずや", "kazuya", 4),
    ("達也", "たつや", "tatsuya", 4),
    ("蓮", "れん", "ren", 2),
    ("悠真", "ゆうま", "yuma", 2),
    ("湊", "みなと", "minato", 2),
    ("大翔", "ひろと", "hiroto", 2),
    ("一郎", "いちろう", "ichiro", 3),
    ("明", "あきら", "akira", 4),
]

# Residents from abroad (about one in seventy): the name as written in katakana, its reading
# in hiragana, romaji for the email address.
FOREIGN_NAMES: list[tuple[str, str, str]] = [
    ("グエン・ティ・ラン", "ぐえん てぃ らん", "lan.nguyen"),
    ("グエン・ヴァン・ナム", "ぐえん ゔぁん なむ", "nam.nguyen"),
    ("マリア・サントス", "まりあ さんとす", "maria.santos"),
    ("リー・ウェイ", "りー うぇい", "wei.li"),
    ("キム・ミンジ", "きむ みんじ", "minji.kim"),
    ("アナ・シルバ", "あな しるば", "ana.silva"),
    ("ラジ・シャルマ", "らじ しゃるま", "raj.sharma"),
    ("エミリー・ブラウン", "えみりー ぶらうん", "emily.brown"),
]

# Profession slugs and weights of supporters (people who come to training for their work).
SUPPORTER_PROFESSIONS: list[tuple[str, int]] = [
    ("social-worker", 10),
    ("psychiatric-social-worker", 4),
    ("care-worker", 10),
    ("care-manager", 8),
    ("support-consultant", 5),
    ("public-health-nurse", 5),
    ("nurse", 8),
    ("physician", 1),
    ("psychologist", 2),
    ("childcare-worker", 6),
    ("teacher", 4),
    ("school-social-worker", 1),
    ("social-welfare-council-staff", 8),
    ("government-staff", 10),
    ("welfare-commissioner", 8),
    ("npo-staff", 6),
    ("business", 3),
    ("student", 2),
    ("other", 3),
]
# Residents who volunteer.
VOLUNTEER_PROFESSIONS: list[tuple[str, int]] = [
    ("volunteer-resident", 70),
    ("welfare-commissioner", 10),
    ("student", 8),
    ("other", 12),
]

# Organisation names by organisation type: (weight, [(name, kana)]) with {m}/{mk} the
# municipality (神戸市東灘区), {s}/{sk} its short name (東灘), {w}/{wk} a word below.
ORGANISATION_TEMPLATES: dict[str, tuple[int, list[tuple[str, str]]]] = {
    "社会福祉協議会": (15, [("{m}社会福祉協議会", "{mk}しゃかいふくしきょうぎかい")]),
    "NPO法人": (
        25,
        [
            ("NPO法人{w}", "えぬぴーおーほうじん{wk}"),
            ("NPO法人{s}{w}", "えぬぴーおーほうじん{sk}{wk}"),
        ],
    ),
    "社会福祉法人": (12, [("社会福祉法人{w}会", "しゃかいふくしほうじん{wk}かい")]),
    "保健・医療・福祉の専門機関": (
        10,
        [
            ("{m}地域包括支援センター{w}", "{mk}ちいきほうかつしえんせんたー{wk}"),
            ("{s}{w}クリニック", "{sk}{wk}くりにっく"),
            ("{s}こころの相談センター", "{sk}こころのそうだんせんたー"),
        ],
    ),
    "県内市町": (8, [("{m}役所 福祉部", "{mk}やくしょ ふくしぶ")]),
    "民生委員・児童委員": (
        6,
        [("{m}民生委員児童委員協議会", "{mk}みんせいいいんじどういいんきょうぎかい")],
    ),
    "ボランティア団体": (
        8,
        [
            ("{s}{w}ボランティアの会", "{sk}{wk}ぼらんてぃあのかい"),
            ("{w}ボランティアグループ", "{wk}ぼらんてぃあぐるーぷ"),
        ],
    ),
    "当事者支援グループ": (4, [("{w}の会", "{wk}のかい"), ("{s}家族会", "{sk}かぞくかい")]),
    "社団法人・財団法人": (3, [("一般社団法人{w}", "いっぱんしゃだんほうじん{wk}")]),
    "地域企業": (5, [("株式会社{w}", "かぶしきがいしゃ{wk}")]),
    "商店街": (3, [("{s}{w}商店街振興組合", "{sk}{wk}しょうてんがいしんこうくみあい")]),
    "商工会": (2, [("{s}商工会", "{sk}しょうこうかい")]),
    "生協・農協・漁協・労働者協同組合": (
        2,
        [("生活協同組合{w}", "せいかつきょうどうくみあい{wk}")],
    ),
    "市民活動団体（スポーツクラブ・文化芸術サークル・環境保全NPO等）": (
        2,
        [("{s}{w}クラブ", "{sk}{wk}くらぶ")],
    ),
}
ORGANISATION_WORDS: list[tuple[str, str]] = [
    ("ひだまり", "ひだまり"),
    ("つながりの家", "つながりのいえ"),
    ("よりそい", "よりそい"),
    ("まちの縁側", "まちのえんがわ"),
    ("あおぞら", "あおぞら"),
    ("こもれび", "こもれび"),
    ("ほっと", "ほっと"),
    ("みのり", "みのり"),
    ("あゆみ", "あゆみ"),
    ("わかば", "わかば"),
    ("ぬくもり", "ぬくもり"),
    ("はばたき", "はばたき"),
    ("えがお", "えがお"),
    ("ゆうあい", "ゆうあい"),
    ("さくら", "さくら"),
    ("虹", "にじ"),
    ("灯", "あかり"),
    ("結", "ゆい"),
    ("和", "なごみ"),
    ("絆", "きずな"),
]
ORGANISATION_DESCRIPTIONS = [
    "地域の見守り活動と居場所づくりを通じて、誰もが孤立しない地域をめざしています。",
    "子ども食堂と学習支援を運営し、子育て家庭を地域でゆるやかに支えています。",
    "ひきこもり状態にある方とご家族の相談に応じ、居場所と就労体験の場をつくっています。",
    "高齢の方のサロンや配食を通じて、見守りと助け合いの輪を広げています。",
    "外国にルーツのある住民の生活相談と日本語教室を行っています。",
    "生活に困りごとを抱える方の相談を受け、関係機関と連携して支えています。",
    "災害に備えた地域の関係づくりと、避難所運営の訓練に取り組んでいます。",
    "障害のある方の地域生活を支え、誰もが参加できる活動の場をつくっています。",
]
ACTIVITIES: list[tuple[str, str, str, str]] = [
    # title, description, schedule, audience
    (
        "ふれあいサロン",
        "お茶と体操で気軽に集まれる場です。",
        "毎月第2・第4水曜日 13:30〜15:00",
        "どなたでも",
    ),
    (
        "子ども食堂",
        "地域の子どもたちと大人が一緒に食卓を囲みます。",
        "毎週金曜日 17:00〜19:00",
        "子どもと保護者",
    ),
    (
        "オンライン交流会",
        "家から参加できるおしゃべりの会です。",
        "毎月第1土曜日 20:00〜21:00",
        "どなたでも",
    ),
    (
        "居場所カフェ",
        "誰でも立ち寄れるカフェです。相談員もいます。",
        "毎週火曜日 10:00〜15:00",
        "どなたでも",
    ),
    (
        "家族のつどい",
        "同じ悩みをもつ家族どうしで話せる会です。",
        "毎月第3日曜日 14:00〜16:00",
        "ご家族",
    ),
    (
        "学習支援教室",
        "中高生の宿題や受験勉強を大学生が手伝います。",
        "毎週水曜日 18:00〜20:00",
        "中学生・高校生",
    ),
    ("見守り訪問", "ひとり暮らしの方のお宅を訪ねます。", "月に2回", "ひとり暮らしの高齢の方"),
    (
        "日本語おしゃべり広場",
        "やさしい日本語で話す交流の場です。",
        "毎週土曜日 10:00〜12:00",
        "外国にルーツのある方",
    ),
]

# Venue names by kind: (name, address suffix).  {m} is the municipality, {s} its short name.
VENUE_TEMPLATES: list[str] = [
    "{m}総合福祉センター",
    "{s}市民会館",
    "{s}文化センター",
    "{m}社会福祉協議会 研修室",
    "{s}地域交流センター",
    "{s}公民館",
    "{s}ボランティアセンター",
]
STREET_NAMES = ["本町", "中町", "栄町", "旭町", "緑町", "東町", "西町", "南町", "北町", "元町"]
ACCESS_NOTES = [
    "最寄り駅から徒歩約5分",
    "最寄り駅から徒歩約10分。バス停「市役所前」からすぐ",
    "駐車場あり（台数に限りがあります）",
]
ACCESSIBILITY_NOTES = [
    "エレベーター、多目的トイレあり。",
    "車いすでご来場の方はお知らせください。",
    "ヒアリングループあり。手話通訳はお申し込み時にご相談ください。",
    "",
]

# Course topics by field slug: the first words of course titles.
FIELD_TOPICS: dict[str, list[str]] = {
    "welfare-general": ["孤独・孤立対策の基礎", "相談支援の連携", "重層的支援体制整備"],
    "inclusive-community": ["地域共生社会づくり", "居場所づくり", "つながりづくりの実践"],
    "disaster-prevention": [
        "避難所運営と要配慮者支援",
        "防災とつながりづくり",
        "災害ボランティアセンター運営",
    ],
    "hikikomori": ["ひきこもり支援の基礎", "8050問題と多機関連携", "ひきこもりの家族支援"],
    "long-term-care": ["認知症の人と家族の支援", "介護者の孤立を防ぐ", "高齢者の見守り"],
    "child-rearing": ["子育て家庭の孤立防止", "子ども食堂の運営", "ヤングケアラー支援"],
    "financial-hardship": ["生活困窮者の相談支援", "家計相談と就労支援"],
    "food-bank": ["フードバンクと食の支援", "食を通じた見守り"],
    "multicultural": ["外国人住民の生活支援", "やさしい日本語で伝える"],
    "youth": ["若者の居場所づくり", "不登校の子どもと家族の支援"],
    "disability": ["障害のある人の地域生活支援", "精神障害にも対応した地域包括ケア"],
    "health-medical": ["こころの健康とゲートキーパー", "アウトリーチと訪問支援"],
    "volunteering": ["ボランティアコーディネーション", "はじめてのボランティア活動"],
    "community-development": ["地域づくりの担い手", "まちづくりと住民参画"],
    "human-rights": ["人権と差別のない地域づくり"],
    "sexual-minorities": ["性の多様性と相談対応"],
    "crime-victims": ["犯罪被害者等の支援"],
    "housing": ["住まいの確保と居住支援"],
    "npo-support": ["NPOの運営と資金づくり"],
    "economy-employment": ["就労に困難を抱える人の支援"],
    "lifelong-learning": ["学びを通じたつながりづくり"],
    "education": ["学校と地域の連携"],
    "participation-collaboration": ["官民協働の進め方"],
    "regional-development": ["地域資源を生かした活動づくり"],
    "residents-life": ["暮らしの困りごと相談"],
    "police-fire": ["地域の安全と見守り"],
}
# Title endings and course facts by kind: (ending, weight).
KIND_ENDINGS: dict[str, list[str]] = {
    "joint_training": [
        "多職種合同研修（基礎編）",
        "多職種合同研修（応用編）",
        "多職種合同研修 — 事例で学ぶ連携",
    ],
    "leader_module": ["リーダー養成講座", "実践リーダー講座"],
    "orientation": ["ボランティア・オリエンテーション", "入門講座"],
    "exchange": ["情報交換会", "事例検討会"],
    "general": ["研修会", "セミナー", "公開講座"],
}
KIND_WEIGHTS: list[tuple[str, int]] = [
    ("joint_training", 45),
    ("general", 20),
    ("leader_module", 15),
    ("orientation", 10),
    ("exchange", 10),
]
KIND_SUMMARIES: dict[str, str] = {
    "joint_training": "福祉・医療・教育・行政など分野の異なる支援者が、{topic}について事例をもとに学び合います。",
    "leader_module": "{topic}をテーマに、地域で活動を始め、広げていく次世代リーダーを育てる講座です。",
    "orientation": "{topic}に関心のある方のための入門講座です。活動の始め方や保険について説明します。",
    "exchange": "{topic}に取り組む団体や支援者が集まり、実践を持ち寄って情報交換します。",
    "general": "{topic}について、基礎から実践まで専門家と一緒に学びます。",
}
# Typical number of sessions by kind (a run's sessions are drawn from these).
KIND_SESSIONS: dict[str, list[int]] = {
    "joint_training": [2, 3, 4, 6],
    "leader_module": [6, 8, 10, 12],
    "orientation": [1, 1, 2],
    "exchange": [1, 2],
    "general": [1, 2, 3, 4],
}
KIND_SESSION_MINUTES: dict[str, list[int]] = {
    "joint_training": [150, 180],
    "leader_module": [120, 180],
    "orientation": [90, 120],
    "exchange": [120],
    "general": [90, 120, 180],
}

SKILLS = [
    "料理が得意です。",
    "見守り訪問の経験があります。",
    "パソコンの操作を教えられます。",
    "子どもと遊ぶのが好きです。",
    "介護の仕事をしていました。",
    "英語とベトナム語が少し話せます。",
    "車の運転ができます。",
    "",
]
MOTIVATIONS = [
    "地域のつながりづくりに関わりたい。",
    "退職して時間ができたので、誰かの役に立ちたい。",
    "子育てでお世話になった地域に恩返しがしたい。",
    "自分も孤独を感じたことがあるので、同じような人の力になりたい。",
    "大学で福祉を学んでいて、現場を知りたい。",
]
HEARD_FROM = ["市の広報誌", "社会福祉協議会の窓口", "知人の紹介", "ウェブサイト", "SNS", "チラシ"]
HOURS_ACTIVITIES = [
    "ふれあいサロンの運営",
    "子ども食堂の手伝い",
    "見守り訪問",
    "居場所カフェの受付",
    "学習支援",
]
STAFF_NOTES = [
    "平日の午前中なら電話がつながりやすい。",
    "オリエンテーションの日程を相談中。",
    "活動先の希望を次回の面談で確認する。",
]
NOMINATION_REASONS = [
    "サロンの立ち上げから運営まで担い、地域の信頼が厚い。",
    "若い世代を活動に巻き込む力がある。",
    "関係機関との調整を丁寧に行い、活動を広げている。",
]

MENTOR_BIOS = [
    "{area}で{years}年、相談支援に携わってきました。一人で抱え込まず、分野を越えて相談できる関係づくりを大切にしています。",
    "{years}年の現場経験があります。若手の方の「これでいいのかな」を一緒に考えます。",
    "地域活動を{years}年続けてきました。活動の立ち上げや仲間づくりについて話せます。",
]
MENTEE_HOPES = [
    "困難事例を一人で抱え込まない方法を知りたい。",
    "地域で居場所づくりを始めたい。",
    "他の職種の考え方を知り、連携を進めたい。",
    "支援者としての自分の負担との付き合い方を相談したい。",
]
PAIR_GOALS = [
    "半年で地域の居場所を一つ立ち上げる。",
    "関係機関との連携の進め方を身につける。",
    "自分の支援を振り返り、燃え尽きを防ぐ。",
]
PAIR_END_REASONS = [
    "予定の期間を終えました。",
    "異動のため終了しました。",
    "本人の希望で終了しました。",
]
SESSION_NOTES = [
    "担当ケースの振り返り。次回までに関係機関に連絡をとる。",
    "活動の企画について相談。チラシの案を一緒に考えた。",
    "最近の負担感について話した。休みをとることを勧めた。",
    "地域の社会資源の情報を共有した。",
]
SESSION_NEXT_STEPS = [
    "関係機関との打ち合わせを設定する。",
    "企画書の案を作る。",
    "次回は活動の見学。",
    "",
]
APOLOGY_NOTES = [
    "体調不良のため欠席します。",
    "仕事の都合で参加できません。",
    "家族の用事のため欠席します。",
]
REJECTION_REASON = "定員と対象職種を考慮し、今回はお受けできませんでした。次の回をご検討ください。"
