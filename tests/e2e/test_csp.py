"""The Content-Security-Policy in a real browser (issue 10, item 5): the public pages that run our
JavaScript work with the header in force, with no violation reported and no console error; the
Wagtail user bar works on a public page for a signed-in editor; the admin's page editor works
under the admin policy; and an inline script really is blocked (so "no violation" means
something).  On a phone, in Japanese, on the demo site."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.journey_helpers import sign_in

pytestmark = pytest.mark.e2e

SUPPORTER = ("supporter@demo.hyogo.example", "demo-supporter-2026")
COORDINATOR = ("coordinator@demo.hyogo.example", "demo-coordinator-2026")
EDITOR = ("editor@demo.hyogo.example", "demo-editor-2026")
STAFF = ("staff@demo.hyogo.example", "demo-staff-2026")
YOUTUBE_URL = "https://www.youtube.com/watch?v=csp-test-01"
YOUTUBE_HTML = (
    '<iframe width="200" height="113" src="https://www.youtube.com/embed/csp-test-01?feature=oembed"'
    ' frameborder="0" allow="accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope;'
    ' picture-in-picture; web-share" referrerpolicy="strict-origin-when-cross-origin"'
    ' allowfullscreen title="孤立に気づくための研修動画"></iframe>'
)
PLAYER_STUB = "<!DOCTYPE html><html lang='ja'><title>動画</title><p>player</p></html>"


class PolicyWatch:
    """Collects CSP violations (the ``securitypolicyviolation`` event, in every page the tab
    opens) and console errors and uncaught exceptions of one browser tab."""

    REPORT = """
    document.addEventListener("securitypolicyviolation", (event) => {
      window.__cspViolation({
        page: location.pathname,
        directive: event.effectiveDirective,
        blocked: event.blockedURI,
        source: event.sourceFile + ":" + event.lineNumber,
        sample: event.sample,
      });
    }, true);
    """

    def __init__(self, page):
        self.page = page
        self.violations: list[dict] = []
        self.errors: list[str] = []
        page.expose_function("__cspViolation", self._violation)
        page.add_init_script(self.REPORT)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def _violation(self, report: dict) -> None:
        self.violations.append(report)

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"{message.text} ({message.location.get('url', '')})")

    def visit(self, url: str, *, admin: bool = False):
        """Open ``url``; it must come with the site's policy (or the admin's)."""
        response = self.page.goto(url)
        assert response.ok, (url, response.status)
        policy = response.headers.get("content-security-policy", "")
        script_src = re.search(r"script-src([^;]*)", policy).group(1)
        assert ("'unsafe-inline'" in script_src) is admin, (url, policy)
        assert "'unsafe-eval'" not in script_src
        return response

    def assert_clean(self) -> None:
        self.page.wait_for_timeout(300)  # let late reports (and the binding's calls) arrive
        assert self.violations == [], f"CSP violations: {self.violations}"
        assert self.errors == [], f"console errors: {self.errors}"


@pytest.fixture
def watched(page):
    return PolicyWatch(page)


def _lesson_with_video():
    """Lesson 1 of the demo's on-demand course, with an uploaded video and a YouTube embed."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from wagtail.documents import get_document_model
    from wagtail.embeds.blocks import EmbedValue
    from wagtail.embeds.embeds import get_embed_hash
    from wagtail.embeds.models import Embed

    from lessons.models import LessonPage

    video = get_document_model().objects.create(
        title="第1回 動画", file=SimpleUploadedFile("lesson-1.webm", b"\x1aE\xdf\xa3 webm")
    )
    # The embed as YouTube's oEmbed answers it, stored where Wagtail looks first (no network).
    Embed.objects.create(
        url=YOUTUBE_URL,
        hash=get_embed_hash(YOUTUBE_URL, None, None),
        type="video",
        html=YOUTUBE_HTML,
        title="孤立に気づくための研修動画",
        provider_name="YouTube",
    )
    lesson = LessonPage.objects.get(slug="lesson-1-notice")
    lesson.body.append(("video_file", {"video": video, "captions": None, "transcript": "字幕"}))
    lesson.body.append(("video", EmbedValue(YOUTUBE_URL)))
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    return lesson


def _session_under_way():
    from courses.demo import ATTENDANCE_COURSE_SLUG, CURRENT_RUN_TITLE
    from courses.models import Session

    now = timezone.now()
    return Session.objects.get(
        run__course__slug=ATTENDANCE_COURSE_SLUG,
        run__title=CURRENT_RUN_TITLE,
        starts_at__lte=now,
        ends_at__gte=now,
    )


def test_an_inline_script_is_blocked_and_reported(watched, live_server, demo):
    """The watch sees violations, and the policy really stops inline code from running."""
    watched.visit(live_server.url + "/")
    watched.page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__inlineRan = true";
          document.body.append(script);
        }"""
    )
    watched.page.wait_for_timeout(300)

    assert watched.page.evaluate("() => window.__inlineRan === undefined")
    assert [v["directive"] for v in watched.violations] == ["script-src-elem"]


def test_the_public_catalogue_and_the_volunteer_sign_up_work_under_the_policy(
    watched, live_server, demo
):
    from courses.models import CourseIndexPage

    page = watched.page
    watched.visit(live_server.url + CourseIndexPage.objects.get(locale__language_code="ja").url)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main a[href*='/courses/']").first).to_be_visible()

    watched.visit(live_server.url + "/volunteer/join/")
    page.locator("main form button[type=submit]").click()  # empty: the errors come back
    expect(page.locator(".errorlist").first).to_be_visible()

    watched.assert_clean()


def test_a_lesson_with_videos_works_under_the_policy(
    watched, live_server, demo, settings, tmp_path
):
    from lessons.models import LessonProgress

    # Media on disk, as on the site (the other tests keep files in memory), so Wagtail's view
    # serves the video file itself.
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    lesson = _lesson_with_video()
    page = watched.page
    page.route(
        "https://www.youtube.com/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body=PLAYER_STUB),
    )
    sign_in(page, live_server, *SUPPORTER)

    watched.visit(live_server.url + lesson.url)
    youtube = page.locator(".embed-block iframe")
    expect(youtube).to_have_attribute("src", re.compile(r"^https://www\.youtube\.com/embed/"))
    expect(page.frame_locator(".embed-block iframe").locator("p")).to_have_text("player")

    # Our script reports a video watched to the end (lessons/static js/lesson_video.js).
    with page.expect_response(lambda r: r.url.endswith("/video-ended/")) as ended:
        page.locator("video[data-lesson-video]").dispatch_event("ended")
    assert ended.value.ok
    progress = LessonProgress.objects.get(lesson=lesson, user__email=SUPPORTER[0])
    assert progress.video_finished_at is not None

    watched.assert_clean()


def test_the_check_in_screen_and_the_roster_work_under_the_policy(watched, live_server, demo):
    from courses.models import Attendance, Enrolment

    session = _session_under_way()
    page = watched.page
    sign_in(page, live_server, *COORDINATOR)

    # The projector screen fetches the next code and the count (static/js/check_in_screen.js).
    watched.visit(f"{live_server.url}/sessions/{session.pk}/check-in-screen/")
    expect(page.locator("[data-role=arrived]")).to_have_text(re.compile(r"^\d+ / \d+$"))
    expect(page.locator("[data-role=qr] svg")).to_be_visible()

    # One tap on the roster marks a person present without a reload (static/js/roster.js).
    enrolment = Enrolment.objects.filter(run=session.run).order_by("pk").first()
    watched.visit(f"{live_server.url}/sessions/{session.pk}/roster/")
    row = page.locator(f"#person-{enrolment.pk}")
    row.locator("button[value$=':present']").tap()
    expect(row.locator("button[value$=':present']")).to_have_attribute("aria-pressed", "true")
    assert Attendance.objects.get(enrolment=enrolment, session=session).status == "present"

    watched.assert_clean()


def test_join_online_reaches_the_meeting_under_the_policy(watched, live_server, demo):
    """The join button posts to us and is redirected to the meeting host: allowed there only."""
    from courses.demo import MEETING_URL
    from courses.models import Attendance
    from tests.e2e.test_attendance_journeys import participant

    session = _session_under_way()
    person = participant(session, "丹波 ゆう", "たんば ゆう")
    page = watched.page
    page.route(
        f"{MEETING_URL}**",
        lambda route: route.fulfill(status=200, content_type="text/html", body=PLAYER_STUB),
    )
    sign_in(page, live_server, person.email, "correct-horse-battery")

    watched.visit(f"{live_server.url}/learning/")
    page.locator(f"form[action='/sessions/{session.pk}/join/'] button").tap()

    expect(page).to_have_url(MEETING_URL)
    assert Attendance.objects.get(session=session, enrolment__user=person).status == "joined"
    watched.assert_clean()


def test_the_wagtail_user_bar_works_for_an_editor_on_a_public_page(
    watched, live_server, demo, settings
):
    settings.WAGTAILADMIN_BASE_URL = live_server.url  # where the user bar loads its files from
    page = watched.page
    sign_in(page, live_server, *EDITOR)

    watched.visit(live_server.url + "/")
    trigger = page.locator("wagtail-userbar [data-wagtail-userbar-trigger]")
    expect(trigger).to_be_visible()
    trigger.click()
    expect(page.locator("wagtail-userbar #wagtail-userbar-items")).to_be_visible()
    expect(page.locator("wagtail-userbar a[href*='/admin/pages/']").first).to_be_visible()

    watched.assert_clean()


def test_the_page_editor_works_under_the_admin_policy(watched, live_server, demo):
    from courses.models import CourseRun
    from lessons.models import LessonPage

    lesson = LessonPage.objects.get(slug="lesson-1-notice")
    run = CourseRun.objects.filter(sessions__isnull=False).first()
    page = watched.page
    sign_in(page, live_server, *STAFF)

    watched.visit(f"{live_server.url}/admin/pages/{lesson.pk}/edit/", admin=True)
    expect(page.locator("form[data-edit-form]")).to_be_visible()
    watched.visit(f"{live_server.url}/admin/snippets/courses/courserun/edit/{run.pk}/", admin=True)
    expect(page.locator("input[name=starts_on]")).to_be_visible()

    watched.assert_clean()
    # Leave the editor once its requests are answered: its editing-session pings write to the
    # database, and one still being answered when the test's database is flushed locked a
    # table on SQLite (seen once in CI).
    page.wait_for_load_state("networkidle")
    page.goto("about:blank")
