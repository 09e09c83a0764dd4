"""Browser journey for self-paced learning (issue #11), on a phone, in Japanese, on the demo:
the demo supporter resumes the on-demand course, fails its understanding check, reads the
explanations, passes on the second try, sends the reflection, and the course is completed
with a certificate.  axe-core checks the lesson and its result."""

from playwright.sync_api import expect

from tests.e2e.journey_helpers import enrolment_card, open_my_learning, path_is, sign_in

SUPPORTER = ("supporter@demo.hyogo.example", "demo-supporter-2026")  # 兵庫 花子
COURSE = "オンデマンド研修 孤独・孤立の基礎"


def test_a_supporter_fails_retries_passes_reflects_and_completes(page, live_server, demo, axe):
    from certificates.models import Certificate
    from courses.models import Enrolment, EnrolmentStatus
    from lessons.models import LessonPage, QuizAttempt

    lesson = LessonPage.objects.get(slug="lesson-1-notice")
    sign_in(page, live_server, *SUPPORTER)
    open_my_learning(page, live_server)
    card = enrolment_card(page, COURSE)
    expect(card.locator(".lesson-progress")).to_contain_text("3件中2件完了")
    card.get_by_role("link", name="続きから学ぶ").click()
    expect(page).to_have_url(path_is(live_server, lesson.url))
    expect(page.get_by_role("heading", level=1)).to_have_text("第1回 孤独・孤立に気づく")
    axe(page, "lesson with its understanding check")

    quiz = page.locator("form.quiz-form")
    # First try: wrong answers.
    quiz.get_by_label("毎朝同じ時間に散歩している").check()
    quiz.get_by_label("様子を見て誰にも伝えない").check()
    quiz.get_by_label("どちらも同じ意味である").check()
    quiz.get_by_role("button", name="答え合わせをする").click()
    result = page.locator(".quiz-result")
    expect(result).to_contain_text("まだ合格していません")
    expect(result).to_contain_text("郵便物がたまるのは")  # the explanation after answering
    axe(page, "understanding check, not passed")
    assert QuizAttempt.objects.filter(lesson=lesson, passed=False).count() == 1

    # Second try: right answers.
    quiz = page.locator("form.quiz-form")
    quiz.get_by_label("郵便受けに郵便物がたまっている").check()
    quiz.get_by_label("地域包括支援センター").check()
    quiz.get_by_label("市町の社会福祉協議会").check()
    quiz.get_by_label("孤独は主観的な感情、孤立は客観的な状態を指す").check()
    quiz.get_by_role("button", name="もう一度挑戦する").click()
    expect(page.locator(".quiz-result")).to_contain_text("合格: 100%")
    expect(page.locator("form.quiz-form")).to_have_count(0)

    # The reflection is the last thing the course waits for.
    open_my_learning(page, live_server)
    card = enrolment_card(page, COURSE)
    expect(card.locator(".lesson-progress")).to_contain_text("3件中3件完了")
    enrolment = Enrolment.objects.get(
        run__course__slug="ondemand-isolation-basics", user__email=SUPPORTER[0]
    )
    assert enrolment.status == EnrolmentStatus.ENROLLED
    card.locator(f"a[href='/enrolments/{enrolment.pk}/reflection/']").click()
    page.get_by_label("この研修で新たに気づいたことは何ですか。").fill(
        "郵便物など小さなサインが孤立に気づくきっかけになること。"
    )
    page.get_by_label("明日から職場や地域で試してみたいことは何ですか。").fill(
        "気になる方がいたら、一人で抱えず地域包括支援センターにつなぎます。"
    )
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(path_is(live_server, "/learning/"))
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    certificate = Certificate.objects.get(enrolment=enrolment)
    assert certificate.status == "valid"
    page.reload()
    expect(enrolment_card(page, COURSE).locator(".my-certificate")).to_be_visible()
