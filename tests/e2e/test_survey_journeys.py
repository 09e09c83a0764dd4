"""Browser journey for post-training surveys (issue #11 item 5), on a phone, in Japanese.

The demo supporter (兵庫 花子) finished the spring run of 「つながりを支える相談支援 実践研修」:
My learning asks her to answer its survey.  She sends the form once with a required answer
missing (the message is next to the question, nothing is saved), then answers, and sees the
thanks; answering again changes nothing.  A coordinator's report counts one more answer and
never shows her name.  axe-core checks the form (also with its errors), the thanks and the
report."""

import pytest
from playwright.sync_api import expect

from tests.e2e.journey_helpers import number, open_my_learning, path_is, sign_in

SUPPORTER = ("supporter@demo.hyogo.example", "demo-supporter-2026")
COORDINATOR = ("coordinator@demo.hyogo.example", "demo-coordinator-2026")
SUPPORTER_NAME = "兵庫 花子"


@pytest.fixture
def demo_survey(demo):
    """The demo with its survey (load_demo_surveys is idempotent, so calling it again after
    cms.demo has is harmless)."""
    from courses.demo import ATTENDANCE_COURSE_SLUG, PAST_RUN_TITLE
    from courses.models import CourseRun
    from surveys.demo import load_demo_surveys
    from surveys.models import SurveyInvitation

    survey = load_demo_surveys()
    run = CourseRun.objects.get(course__slug=ATTENDANCE_COURSE_SLUG, title=PAST_RUN_TITLE)
    invitation = SurveyInvitation.objects.get(
        survey=survey, enrolment__run=run, enrolment__user__email=SUPPORTER[0]
    )
    return survey, run, invitation


def totals(page):
    return page.locator("dl.survey-totals dd")


def test_the_supporter_answers_the_survey_and_the_report_counts_it_without_her_name(
    page, new_page, live_server, demo_survey, axe
):
    from surveys.models import SurveyAnswer, SurveyResponse

    survey, run, invitation = demo_survey
    report_path = f"/admin/surveys/reports/{survey.pk}/runs/{run.pk}/"
    questions = list(survey.questions.order_by("sort_order", "pk"))

    # --- The coordinator's report before: five answers of six invited. ---
    staff = new_page()
    sign_in(staff, live_server, *COORDINATOR)
    staff.goto(live_server.url + report_path)
    expect(totals(staff).nth(0)).to_have_text(number(6))
    expect(totals(staff).nth(1)).to_have_text(number(5))

    # --- The supporter is asked on My learning, on her phone. ---
    sign_in(page, live_server, *SUPPORTER)
    open_my_learning(page, live_server)
    prompt = page.locator("section.survey-prompt")
    expect(prompt).to_contain_text("つながりを支える相談支援 実践研修")
    prompt.locator(f"a[href='/surveys/{invitation.pk}/']").click()
    expect(page).to_have_url(path_is(live_server, f"/surveys/{invitation.pk}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(survey.title)
    axe(page, "survey form")

    # A required answer missing: the message is next to the question, nothing is saved.
    page.locator(f"input[name=q{questions[1].pk}][value='事例検討']").check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator(f"#id_q{questions[0].pk}_errors")).to_be_visible()
    expect(page.locator(".form-error-summary")).to_be_visible()
    axe(page, "survey form with errors")
    assert SurveyResponse.objects.filter(run=run).count() == 5

    page.locator(f"input[name=q{questions[0].pk}][value='4']").check()
    page.locator(f"input[name=q{questions[1].pk}][value='多職種でのグループワーク']").check()
    page.locator(f"input[name=q{questions[2].pk}][value='5']").check()
    page.locator(f"textarea[name=q{questions[3].pk}]").fill(
        "職場でも多職種の事例検討を始めたいです。"
    )
    # She leaves the question that would show her name empty.
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(path_is(live_server, f"/surveys/{invitation.pk}/thanks/"))
    expect(page.locator(".messages")).to_be_visible()
    axe(page, "survey thanks")
    invitation.refresh_from_db()
    assert invitation.answered_at is not None
    assert SurveyResponse.objects.filter(run=run).count() == 6
    assert not SurveyAnswer.objects.filter(respondent_name=SUPPORTER_NAME).exists()

    # The form again: straight to the thanks; the prompt is gone.
    page.goto(f"{live_server.url}/surveys/{invitation.pk}/")
    expect(page).to_have_url(path_is(live_server, f"/surveys/{invitation.pk}/thanks/"))
    open_my_learning(page, live_server)
    expect(page.locator("section.survey-prompt")).to_have_count(0)

    # --- The report after: six answers, her comment listed, her name nowhere. ---
    staff.goto(live_server.url + report_path)
    expect(totals(staff).nth(1)).to_have_text(number(6))
    expect(staff.locator("main")).to_contain_text("職場でも多職種の事例検討を始めたいです。")
    expect(staff.locator("main")).not_to_contain_text(SUPPORTER_NAME)
    # The named answers of the people who agreed are there.
    expect(staff.locator("main table").last).to_contain_text("山本 彩")
    axe(staff, "survey run report")

    staff.goto(f"{live_server.url}/admin/surveys/reports/{survey.pk}/courses/{run.course_id}/")
    expect(staff.locator("main")).not_to_contain_text(SUPPORTER_NAME)
    axe(staff, "survey course report")
