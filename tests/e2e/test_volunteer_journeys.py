"""Browser journeys for resident volunteers (issue #7), on a phone, in Japanese.

A resident signs up in three steps with a kanji name, confirms the email, signs in and sees
the next step; a coordinator moves them to orientation and enrols them; completing the
orientation moves them to training by itself.  axe-core checks each sign-up page, including
one showing errors.  The database is checked after each step."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.journey_helpers import header_link, path_is, sign_in

COORDINATOR = ("coordinator@demo.hyogo.example", "demo-coordinator-2026")
RESIDENT_EMAIL = "shimako.awaji@example.jp"
RESIDENT_PASSWORD = "awaji-shima-2026"
ORIENTATION = "はじめてのボランティア・オリエンテーション"


@pytest.fixture
def orientation_today(demo):
    """A run of the demo orientation course whose one session ended an hour ago, so a mark
    on the roster completes it."""
    from courses.models import CoursePage
    from tests.factories import CourseRunFactory, SessionFactory

    course = CoursePage.objects.get(slug="volunteer-orientation")
    today = timezone.localdate()
    run = CourseRunFactory(
        course=course,
        title="臨時開催（出前講座）",
        starts_on=today,
        ends_on=today,
        enrolment_closes_at=timezone.now() + dt.timedelta(days=1),
    )
    start = timezone.now() - dt.timedelta(hours=3)
    session = SessionFactory(run=run, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    return run, session


def test_a_resident_signs_up_is_enrolled_and_moves_on_after_orientation(
    page, new_page, live_server, orientation_today, axe, mailoutbox
):
    from courses.models import Enrolment
    from lms.models import OutboundEmail, User
    from volunteers.models import StageChange, VolunteerProfile

    run, session = orientation_today

    # --- The resident signs up from the header, on a phone. ---
    page.goto(live_server.url + "/")
    header_link(page, "/volunteer/join/").click()
    expect(page).to_have_url(path_is(live_server, "/volunteer/join/"))
    expect(page.locator("ol.steps li[aria-current=step]")).to_contain_text("あなたについて")
    axe(page, "volunteer sign-up, step 1")

    # Sending the empty step explains each missing answer next to its field.
    page.get_by_role("button", name="次へ").click()
    expect(page.locator("#id_full_name_errors")).to_contain_text("氏名を入力してください")
    expect(page.locator("#id_municipality_errors")).to_contain_text("お住まいの市町")
    expect(page.locator("#id_age_band_errors")).to_contain_text("年代を選んでください")
    expect(page.get_by_label("氏名")).to_have_attribute("aria-invalid", "true")
    axe(page, "volunteer sign-up, step 1 with errors")

    page.get_by_label("氏名").fill("淡路 島子")
    page.get_by_label("ふりがな").fill("あわじ しまこ")
    page.get_by_label("メールアドレス").fill(RESIDENT_EMAIL)
    page.get_by_label("電話番号（任意）").fill("０７９９－２２－１１１１")
    page.get_by_label("お住まいの市町").select_option(label="洲本市")
    page.get_by_label("70代").check()
    page.get_by_role("button", name="次へ").click()

    expect(page).to_have_url(path_is(live_server, "/volunteer/join/2/"))
    expect(page.locator("ol.steps li[aria-current=step]")).to_contain_text("やってみたいこと")
    page.get_by_label("ボランティア", exact=True).check()
    page.get_by_label("平日").check()
    page.get_by_label("昼間").check()
    page.get_by_label("月に数回").check()
    page.get_by_label("ボランティアをしたい理由（任意）").fill("島の子ども食堂を手伝いたいです。")
    page.get_by_label("保険の加入を手伝ってほしい").check()
    axe(page, "volunteer sign-up, step 2")
    page.get_by_role("button", name="次へ").click()

    expect(page).to_have_url(path_is(live_server, "/volunteer/join/3/"))
    summary = page.locator("dl.summary")
    expect(summary).to_contain_text("淡路 島子")
    expect(summary).to_contain_text("洲本市")
    expect(summary).to_contain_text("島の子ども食堂を手伝いたいです。")
    expect(page.locator("section.purpose")).to_contain_text("利用目的")
    axe(page, "volunteer sign-up, step 3")
    page.locator("input[name=password1]").fill(RESIDENT_PASSWORD)
    page.locator("input[name=password2]").fill(RESIDENT_PASSWORD)
    page.get_by_label("上の利用目的で個人情報が使われることに同意します。").check()
    page.get_by_label("プライバシーポリシーを読み、同意します。").check()
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(path_is(live_server, "/volunteer/join/sent/"))
    expect(page.locator("main")).to_contain_text(RESIDENT_EMAIL)
    axe(page, "volunteer sign-up, check your email")
    resident = User.objects.get(email=RESIDENT_EMAIL)
    profile = VolunteerProfile.objects.get(user=resident)
    assert (resident.full_name, profile.stage, profile.insurance) == (
        "淡路 島子",
        "applied",
        "wants_help",
    )
    assert profile.municipality.name == "洲本市" and profile.phone_key == "0799221111"

    # --- The resident confirms the email and signs in: the next step is shown. ---
    # The message went through the notifications service (delivered by the django-q2 task,
    # synchronous in tests; its stored body no longer holds the one-time link).
    assert OutboundEmail.objects.get(recipient=RESIDENT_EMAIL).status == "sent"
    (message,) = [m for m in mailoutbox if m.to == [RESIDENT_EMAIL]]
    link = re.search(r"/accounts/confirm-email/[\w:.\-]+/", message.body).group(0)
    page.goto(live_server.url + link)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(path_is(live_server, "/accounts/login/"))
    page.locator("input[name=login]").fill(RESIDENT_EMAIL)
    page.locator("input[name=password]").fill(RESIDENT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(path_is(live_server, "/volunteer/"))
    next_step = page.locator("section.next-step")
    expect(next_step).to_contain_text("申込")
    expect(next_step).to_contain_text("コーディネーターからご連絡")
    expect(page.locator("main")).to_contain_text(
        "活動を始める前に、コーディネーターがボランティア活動保険"
    )
    axe(page, "my volunteering")

    # --- A coordinator moves them to orientation and enrols them, on a phone. ---
    staff = new_page()
    sign_in(staff, live_server, *COORDINATOR)
    staff.goto(f"{live_server.url}/admin/volunteers/?q=あわじ")
    staff.get_by_role("link", name="淡路 島子").click()
    expect(staff).to_have_url(path_is(live_server, f"/admin/volunteers/{profile.pk}/"))
    expect(staff.locator("main")).to_contain_text(RESIDENT_EMAIL)  # contact: coordinators only
    staff.locator(f"form[action='/admin/volunteers/{profile.pk}/stage/'] select").select_option(
        "orientation"
    )
    staff.locator(f"form[action='/admin/volunteers/{profile.pk}/stage/'] input[name=note]").fill(
        "電話で説明会を案内"
    )
    staff.locator(f"form[action='/admin/volunteers/{profile.pk}/stage/'] button").click()
    expect(staff.locator("main")).to_contain_text("電話で説明会を案内")
    staff.locator("#enrol-run").select_option(str(run.pk))
    staff.locator(f"form[action='/admin/volunteers/{profile.pk}/enrol/'] button").click()
    expect(staff.locator("main")).to_contain_text("臨時開催（出前講座）")
    profile.refresh_from_db()
    assert profile.stage == "orientation"
    enrolment = Enrolment.objects.get(run=run, user=resident)
    assert enrolment.status == "enrolled"

    # The resident's page now says to take part in the orientation.
    page.reload()
    expect(page.locator("section.next-step")).to_contain_text("オリエンテーション")

    # --- Staff mark the resident present; the completed orientation moves them on. ---
    staff.goto(f"{live_server.url}/sessions/{session.pk}/roster/")
    row = staff.locator(f"#person-{enrolment.pk}")
    row.locator("button[value$=':present']").tap()
    expect(row.locator("button[value$=':present']")).to_have_attribute("aria-pressed", "true")

    enrolment.refresh_from_db()
    assert enrolment.status == "completed"
    profile.refresh_from_db()
    assert profile.stage == "training"
    moved = StageChange.objects.filter(profile=profile).last()
    assert moved.changed_by is None and ORIENTATION in moved.note

    page.reload()
    expect(page.locator("section.next-step")).to_contain_text("研修中")
    expect(page.locator("ol.pipeline li[aria-current=step]")).to_contain_text("研修中")
    axe(page, "my volunteering after the orientation")
