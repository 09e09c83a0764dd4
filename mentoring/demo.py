"""Demo mentoring: a supporters' programme across professions and a leader-programme cohort,
mentors across Hyogo (the demo mentor among them), mentees with their hopes, and pairs in
every status with session logs, so coordinators see one quiet pair, one overloaded mentor and
a mentee asking for another mentor, and the demo supporter has a session to confirm and a
meeting next week.  Pairs are made through the services (capacity under a lock, the matching's
drafts).  Idempotent: nothing happens once the demo programme exists."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone, translation

from courses.models import CourseRun
from lms import roles
from lms.models import AVAILABILITY_FLAGS, Field, Municipality, Profession, User
from lms.taxonomy_data import lg_code
from mentoring import matching, selectors, services
from mentoring.models import (
    ChangeRequest,
    Meeting,
    MeetingMode,
    MenteeProfile,
    MenteeState,
    MentoringProgramme,
    MentoringSession,
    MentorProfile,
    Pair,
    PairStatus,
    Topic,
)

TOKYO = ZoneInfo("Asia/Tokyo")
DOMAIN = "demo.hyogo.example"
COORDINATOR_EMAIL = f"coordinator@{DOMAIN}"
DEMO_MENTOR_EMAIL = f"mentor@{DOMAIN}"
DEMO_SUPPORTER_EMAIL = f"supporter@{DOMAIN}"

PEER_TITLE = "支援者どうしのメンタリング 2026"
LEADER_TITLE = "次世代リーダー養成 メンタリング"
PEER, LEADER = "peer", "leader"

# Availability, as the words of the profile's flags.
WEEKDAY_DAYTIME = "weekdays daytime"
WEEKDAY_EVENING = "weekdays evening"
WEEKDAYS_ANYTIME = "weekdays daytime evening"
WEEKENDS = "weekends daytime"
EVENINGS_AND_WEEKENDS = "weekdays evening weekends daytime"

# email key (@demo.hyogo.example), 氏名, ふりがな, profession, municipality (5 digits), fields,
# capacity, years of experience, online, availability, bio.  The first is the demo mentor
# account (it exists already; its name and profession are left as they are).
MENTORS = [
    (
        "mentor",
        "先輩 導",
        "せんぱい みちび",
        "social-worker",
        "28110",
        ["welfare-general", "hikikomori", "community-development"],
        3,
        12,
        True,
        WEEKDAYS_ANYTIME,
        "地域包括支援センターと社会福祉協議会で12年、ひきこもりや8050問題の相談に携わってきました。"
        "一人で抱え込まず、分野を越えて相談できる関係づくりを大切にしています。",
    ),
    (
        "mentor1",
        "藤田 和子",
        "ふじた かずこ",
        "public-health-nurse",
        "28201",
        ["child-rearing", "health-medical", "welfare-general"],
        3,
        20,
        True,
        WEEKDAY_DAYTIME,
        "姫路市で保健師として20年。母子保健と精神保健の家庭訪問を長く担当してきました。"
        "若手の方の「これでいいのかな」を一緒に考えます。",
    ),
    (
        "mentor2",
        "岡田 誠司",
        "おかだ せいじ",
        "care-manager",
        "28204",
        ["long-term-care", "welfare-general", "financial-hardship"],
        2,
        15,
        True,
        WEEKDAY_EVENING,
        "西宮市の居宅介護支援事業所の主任ケアマネジャーです。"
        "医療・介護・地域の連携や、制度のはざまにいる方の支援について話せます。",
    ),
    (
        "mentor3",
        "西村 美穂",
        "にしむら みほ",
        "support-consultant",
        "28205",
        ["disability", "hikikomori"],
        1,
        9,
        True,
        WEEKDAYS_ANYTIME,
        "淡路島で障害のある方の相談支援をしています。島内は移動に時間がかかるため、"
        "オンラインでの面談も歓迎です。",
    ),
    (
        "mentor4",
        "前田 修",
        "まえだ おさむ",
        "social-welfare-council-staff",
        "28209",
        ["volunteering", "community-development", "disaster-prevention"],
        3,
        18,
        True,
        EVENINGS_AND_WEEKENDS,
        "豊岡市社会福祉協議会で地域福祉とボランティアセンターを担当。"
        "水害の災害ボランティアセンター運営の経験があります。地域で活動を始めたい方を応援します。",
    ),
    (
        "mentor5",
        "村上 典子",
        "むらかみ のりこ",
        "psychiatric-social-worker",
        "28203",
        ["hikikomori", "child-rearing", "health-medical"],
        2,
        11,
        True,
        WEEKDAY_EVENING,
        "明石市の精神科クリニックで精神保健福祉士をしています。"
        "支援者自身の心のケアや、燃え尽きを防ぐ働き方についても一緒に考えます。",
    ),
    (
        "mentor6",
        "原田 健太郎",
        "はらだ けんたろう",
        "npo-staff",
        "28221",
        ["disaster-prevention", "community-development", "volunteering"],
        2,
        8,
        True,
        WEEKENDS,
        "丹波篠山市で空き家を使った多世代の居場所と、地区防災計画づくりを支援するNPOを運営しています。",
    ),
]

# email key, 氏名, ふりがな, profession, municipality (5 digits), programme, fields, online,
# availability, hopes.  "supporter" is the demo supporter account (兵庫 花子).
MENTEES = [
    (
        "supporter",
        "兵庫 花子",
        "ひょうご はなこ",
        "public-health-nurse",
        "28110",
        PEER,
        ["hikikomori", "welfare-general"],
        True,
        WEEKDAYS_ANYTIME,
        "保健師として、ひきこもり状態の方とご家族への訪問を担当しています。"
        "福祉の制度や地域の資源に詳しい方から、連携の進め方を学びたいです。",
    ),
    (
        "mentee1",
        "上田 あかり",
        "うえだ あかり",
        "care-worker",
        "28102",
        PEER,
        ["long-term-care", "welfare-general"],
        True,
        WEEKDAY_EVENING,
        "特別養護老人ホームで働いて3年目です。利用者さんのご家族の孤立に気づいても、"
        "どこにつなげばよいか分からないことがあります。",
    ),
    (
        "mentee2",
        "大西 翔太",
        "おおにし しょうた",
        "social-welfare-council-staff",
        "28201",
        PEER,
        ["welfare-general", "community-development", "child-rearing"],
        True,
        WEEKDAY_DAYTIME,
        "社協に入って2年目で、地区の見守りネットワークづくりを担当しています。"
        "保健や医療の方の視点も知りたいです。",
    ),
    (
        "mentee3",
        "坂本 里美",
        "さかもと さとみ",
        "childcare-worker",
        "28210",
        PEER,
        ["child-rearing"],
        True,
        WEEKDAY_DAYTIME,
        "保育所で、気になるご家庭に早く気づいて支援につなげられるようになりたいです。",
    ),
    (
        "mentee4",
        "石田 浩",
        "いしだ ひろし",
        "government-staff",
        "28202",
        PEER,
        ["financial-hardship", "welfare-general"],
        True,
        WEEKDAY_EVENING,
        "市役所の生活困窮の相談窓口に異動して1年目です。制度だけでは解決しない相談への向き合い方を学びたいです。",
    ),
    (
        "mentee5",
        "藤井 真理子",
        "ふじい まりこ",
        "nurse",
        "28214",
        PEER,
        ["long-term-care", "health-medical"],
        True,
        WEEKDAY_EVENING,
        "病院の地域連携室の看護師です。退院後に一人暮らしになる方を地域で支える仕組みを知りたいです。",
    ),
    (
        "mentee6",
        "小川 大樹",
        "おがわ だいき",
        "school-social-worker",
        "28224",
        PEER,
        ["hikikomori", "disability", "education"],
        True,
        WEEKDAYS_ANYTIME,
        "不登校やひきこもりの子どもと家庭の支援で、学校の外の関係機関とのつながりを広げたいです。",
    ),
    (
        "mentee7",
        "中島 千夏",
        "なかじま ちなつ",
        "support-consultant",
        "28219",
        PEER,
        ["disability", "welfare-general"],
        True,
        WEEKDAY_DAYTIME,
        "相談支援専門員として2年目です。多機関の会議で自分の考えを伝えられるようになりたいです。",
    ),
    (
        "mentee8",
        "酒井 綾",
        "さかい あや",
        "care-manager",
        "28207",
        PEER,
        ["long-term-care", "hikikomori"],
        True,
        WEEKDAY_EVENING,
        "担当している高齢のご夫婦の家に、ひきこもりの息子さんがいます。8050の支援に詳しい方に相談したいです。",
    ),
    (
        "mentee9",
        "三浦 悠真",
        "みうら ゆうま",
        "volunteer-resident",
        "28209",
        LEADER,
        ["disaster-prevention", "volunteering"],
        True,
        EVENINGS_AND_WEEKENDS,
        "自分の地区で、防災をきっかけにご近所が顔見知りになれる集まりを始めたいです。",
    ),
    (
        "mentee10",
        "高田 美和",
        "たかだ みわ",
        "npo-staff",
        "28222",
        LEADER,
        ["community-development", "volunteering"],
        True,
        WEEKENDS,
        "空き家を使って、子どもから高齢の方まで立ち寄れる居場所をつくりたいと考えています。",
    ),
    (
        "mentee11",
        "松井 陽菜",
        "まつい ひな",
        "welfare-commissioner",
        "28223",
        LEADER,
        ["disaster-prevention", "community-development"],
        True,
        WEEKENDS,
        "民生委員として、地区の要配慮者の避難を地域で支える仕組みをつくりたいです。",
    ),
    (
        "mentee12",
        "野村 拓海",
        "のむら たくみ",
        "student",
        "28204",
        LEADER,
        ["disaster-prevention", "volunteering"],
        True,
        WEEKENDS,
        "大学の防災サークルで活動しています。学生と地域をつなぐ活動を続けていく方法を学びたいです。",
    ),
    (
        "mentee13",
        "宮本 幸子",
        "みやもと さちこ",
        "volunteer-resident",
        "28501",
        LEADER,
        ["community-development"],
        False,
        WEEKDAY_DAYTIME,
        "集落の集会所で、高齢の方が集まれるサロンを続けたいです。パソコンは苦手なので直接お会いしたいです。",
    ),
]

# The session logs: topics, how they met, minutes, notes, next steps, how the mentee seemed.
PEER_LOGS = [
    (
        [Topic.CASE, Topic.RESOURCES],
        MeetingMode.IN_PERSON,
        60,
        "担当している80代の一人暮らしの方の見守りについて相談。民生委員との情報共有の方法を一緒に整理した。",
        "地区の民生委員さんに連絡し、見守りの分担を確認する。",
        MenteeState.OK,
    ),
    (
        [Topic.WELLBEING],
        MeetingMode.ONLINE,
        45,
        "年度替わりで担当件数が増え、夜も仕事のことを考えてしまうとのこと。休みの取り方と、上司への相談の仕方を話し合った。",
        "今週中に上司との面談を申し込む。週1日は定時で帰る。",
        MenteeState.TIRED,
    ),
    (
        [Topic.TEAM, Topic.CASE],
        MeetingMode.ONLINE,
        60,
        "多機関の支援会議で意見がまとまらなかった経験を振り返った。会議の前に論点を1枚にまとめる工夫を紹介した。",
        "次回の支援会議で論点メモを試してみる。",
        MenteeState.OK,
    ),
    (
        [Topic.RESOURCES],
        MeetingMode.PHONE,
        30,
        "ひきこもりの息子さんがいるご家庭の支援で、使える地域資源を一緒に洗い出した。家族会と生活困窮の相談窓口を紹介した。",
        "家族会の開催日を調べて、ご家族に伝える。",
        MenteeState.WELL,
    ),
    (
        [Topic.CAREER],
        MeetingMode.IN_PERSON,
        90,
        "社会福祉士の受験を考えているとのこと。働きながらの学び方や、実習先の探し方について経験を話した。",
        "受験資格の要件を確認し、学習計画を立てる。",
        MenteeState.WELL,
    ),
    (
        [Topic.CASE, Topic.WELLBEING],
        MeetingMode.ONLINE,
        60,
        "支援を拒まれる方への関わりに悩んでいる。無理に進めず、関係づくりを優先してよいことを確認した。",
        "次の訪問は「顔を覚えてもらう」ことだけを目的にする。",
        MenteeState.WORRIED,
    ),
    (
        [Topic.TEAM],
        MeetingMode.ONLINE,
        45,
        "職場に入った後輩への声かけに迷っている。自分が新人の頃に助かったことを一緒に振り返った。",
        "後輩と週1回10分の振り返りの時間をつくる。",
        MenteeState.OK,
    ),
    (
        [Topic.RESOURCES, Topic.CASE],
        MeetingMode.PHONE,
        30,
        "外国籍のご家族への支援で、通訳や多文化共生の窓口をどう使うか相談。国際交流協会の相談窓口を紹介した。",
        "国際交流協会に通訳派遣の条件を問い合わせる。",
        MenteeState.OK,
    ),
]
LEADER_LOGS = [
    (
        [Topic.STARTING],
        MeetingMode.IN_PERSON,
        90,
        "地区で防災をきっかけにした集まりを始めたいとのこと。自治会長に相談する順番と、最初の1回の規模を話し合った。",
        "自治会の役員会で5分間説明させてもらえるよう依頼する。",
        MenteeState.WELL,
    ),
    (
        [Topic.STARTING, Topic.RESOURCES],
        MeetingMode.ONLINE,
        60,
        "会場と保険について確認。公民館の予約方法と、ボランティア活動保険の加入窓口（社協）を紹介した。",
        "社協でボランティア活動保険の手続きをする。",
        MenteeState.OK,
    ),
    (
        [Topic.TEAM],
        MeetingMode.ONLINE,
        45,
        "一緒に活動する仲間が固定化してきた悩み。役割を小さく分けて頼む方法を紹介した。",
        "次回の集まりで「受付だけ」「お茶出しだけ」の役割を募る。",
        MenteeState.OK,
    ),
    (
        [Topic.CAREER, Topic.STARTING],
        MeetingMode.IN_PERSON,
        60,
        "講座で学んだ避難所運営を地域でどう生かすか相談。小学校区の防災訓練に合わせた企画を一緒に考えた。",
        "学校区の防災訓練の日程を確認し、企画案を1枚にまとめる。",
        MenteeState.WELL,
    ),
    (
        [Topic.WELLBEING],
        MeetingMode.PHONE,
        30,
        "仕事と活動の両立で疲れ気味。活動の頻度を月1回に落としてもよいことを確認した。",
        "今月は準備の一部を仲間に任せる。",
        MenteeState.TIRED,
    ),
]
# 先輩 導 with 兵庫 花子 (a public health nurse with a social worker).
HANAKO_LOGS = [
    (
        [Topic.CASE],
        MeetingMode.IN_PERSON,
        90,
        "初回。担当しているひきこもり状態の30代の方への訪問について、これまでの経過を聞いた。福祉の立場から使える制度を整理した。",
        "訪問記録を見直し、ご本人の関心ごとを書き出しておく。",
        MenteeState.OK,
    ),
    (
        [Topic.RESOURCES],
        MeetingMode.ONLINE,
        60,
        "生活困窮の相談窓口と、若者の居場所（地域の居場所カフェ）について情報提供した。",
        "居場所カフェの担当者に見学を相談する。",
        MenteeState.OK,
    ),
    (
        [Topic.TEAM, Topic.CASE],
        MeetingMode.ONLINE,
        60,
        "社協の担当者との連携会議に向けた準備。保健と福祉で役割をどう分けるかを一緒に考えた。",
        "連携会議で役割分担の案を出す。",
        MenteeState.WELL,
    ),
    (
        [Topic.WELLBEING],
        MeetingMode.PHONE,
        30,
        "新年度の業務が重なって負担が大きいとのこと。抱え込まずに課内で共有する工夫を話し合った。",
        "係長に担当ケースの状況を共有する時間をもらう。",
        MenteeState.TIRED,
    ),
    (
        [Topic.CASE, Topic.RESOURCES],
        MeetingMode.ONLINE,
        60,
        "ご本人が居場所カフェに一度参加できたとの報告。次の一歩を焦らず、ご家族の負担にも目を向けることを確認した。",
        "ご家族に家族会のことを伝える。",
        MenteeState.WELL,
    ),
    (
        [Topic.CAREER, Topic.CASE],
        MeetingMode.IN_PERSON,
        60,
        "多職種合同研修で事例を発表する準備について相談。個人情報の扱いと、発表のまとめ方を確認した。",
        "事例の概要を匿名化して下書きし、次回持ってくる。",
        MenteeState.WELL,
    ),
]
LOGS = {PEER: PEER_LOGS, LEADER: LEADER_LOGS, "hanako": HANAKO_LOGS}

# mentor key, mentee key, programme, status, started (days ago), sessions as (days ago, the
# mentor's own load 1–4), goals.  Ended pairs: (ended days ago, why).
PAIRS = [
    (
        "mentor",
        "supporter",
        PEER,
        PairStatus.ACTIVE,
        119,
        [(112, 2), (91, 2), (70, 1), (49, 2), (27, 2), (6, 1)],
        "ひきこもり状態の方への支援で、保健と福祉の連携の進め方を身につける。",
        None,
    ),
    (
        "mentor",
        "mentee1",
        PEER,
        PairStatus.ACTIVE,
        84,
        [(77, 2), (56, 1), (34, 2), (13, 2)],
        "ご家族の孤立に気づいたとき、地域のどこにつなげばよいかを自分で判断できるようになる。",
        None,
    ),
    (
        "mentor",
        "mentee7",
        PEER,
        PairStatus.ENDED,
        238,
        [(231, 2), (203, 2), (175, 1), (147, 2), (119, 1), (91, 1), (63, 1)],
        "多機関の会議で、相談支援専門員として自分の見立てを伝えられるようになる。",
        (42, "予定していた半年間を終え、目標だった支援会議での事例提案ができたため終了。"),
    ),
    (
        "mentor1",
        "mentee2",
        PEER,
        PairStatus.ACTIVE,
        98,
        [(91, 2), (70, 2), (42, 1), (20, 2)],
        "地区の見守りネットワークに、保健師や医療機関にも加わってもらう方法を学ぶ。",
        None,
    ),
    (
        "mentor1",
        "mentee3",
        PEER,
        PairStatus.PAUSED,
        112,
        [(105, 1), (84, 2), (63, 1)],
        "気になるご家庭に早く気づき、つなぎ先を増やす。（産前休業のため一時休止中）",
        None,
    ),
    (
        "mentor2",
        "mentee4",
        PEER,
        PairStatus.ACTIVE,
        105,
        [(98, 2), (70, 2), (39, 2), (5, 4)],
        "制度だけでなく、地域の資源も組み合わせた相談支援ができるようになる。",
        None,
    ),
    (
        "mentor2",
        "mentee5",
        PEER,
        PairStatus.ACTIVE,
        63,
        [(58, 2), (33, 2), (12, 3)],
        "退院後に一人暮らしになる方を、地域の支援者と一緒に支える仕組みを学ぶ。",
        None,
    ),
    (
        # The quiet pair: started ten weeks ago, nothing logged for six weeks.
        "mentor3",
        "mentee6",
        PEER,
        PairStatus.ACTIVE,
        70,
        [(63, 2), (42, 2)],
        "学校の外の関係機関（相談支援事業所や居場所）とのつながりを広げる。",
        None,
    ),
    (
        "mentor4",
        "mentee9",
        LEADER,
        PairStatus.ACTIVE,
        77,
        [(70, 1), (49, 2), (28, 2), (8, 2)],
        "自分の地区で、防災をきっかけにした集まりを立ち上げる。",
        None,
    ),
    (
        "mentor4",
        "mentee10",
        LEADER,
        PairStatus.ACTIVE,
        77,
        [(69, 2), (41, 1), (17, 2)],
        "空き家を使った多世代の居場所づくりを企画し、試しに1回開く。",
        None,
    ),
    (
        "mentor6",
        "mentee11",
        LEADER,
        PairStatus.ACTIVE,
        56,
        [(49, 2), (30, 2), (11, 1)],
        "地区の要配慮者の避難を地域で支える仕組みづくりを、民生委員の仲間と始める。",
        None,
    ),
]
QUIET_PAIR = ("mentor3", "mentee6")  # 西村 美穂 → 小川 大樹
OVERLOADED_MENTOR = "mentor2"  # 岡田 誠司
CHANGE_REQUEST = (
    "mentee5",
    "岡田さんがとてもお忙しそうで、面談の日程がなかなか合いません。"
    "ほかの方にお願いすることはできますか。",
)
MEETING_PLACE = "https://meet.example.jp/hyogo-mentoring-demo"


def _email(key: str) -> str:
    return f"{key}@{DOMAIN}"


@transaction.atomic
def load_demo_mentoring() -> None:
    if MentoringProgramme.objects.filter(title=PEER_TITLE).exists():
        return
    if User.objects.filter(email__in=[DEMO_MENTOR_EMAIL, DEMO_SUPPORTER_EMAIL]).count() != 2:
        return  # the demo accounts come first (cms.demo)
    coordinator = User.objects.filter(email=COORDINATOR_EMAIL).first()
    now = timezone.now()
    today = timezone.localdate(now)
    programmes = {
        PEER: MentoringProgramme.objects.create(
            title=PEER_TITLE, cross_profession=True, quiet_after_weeks=4
        ),
        LEADER: MentoringProgramme.objects.create(
            title=LEADER_TITLE,
            cohort=CourseRun.objects.filter(course__slug="bosai-leader").first(),
            cross_profession=False,
            quiet_after_weeks=4,
        ),
    }
    fields = {f.slug: f for f in Field.objects.all()}
    mentors_group = Group.objects.filter(name=roles.MENTORS).first()
    people: dict[str, User] = {}
    mentor_profiles: dict[str, MentorProfile] = {}
    mentee_profiles: dict[str, MenteeProfile] = {}

    for key, name, kana, profession, code, slugs, capacity, years, online, when, bio in MENTORS:
        user = people[key] = _user(key, name, kana, profession, code)
        if mentors_group:
            user.groups.add(mentors_group)
        profile = MentorProfile.objects.filter(user=user).first() or MentorProfile(user=user)
        profile.capacity, profile.experience_years, profile.bio = capacity, years, bio
        _availability(profile, code, online, when)
        profile.save()
        profile.fields.set([fields[s] for s in slugs if s in fields])
        mentor_profiles[key] = profile

    for key, name, kana, profession, code, programme, slugs, online, when, hopes in MENTEES:
        user = people[key] = _user(key, name, kana, profession, code)
        profile = MenteeProfile(user=user, programme=programmes[programme], hopes=hopes)
        _availability(profile, code, online, when)
        profile.save()
        profile.fields.set([fields[s] for s in slugs if s in fields])
        mentee_profiles[key] = profile

    with translation.override("ja"):  # the matching's reasons are kept in words
        pairs = {}
        for mentor, mentee, programme, status, started, sessions, goals, ended in PAIRS:
            pairs[(mentor, mentee)] = _pair(
                programme=programmes[programme],
                mentor=mentor_profiles[mentor],
                mentee=mentee_profiles[mentee],
                status=status,
                started=started,
                sessions=sessions,
                goals=goals,
                ended=ended,
                logs=LOGS["hanako" if mentee == "supporter" else programme],
                coordinator=coordinator,
                now=now,
            )
        # The leader cohort's other mentees: the matching's drafts for staff to review (one
        # of them lives where nobody can meet them and stays without a suggestion).
        services.suggestions_create(programme=programmes[LEADER], by=coordinator)

    mentee_key, reason = CHANGE_REQUEST
    pair = next(p for (_m, e), p in pairs.items() if e == mentee_key)
    request = services.change_request(pair=pair, by=people[mentee_key], reason=reason)
    ChangeRequest.objects.filter(pk=request.pk).update(created_at=now - dt.timedelta(days=3))

    # The demo mentor's next meeting with 兵庫 花子, a week from now (no invites in the demo).
    starts_at = dt.datetime.combine(today + dt.timedelta(days=7), dt.time(18, 30), tzinfo=TOKYO)
    Meeting.objects.create(
        pair=pairs[("mentor", "supporter")],
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=1),
        mode=MeetingMode.ONLINE,
        place=MEETING_PLACE,
    )


def _user(key: str, name: str, kana: str, profession: str, code: str) -> User:
    email = _email(key)
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email,
            None,
            full_name=name,
            full_name_kana=kana,
            profession=Profession.objects.filter(slug=profession).first(),
            municipality=Municipality.objects.filter(code=lg_code(code)).first(),
        )
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _availability(profile, code: str, online: bool, when: str) -> None:
    words = set(when.split())
    profile.municipality = Municipality.objects.filter(code=lg_code(code)).first()
    profile.online_ok = online
    for flag in AVAILABILITY_FLAGS:
        setattr(profile, flag, flag in words)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TOKYO)


def _pair(
    *,
    programme: MentoringProgramme,
    mentor: MentorProfile,
    mentee: MenteeProfile,
    status: str,
    started: int,
    sessions: list[tuple[int, int]],
    goals: str,
    ended: tuple[int, str] | None,
    logs: list,
    coordinator: User | None,
    now: dt.datetime,
) -> Pair:
    """Propose (with the matching's score), confirm, log the sessions, then pause or end."""
    today = timezone.localdate(now)
    match = matching.score_pair(
        selectors._person(mentor, experience=mentor.experience_years),
        selectors._person(mentee),
        cross_profession=programme.cross_profession,
    )
    pair = services.pair_propose(
        programme=programme,
        mentor=mentor.user,
        mentee=mentee.user,
        by=coordinator,
        goals=goals,
        score=match.score if match else None,
        reasons=match.reasons if match else None,
    )
    starts_on = today - dt.timedelta(days=started)
    pair = services.pair_confirm(
        pair=pair,
        by=coordinator,
        starts_on=starts_on,
        planned_end_on=starts_on + dt.timedelta(days=182),
        now=_at(starts_on - dt.timedelta(days=5), 10),
    )
    Pair.objects.filter(pk=pair.pk).update(created_at=_at(starts_on - dt.timedelta(days=12), 10))
    for number, (days_ago, load) in enumerate(sessions):
        topics, mode, minutes, notes, next_steps, state = logs[number % len(logs)]
        date = today - dt.timedelta(days=days_ago)
        session = services.session_log(
            pair=pair,
            by=mentor.user,
            data={
                "date": date,
                "duration_minutes": minutes,
                "mode": mode,
                "topics": [str(topic) for topic in topics],
                "notes": notes,
                "next_steps": next_steps,
                "mentee_state": state,
                "mentor_load": load,
            },
        )
        # Logged the same evening; the mentee confirms within a few days (the newest ones
        # are still waiting).
        MentoringSession.objects.filter(pk=session.pk).update(
            created_at=_at(date, 20),
            confirmed_by_mentee_at=_at(date + dt.timedelta(days=2), 9) if days_ago > 10 else None,
        )
    if status == PairStatus.PAUSED:
        pair = services.pair_set_status(pair=pair, status=PairStatus.PAUSED, by=coordinator)
    elif status == PairStatus.ENDED and ended:
        ended_days_ago, reason = ended
        pair = services.pair_set_status(
            pair=pair, status=PairStatus.ENDED, by=coordinator, reason=reason
        )
        Pair.objects.filter(pk=pair.pk).update(ended_on=today - dt.timedelta(days=ended_days_ago))
    return pair
