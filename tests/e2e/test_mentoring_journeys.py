"""Browser journeys for mentoring (issue #8), on a phone, in Japanese, on the demo content.

The demo mentor logs a session with 兵庫 花子 and schedules the next meeting (both get a
calendar invite); 花子 sees the next steps and confirms the session; a coordinator confirms a
suggested pair; the quiet pair is on the alert list.  The database is checked at each step."""

import datetime as dt

import icalendar
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.journey_helpers import path_is, sign_in

MENTOR = ("mentor@demo.hyogo.example", "demo-mentor-2026")  # 先輩 導
SUPPORTER = ("supporter@demo.hyogo.example", "demo-supporter-2026")  # 兵庫 花子
COORDINATOR = ("coordinator@demo.hyogo.example", "demo-coordinator-2026")


def test_a_mentor_logs_a_session_and_schedules_the_next_one(page, new_page, live_server, demo, axe):
    from lms.models import OutboundEmail
    from mentoring.models import Meeting, MentoringSession, Pair

    pair = Pair.objects.get(mentor__email=MENTOR[0], mentee__email=SUPPORTER[0])
    sessions_before = MentoringSession.objects.filter(pair=pair).count()

    sign_in(page, live_server, *MENTOR)
    page.goto(live_server.url + "/mentoring/")
    card = page.locator(f"#pair-{pair.pk}")
    expect(card).to_contain_text("兵庫 花子")
    axe(page, "mentoring home, mentor")
    card.get_by_role("link", name="面談を記録する").click()
    expect(page).to_have_url(path_is(live_server, f"/mentoring/pairs/{pair.pk}/log/"))
    axe(page, "session log form")

    page.get_by_label("電話").check()
    page.get_by_label("本人の負担と心身の調子").check()
    page.get_by_label("メモ").fill("夜間の相談対応が続き疲れが見える。休みの取り方を一緒に考えた。")
    page.get_by_label("次にすること").fill("今週は一日、相談の電話を同僚に任せてみる")
    page.get_by_label("疲れ気味").check()
    page.get_by_label("2 – 対応できる").check()
    next_week = timezone.localdate() + dt.timedelta(days=8)
    page.get_by_label("次回の面談：日付").fill(next_week.isoformat())
    page.get_by_label("開始時刻").fill("19:00")
    page.locator("select[name=next_mode]").select_option("online")
    page.get_by_label("場所（またはオンライン会議のリンク）").fill("https://meet.example.jp/hanako")
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(path_is(live_server, f"/mentoring/pairs/{pair.pk}/"))
    expect(page.locator(".messages")).to_contain_text("招待を送りました")
    assert MentoringSession.objects.filter(pair=pair).count() == sessions_before + 1
    logged = MentoringSession.objects.filter(pair=pair).order_by("-pk").first()
    assert (logged.mode, logged.mentee_state, logged.mentor_load) == ("phone", "tired", 2)
    meeting = Meeting.objects.filter(pair=pair).order_by("-pk").first()
    assert timezone.localtime(meeting.starts_at).date() == next_week
    invite = OutboundEmail.objects.get(
        recipient=SUPPORTER[0], calendar_method="REQUEST", template="mentoring/email/meeting_invite"
    )
    (event,) = icalendar.Calendar.from_ical(invite.calendar).walk("VEVENT")
    assert event.decoded("DTSTART").astimezone(timezone.get_current_timezone()).hour == 19

    # The mentee sees the next steps (never the notes or the load) and confirms the session.
    mentee_page = new_page()
    sign_in(mentee_page, live_server, *SUPPORTER)
    mentee_page.goto(live_server.url + "/mentoring/")
    mine = mentee_page.locator(f"#pair-{pair.pk}")
    expect(mine).to_contain_text("今週は一日、相談の電話を同僚に任せてみる")
    expect(mine).to_contain_text("先輩 導")
    expect(mentee_page.locator("main")).not_to_contain_text("夜間の相談対応が続き")
    axe(mentee_page, "mentoring home, mentee")
    mine.locator(f"form[action='/mentoring/sessions/{logged.pk}/confirm/'] button").click()
    expect(mentee_page.locator(".messages")).to_contain_text("確認しました")
    logged.refresh_from_db()
    assert logged.confirmed_by_mentee_at is not None


def test_a_coordinator_confirms_a_suggested_pair_and_sees_the_quiet_pair(
    page, live_server, demo, axe
):
    from lms.models import OutboundEmail
    from mentoring.models import Pair

    draft = Pair.objects.get(status="proposed")
    assert draft.reasons
    sign_in(page, live_server, *COORDINATOR)

    page.goto(f"{live_server.url}/admin/mentoring/programmes/{draft.programme_id}/")
    row = page.locator(f"#draft-{draft.pk}")
    expect(row).to_contain_text(draft.mentee.full_name)
    expect(row).to_contain_text(draft.reasons[0])
    axe(page, "programme pairs and suggestions")
    row.get_by_role("button", name="確定する").click()

    expect(page.locator(f"#draft-{draft.pk}")).to_have_count(0)
    draft.refresh_from_db()
    assert draft.status == "active" and draft.confirmed_at
    told = set(
        OutboundEmail.objects.filter(template="mentoring/email/pair_confirmed").values_list(
            "recipient", flat=True
        )
    )
    assert {draft.mentor.email, draft.mentee.email} <= told

    # The quiet pair (no session for six weeks) is on the alert list.
    page.goto(f"{live_server.url}/admin/mentoring/alerts/")
    quiet = page.locator("tr.alert-quiet")
    expect(quiet).to_have_count(1)
    expect(quiet).to_contain_text("小川 大樹")
    expect(quiet).to_contain_text("西村 美穂")
    axe(page, "mentoring alerts")
