"""The project-wide permission matrix (issue #10): every URL of our own code is in a matrix,
here or in one of the area matrices (organisations, exchange, mentoring); a view added without
an entry, or without a name, fails the first test.

Each URL here is requested by nine kinds of person with ids that belong to someone else, "the
owner" (a learner who is also a volunteer and a mentee): anonymous visitors are sent to sign in,
signed-in people without the right get "not found" for someone else's things, "forbidden" for
staff pages on the site and Wagtail's refusal in the admin; refused POSTs carry a payload that
would change something and change nothing; and the owner's private data (name, email, phone,
staff note, reflection, apology, survey answers, meeting link, calendar token, certificate
code, email body, mentoring notes) never appears in a page, CSV, ICS or JSON of someone not
meant to see it.  The companion tests
show each secret does appear to the people meant to see it, and each refused payload works for
the people allowed, so neither check passes by accident."""

from __future__ import annotations

import json
import types
from dataclasses import dataclass
from urllib.parse import unquote

import pytest
from django.contrib.auth.models import Group
from django.test import Client, override_settings
from django.urls import include, path, reverse
from django.utils import timezone, translation

from courses import checkin
from lms import roles
from tests.exchange.test_permissions import MATRIX as EXCHANGE_MATRIX
from tests.mentoring.test_permissions import MATRIX as MENTORING_MATRIX
from tests.organisations.test_permissions import MATRIX as ORGANISATIONS_MATRIX
from tests.permission_people import (
    APOLOGY,
    CHANGE_REASON,
    EMAIL_BODY,
    MEETING,
    MENTOR_NOTE,
    OWNER_EMAIL,
    OWNER_NAME,
    OWNER_PHONE,
    PEOPLE,
    REFLECTION,
    STAFF_NOTE,
    SURVEY_NAMED,
    SURVEY_TEXT,
    build_scene,
)
from tests.url_names import all_url_names, urls_missing_from

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]

EVERYONE = frozenset(PEOPLE)
SIGNED_IN = EVERYONE - {"anonymous"}
OWNER = frozenset({"owner"})
STAFF = frozenset({"coordinator", "superuser"})  # coordinators hold the staff permissions
SUPERUSER = frozenset({"superuser"})
NOBODY = frozenset()


@dataclass(frozen=True)
class Rule:
    """Who may use a URL and how everyone else is refused.

    ``method``: "get" (a page), "post" (an action) or "both" (a page whose form posts back).
    ``denied``: what signed-in people without the right get: "404" (someone else's thing),
    "403" (staff pages on the site), "400" (a check-in link for someone without a seat),
    "admin" (Wagtail: back to the dashboard or to sign in, or 403), "lesson" (back to the
    course or lesson with a message).  Anonymous visitors are always sent to sign in.
    ``ok``: the statuses of an allowed GET (a redirect only where it is the normal flow)."""

    method: str
    allowed: frozenset[str]
    denied: str = "404"
    ok: tuple[int, ...] = (200,)


MATRIX: dict[str, Rule] = {
    # Public (the calendar token and the verification code are keys: whoever holds one may use it)
    "health": Rule("get", EVERYONE),
    "sitemap": Rule("get", EVERYONE),
    "search": Rule("get", EVERYONE),
    # Wagtail's page view, routed by lms.pageserving: the home page here; pages with view
    # restrictions are in tests/lms/test_page_serving.py.
    "wagtail_serve": Rule("get", EVERYONE),
    "calendar_feed": Rule("get", EVERYONE),
    "certificates:verify_form": Rule("get", EVERYONE),
    "certificates:verify": Rule("get", EVERYONE),
    "courses:session_ics": Rule("get", EVERYONE),
    "courses:run_ics": Rule("get", EVERYONE),
    "courses:session_google": Rule("get", EVERYONE, ok=(302,)),
    "volunteers:signup": Rule("both", EVERYONE, ok=(200, 302)),  # registered: to their page
    "volunteers:signup_step": Rule("both", EVERYONE, ok=(200, 302)),
    "volunteers:signup_sent": Rule("get", EVERYONE, ok=(302,)),  # nothing sent: to step 1
    # Anyone signed in, about themselves
    "profile": Rule("both", SIGNED_IN),
    "profile_data": Rule("get", SIGNED_IN),
    "profile_data_page": Rule("get", SIGNED_IN),
    "profile_withdraw": Rule("both", SIGNED_IN),
    "profile_calendar": Rule("post", SIGNED_IN),
    "courses:my_learning": Rule("get", SIGNED_IN),
    "courses:enrol": Rule("post", SIGNED_IN),
    "courses:check_in_code": Rule("both", SIGNED_IN),
    "courses:check_in_pending": Rule("get", SIGNED_IN, ok=(302,)),  # no scan pending
    "volunteers:home": Rule("get", SIGNED_IN),
    # The owner's own enrolments, sessions, certificate, surveys and lessons
    "courses:cancel": Rule("post", OWNER),
    "courses:accept": Rule("post", OWNER),
    "courses:decline": Rule("post", OWNER),
    "courses:reflection": Rule("both", OWNER),
    "courses:check_in_qr": Rule("get", OWNER, denied="400"),
    "courses:online_join": Rule("post", OWNER),
    "courses:online_code": Rule("both", OWNER),
    "courses:apology": Rule("both", OWNER),
    "certificates:download": Rule("get", OWNER | STAFF),
    "surveys:answer": Rule("both", OWNER),
    "surveys:thanks": Rule("get", OWNER),
    "lessons:done": Rule("post", OWNER, denied="lesson"),
    "lessons:video_ended": Rule("post", OWNER, denied="403"),
    "lessons:quiz": Rule("post", OWNER, denied="lesson"),
    # Taking attendance on the site (phones at the venue)
    "courses:roster": Rule("get", STAFF, denied="403"),
    "courses:roster_mark": Rule("post", STAFF, denied="403"),
    "courses:roster_rest_absent": Rule("post", STAFF, denied="403"),
    "courses:roster_walk_in": Rule("post", STAFF, denied="403"),
    "courses:roster_live": Rule("get", STAFF, denied="403"),
    "courses:check_in_screen": Rule("get", STAFF, denied="403"),
    "courses:check_in_screen_code": Rule("get", STAFF, denied="403"),
    # Our Wagtail admin views: training
    "courses_pending_requests": Rule("get", STAFF, denied="admin"),
    "courses_approve_request": Rule("post", STAFF, denied="admin"),
    "courses_reject_request": Rule("post", STAFF, denied="admin"),
    "courses_run_participants": Rule("get", STAFF, denied="admin"),
    "courses_run_breakouts": Rule("get", STAFF, denied="admin"),
    "courses_run_breakouts_print": Rule("get", STAFF, denied="admin"),
    "courses_generate_breakouts": Rule("post", STAFF, denied="admin"),
    "courses_assign_breakouts": Rule("post", STAFF, denied="admin"),
    "courses_add_participant": Rule("post", STAFF, denied="admin"),
    "courses_move_participant": Rule("post", STAFF, denied="admin"),
    "courses_message_participants": Rule("post", STAFF, denied="admin"),
    "courses_run_attendance": Rule("get", STAFF, denied="admin"),
    "courses_sign_off": Rule("post", STAFF, denied="admin"),
    "courses_sessions_today": Rule("get", STAFF, denied="admin"),
    "courses_run_reflections": Rule("get", STAFF, denied="admin"),
    "courses_reflection_feedback": Rule("post", STAFF, denied="admin"),
    "courses_session_roster": Rule("get", STAFF, denied="admin"),
    "courses_completion_follow_up": Rule("get", STAFF, denied="admin"),
    "wagtailsnippets_courses_courserun:add": Rule("both", STAFF, denied="admin"),
    "wagtailsnippets_courses_courserun:delete": Rule("both", SUPERUSER, denied="admin"),
    "wagtailsnippets_courses_venue:delete": Rule("both", SUPERUSER, denied="admin"),
    # ... certificates
    "certificates_run": Rule("get", STAFF, denied="admin"),
    "certificates_issue_for_run": Rule("post", STAFF, denied="admin"),
    "certificates_issue_by_hand": Rule("post", STAFF, denied="admin"),
    "certificates_revoke": Rule("post", STAFF, denied="admin"),
    "certificates_reissue": Rule("post", STAFF, denied="admin"),
    # ... volunteers
    "volunteers_list": Rule("get", STAFF, denied="admin"),
    "volunteers_bulk": Rule("post", STAFF, denied="admin"),
    "volunteers_board": Rule("get", STAFF, denied="admin"),
    "volunteers_enter": Rule("both", STAFF, denied="admin"),
    "volunteers_waiting": Rule("get", STAFF, denied="admin"),
    "volunteers_duplicates": Rule("get", STAFF, denied="admin"),
    "volunteers_duplicate_resolve": Rule("post", STAFF, denied="admin"),
    "volunteers_candidates": Rule("get", STAFF, denied="admin"),
    "volunteers_leader_invite": Rule("post", STAFF, denied="admin"),
    "volunteers_report": Rule("get", STAFF, denied="admin"),
    "volunteers_detail": Rule("get", STAFF, denied="admin"),
    "volunteers_update": Rule("post", STAFF, denied="admin"),
    # ... lessons, surveys
    "lessons_run_progress": Rule("get", STAFF, denied="admin"),
    "surveys_reports": Rule("get", STAFF, denied="admin"),
    "surveys_course_report": Rule("get", STAFF, denied="admin"),
    "surveys_run_report": Rule("get", STAFF, denied="admin"),
    "wagtailsnippets_surveys_survey:delete": Rule("both", SUPERUSER, denied="admin"),
    # ... shared taxonomies (coordinators add and change terms; only a superuser deletes)
    "wagtailsnippets_lms_field:delete": Rule("both", SUPERUSER, denied="admin"),
    "wagtailsnippets_lms_profession:delete": Rule("both", SUPERUSER, denied="admin"),
    "wagtailsnippets_lms_organisationgroup:delete": Rule("both", SUPERUSER, denied="admin"),
    "wagtailsnippets_lms_organisationtype:delete": Rule("both", SUPERUSER, denied="admin"),
    "wagtailsnippets_lms_municipality:delete": Rule("both", SUPERUSER, denied="admin"),
    # The audit log of staff actions on personal data: superusers only
    "audit_events": Rule("get", SUPERUSER, denied="admin"),
    # Wagtail's own views over our personal data (not required by the rule, checked anyway):
    # outgoing email, enrolments and certificates are read-only for everyone, superusers too.
    "wagtailsnippets_lms_outboundemail:list": Rule("get", STAFF, denied="admin"),
    "wagtailsnippets_lms_outboundemail:inspect": Rule("get", STAFF, denied="admin"),
    "wagtailsnippets_lms_outboundemail:edit": Rule("both", NOBODY, denied="admin"),
    "wagtailsnippets_courses_enrolment:list": Rule("get", STAFF, denied="admin"),
    "wagtailsnippets_courses_enrolment:inspect": Rule("get", STAFF, denied="admin"),
    "wagtailsnippets_courses_enrolment:edit": Rule("both", NOBODY, denied="admin"),
    "wagtailsnippets_certificates_certificate:list": Rule("get", STAFF, denied="admin"),
    "wagtailsnippets_certificates_certificate:inspect": Rule("get", STAFF, denied="admin"),
    "wagtailsnippets_certificates_certificate:edit": Rule("both", NOBODY, denied="admin"),
    "wagtailusers_users:index": Rule("get", SUPERUSER, denied="admin"),
    # Wagtail's group screens, ours only to make kept sidebars stale (lms.admin_users)
    "wagtailusers_groups:add": Rule("both", SUPERUSER, denied="admin"),
    "wagtailusers_groups:edit": Rule("both", SUPERUSER, denied="admin"),
}

# Wagtail's choosers of snippets about people answer only staff who may view the model
# (lms.wagtail_hooks.PersonalDataChooserViewSet); creating one needs the add permission,
# which nobody has for the read-only records.
PERSONAL_CHOOSERS = {
    "courses_enrolment": NOBODY,
    "certificates_certificate": NOBODY,
    "lms_outboundemail": NOBODY,
    "mentoring_mentorprofile": STAFF,
    "mentoring_menteeprofile": STAFF,
}
for _model, _may_create in PERSONAL_CHOOSERS.items():
    _prefix = f"wagtailsnippetchoosers_{_model}:"
    MATRIX |= {
        _prefix + "choose": Rule("get", STAFF, denied="admin"),
        _prefix + "choose_results": Rule("get", STAFF, denied="admin"),
        _prefix + "chosen": Rule("get", STAFF, denied="admin"),
        _prefix + "chosen_multiple": Rule("get", STAFF, denied="admin"),
        _prefix + "create": Rule("both", _may_create, denied="admin"),
    }

# Further GETs of the same URL: exports, and searches for the owner.
VARIANTS = {
    "search": ["?q=秘匿川", "?q=himitsu"],
    "courses:roster": ["", "?q=秘匿川"],
    "courses_run_participants": ["", "?format=csv"],
    "courses_run_attendance": ["", "?format=csv"],
    "certificates_run": ["", "?format=zip"],
    "volunteers_list": ["", "?q=秘匿川"],
    "volunteers_report": ["", "?format=csv", "?by=field&format=csv"],
    "surveys_course_report": ["", "?format=csv"],
    "surveys_run_report": ["", "?format=csv"],
    "wagtailusers_users:index": ["?q=秘匿川"],
    "audit_events": ["", "?format=csv"],
}

# The area matrices cover the rest of the project.
AREA_MATRICES = [ORGANISATIONS_MATRIX, EXCHANGE_MATRIX, MENTORING_MATRIX]


def covered() -> set[str]:
    return set(MATRIX).union(*AREA_MATRICES)


# --- 1. Every URL of ours is in a matrix ---------------------------------------------------------


def test_every_url_of_ours_is_in_a_matrix():
    assert urls_missing_from(covered()) == []


def test_every_matrix_entry_is_a_real_url():
    """No stale entries: a renamed URL must be renamed here too."""
    assert covered() - all_url_names() == set()
    assert set(MATRIX).isdisjoint(set().union(*AREA_MATRICES))


def test_a_new_view_without_an_entry_or_a_name_fails_the_check():
    """What a contributor adding views sees: the project's URLs plus an admin export wrapped
    as Wagtail wraps the URLs of ``register_admin_urls`` hooks, an unnamed page and a namespaced page, all views of our
    apps, are reported; a third party's view is not."""
    from django.views.i18n import JavaScriptCatalog
    from wagtail.admin.auth import require_admin_access
    from wagtail.utils.urlpatterns import decorate_urlpatterns

    from courses import admin_views
    from lms import urls as real
    from lms import views as lms_views
    from volunteers import views as volunteer_views

    namespaced = [path("volunteer/all/", volunteer_views.VolunteerHomeView.as_view(), name="all")]
    extra = types.ModuleType("tests.new_contributor_urls")
    hooked = [path("everyone.csv", admin_views.pending_requests, name="courses_everyone")]
    extra.urlpatterns = [
        *real.urlpatterns,
        path("admin/courses/", include(decorate_urlpatterns(hooked, require_admin_access))),
        path("unnamed/", lms_views.health),
        path("", include((namespaced, "volunteers_extra"))),
        path("third-party/", JavaScriptCatalog.as_view(), name="third_party"),
    ]
    assert urls_missing_from(covered()) == []

    with override_settings(ROOT_URLCONF=extra):
        missing = urls_missing_from(covered())

    assert missing == [
        "courses_everyone: /admin/courses/everyone.csv (courses.admin_views)",
        "(unnamed): /unnamed/ (lms.views)",
        "volunteers_extra:all: /volunteer/all/ (volunteers.views)",
    ]
    assert urls_missing_from(covered()) == []  # the project's own URLs again


def test_admin_views_of_our_apps_are_found_by_the_module_of_their_code():
    """The hook-registered admin URLs are ours by their code, not by a list; Wagtail's own
    snippet views of our models are not required (a few are in the matrix anyway)."""
    from tests.url_names import project_urls

    ours = {url.name: url.module for url in project_urls()}
    assert ours["volunteers_detail"] == "volunteers.admin_views"
    assert ours["wagtailsnippets_lms_field:delete"] == "lms.wagtail_hooks"
    assert ours["calendar_feed"] == "lms.views"
    assert "wagtailsnippets_lms_field:edit" not in ours  # Wagtail's EditView
    assert "account_login" not in ours and "javascript-catalog" not in ours
    assert "account_signup" not in ours  # allauth's view, wrapped in a transaction by us


# --- 2. The matrix --------------------------------------------------------------------------------


@pytest.fixture
def scene(role_user):
    return build_scene(role_user)


def url_kwargs(name: str, scene) -> dict:
    run, enrolment, certificate = scene["run"], scene["enrolment"], scene["certificate"]
    now_id, later_id = scene["session_now"].pk, scene["session_later"].pk
    lesson_id, profile_id = scene["lesson"].pk, scene["profile"].pk
    if name == "courses:check_in_qr":  # the code on the projector now
        window = checkin.window_at(timezone.now())
        return {"session_id": now_id, "window": window, "token": checkin.qr_token(now_id, window)}
    table = {
        "calendar_feed": {"token": scene["feed"].token},
        "certificates:verify": {"code": certificate.verification_code},
        "certificates:download": {"serial": certificate.serial},
        "courses:session_ics": {"session_id": later_id},
        "courses:session_google": {"session_id": later_id},
        "courses:run_ics": {"run_id": run.pk},
        "courses:enrol": {"run_id": run.pk},
        "volunteers:signup_step": {"step": 1},
        "courses:cancel": {"enrolment_id": enrolment.pk},
        "courses:accept": {"enrolment_id": enrolment.pk},
        "courses:decline": {"enrolment_id": enrolment.pk},
        "courses:reflection": {"enrolment_id": enrolment.pk},
        "courses:online_join": {"session_id": now_id},
        "courses:online_code": {"session_id": now_id},
        "courses:apology": {"session_id": later_id},
        "surveys:answer": {"invitation_id": scene["open_invitation"].pk},
        "surveys:thanks": {"invitation_id": scene["answered_invitation"].pk},
        "lessons:done": {"lesson_id": lesson_id},
        "lessons:video_ended": {"lesson_id": lesson_id},
        "lessons:quiz": {"lesson_id": lesson_id},
        "courses:roster": {"session_id": now_id},
        "courses:roster_mark": {"session_id": now_id},
        "courses:roster_rest_absent": {"session_id": now_id},
        "courses:roster_walk_in": {"session_id": now_id},
        "courses:roster_live": {"session_id": now_id},
        "courses:check_in_screen": {"session_id": now_id},
        "courses:check_in_screen_code": {"session_id": now_id},
        "courses_approve_request": {"enrolment_id": scene["pending"].pk},
        "courses_reject_request": {"enrolment_id": scene["pending"].pk},
        "courses_move_participant": {"enrolment_id": enrolment.pk},
        "courses_sign_off": {"enrolment_id": enrolment.pk},
        "courses_reflection_feedback": {"enrolment_id": enrolment.pk},
        "courses_session_roster": {"session_id": later_id},  # with the owner's apology
        "certificates_run": {"run_id": scene["done_run"].pk},
        "certificates_issue_for_run": {"run_id": scene["done_run"].pk},
        "certificates_issue_by_hand": {"enrolment_id": enrolment.pk},
        "certificates_revoke": {"certificate_id": certificate.pk},
        "certificates_reissue": {"certificate_id": certificate.pk},
        "volunteers_duplicate_resolve": {"flag_id": scene["duplicate"].pk},
        "volunteers_leader_invite": {"profile_id": profile_id},
        "volunteers_detail": {"profile_id": profile_id},
        "volunteers_update": {"profile_id": profile_id, "action": "note"},
        "surveys_course_report": {
            "survey_id": scene["survey"].pk,
            "course_id": scene["done_run"].course_id,
        },
        "surveys_run_report": {"survey_id": scene["survey"].pk, "run_id": scene["done_run"].pk},
        "wagtailsnippets_courses_courserun:delete": {"pk": scene["other_run"].pk},
        "wagtailsnippets_courses_venue:delete": {"pk": scene["unused_venue"].pk},
        "wagtailsnippets_surveys_survey:delete": {"pk": scene["unused_survey"].pk},
        "wagtailsnippets_lms_field:delete": {"pk": scene["unused_field"].pk},
        "wagtailsnippets_lms_profession:delete": {"pk": scene["unused_profession"].pk},
        "wagtailsnippets_lms_organisationgroup:delete": {"pk": scene["unused_group"].pk},
        "wagtailsnippets_lms_organisationtype:delete": {"pk": scene["unused_type"].pk},
        "wagtailsnippets_lms_municipality:delete": {"pk": scene["unused_municipality"].pk},
        "wagtailsnippets_lms_outboundemail:inspect": {"pk": scene["email"].pk},
        "wagtailsnippets_lms_outboundemail:edit": {"pk": scene["email"].pk},
        "wagtailsnippets_courses_enrolment:inspect": {"pk": enrolment.pk},
        "wagtailsnippets_courses_enrolment:edit": {"pk": enrolment.pk},
        "wagtailsnippets_certificates_certificate:inspect": {"pk": certificate.pk},
        "wagtailsnippets_certificates_certificate:edit": {"pk": certificate.pk},
        "wagtailusers_groups:edit": {"pk": Group.objects.get(name=roles.COORDINATORS).pk},
    }
    if name.startswith("wagtailsnippetchoosers_") and name.endswith(":chosen"):
        return {"pk": chooser_object(name, scene).pk}
    if name.startswith(("courses_run_", "courses_generate", "courses_assign", "courses_add")):
        return {"run_id": run.pk}
    if name in ("courses_message_participants", "lessons_run_progress"):
        return {"run_id": run.pk}
    return table.get(name, {})


def chooser_object(name: str, scene):
    return {
        "courses_enrolment": scene["enrolment"],
        "certificates_certificate": scene["certificate"],
        "lms_outboundemail": scene["email"],
        "mentoring_mentorprofile": scene["mentor_profile"],
        "mentoring_menteeprofile": scene["mentee"],
    }[name.split(":")[0].removeprefix("wagtailsnippetchoosers_")]


def url_for(name: str, scene) -> str:
    with translation.override("ja"):
        if name == "wagtail_serve":  # a path, not keyword arguments
            return reverse(name, args=[""])
        return reverse(name, kwargs=url_kwargs(name, scene))


def post_data(name: str, scene) -> dict:
    """What a POST would do if it were allowed: the most harmful thing each form can do."""
    people, enrolment = scene.people, scene["enrolment"]
    session_now = scene["session_now"]
    lesson = scene["lesson"]
    quiz = [block.id for block in lesson.quiz]
    survey_answers = {
        f"q{question.pk}": value
        for question, value in zip(
            scene["later_survey"].questions.order_by("sort_order", "pk"),
            ["5", "事例検討", "防災", "なりすまし回答", ""],
            strict=True,
        )
    }
    now_window = checkin.window_at(timezone.now())
    return {
        "profile": {
            "full_name": "乗っ取り 太郎",
            "full_name_kana": "のっとり たろう",
            "preferred_language": "ja",
        },
        "profile_withdraw": {"password": "correct-horse-battery", "confirm": "on"},
        "profile_calendar": {"action": "revoke"},
        "courses:check_in_code": {"code": checkin.typed_code(session_now.pk, now_window)},
        "courses:reflection": {
            "text": "本人になりすまして書いた振り返りです。二十文字を超えます。"
        },
        "courses:online_code": {"code": checkin.online_code(session_now.pk)},
        "courses:apology": {"reason": "なりすましの欠席連絡"},
        "surveys:answer": survey_answers,
        "lessons:quiz": {f"q-{quiz[0]}": "0", f"q-{quiz[1]}": ["0", "1"]},
        "courses:roster_mark": {"enrolment": enrolment.pk, "status": "absent"},
        "courses:roster_rest_absent": {"confirm": "yes"},
        "courses:roster_walk_in": {"email": people["supporter"].email},
        "courses_reject_request": {"reason": "不可"},
        "courses_generate_breakouts": {"group_size": "2"},
        "courses_assign_breakouts": {f"group-{enrolment.pk}": "3"},
        "courses_add_participant": {"email": people["supporter"].email},
        "courses_move_participant": {"to_run": scene["other_run"].pk},
        "courses_message_participants": {
            "subject": "なりすまし",
            "body": "全員に送る偽のお知らせ",
            "audience": "seats",
        },
        "courses_reflection_feedback": {"feedback": "なりすましの講評"},
        "wagtailsnippets_courses_courserun:add": run_form(scene),
        "certificates_issue_by_hand": {"reason": "なりすまし発行"},
        "certificates_revoke": {"confirm": "yes", "reason": "なりすまし失効"},
        "certificates_reissue": {"reason": "なりすまし再発行"},
        "volunteers_bulk": {
            "action": "move",
            "profiles": [scene["profile"].pk],
            "to_stage": "contacted",
            "note": "",
        },
        "volunteers_enter": {
            "full_name": "紙 登録",
            "full_name_kana": "かみ とうろく",
            "municipality": scene["profile"].municipality_id,
            "age_band": "60s",
            "insurance": "has",
            "consent_on_paper": "on",
        },
        "volunteers_duplicate_resolve": {"decision": "different"},
        "volunteers_leader_invite": {"run": scene["leader_run"].pk},
        "volunteers_update": {"body": "なりすましのメモ"},
        "wagtailsnippets_lms_outboundemail:edit": {"status": "sent", "recipient": "x@example.jp"},
        "wagtailsnippets_courses_enrolment:edit": {"status": "cancelled"},
        "wagtailsnippets_certificates_certificate:edit": {"status": "revoked"},
        "wagtailusers_groups:add": {"name": "乗っ取りの組"},
        "wagtailusers_groups:edit": {"name": "乗っ取りの組"},
    }.get(name, {})


def run_form(scene) -> dict:
    """A new run of the owner's course as the admin's form posts it (built once per scene)."""
    if "run_form" not in scene.objects:
        from tests.admin_forms import admin_form_data

        client = client_for(scene, "superuser")
        url = reverse("wagtailsnippets_courses_courserun:add") + f"?course={scene['course'].pk}"
        data = admin_form_data(client.get(url).context["form"])
        scene.objects["run_form"] = data | {
            "title": "なりすましの期",
            "starts_on": "2030-04-01",
            "ends_on": "2030-04-30",
            "capacity": "10",
            "enrolment_closes_at": "2030-03-25 12:00",
            "sessions-0-title": "初回",
            "sessions-0-starts_at": "2030-04-01 10:00",
            "sessions-0-ends_at": "2030-04-01 12:00",
            "sessions-0-venue": scene["session_now"].venue_id,
        }
    return scene.objects["run_form"]


def snapshot() -> tuple:
    """Everything the URLs above could change."""
    from certificates.models import Certificate
    from courses.models import Attendance, CourseRun, Enrolment, Venue
    from lessons.models import LessonProgress, QuizAttempt
    from lms.models import (
        CalendarFeed,
        Field,
        Municipality,
        OrganisationGroup,
        OrganisationType,
        OutboundEmail,
        Profession,
        User,
    )
    from surveys.models import Survey, SurveyInvitation, SurveyResponse
    from volunteers.models import (
        LikelyDuplicate,
        Nomination,
        StaffNote,
        StageChange,
        VolunteerHours,
        VolunteerProfile,
    )

    def rows(model, *fields):
        return sorted(model.objects.values_list("pk", *fields))

    return (
        rows(User, "email", "full_name", "is_active", "withdrawn_at"),
        rows(Group, "name"),
        rows(CalendarFeed, "user_id", "token"),
        rows(
            Enrolment,
            "run_id",
            "user_id",
            "status",
            "reflection",
            "reflection_feedback",
            "signed_off_at",
            "breakout_group",
        ),
        rows(Attendance, "status", "note", "arrived_at", "code_entered_at"),
        rows(Certificate, "status"),
        rows(VolunteerProfile, "stage", "coordinator_id"),
        rows(LikelyDuplicate, "resolution"),
        rows(SurveyInvitation, "answered_at"),
        rows(LessonProgress, "completed_at", "video_finished_at"),
        rows(CourseRun, "title", "status"),
        rows(OutboundEmail, "status"),
        [
            model.objects.count()
            for model in (
                StaffNote,
                StageChange,
                VolunteerHours,
                Nomination,
                SurveyResponse,
                QuizAttempt,
                Venue,
                Survey,
                Field,
                Profession,
                OrganisationGroup,
                OrganisationType,
                Municipality,
            )
        ],
    )


# --- What a response shows --------------------------------------------------------------------


OWNER_AND_STAFF = frozenset({"owner", "coordinator", "superuser"})

# Who may see each of the owner's secrets anywhere in the matrix, and one page where each of
# them does see it (the companion test requests those pages, so the absence checks can fail).
SECRETS: dict[str, tuple[frozenset[str], dict[str, str]]] = {
    "name": (
        OWNER_AND_STAFF | {"mentor"},  # the mentor has the owner's name in their own data
        {
            "owner": "profile",
            "mentor": "profile_data_page",
            "coordinator": "courses_run_participants",
            "superuser": "volunteers_list",
        },
    ),
    "email": (
        OWNER_AND_STAFF,
        {
            "owner": "profile",
            "coordinator": "volunteers_detail",
            "superuser": "courses_run_participants",
        },
    ),
    "phone": (
        OWNER_AND_STAFF,
        {
            "owner": "profile_data",
            "coordinator": "volunteers_detail",
            "superuser": "volunteers_duplicates",
        },
    ),
    "staff note": (  # the owner sees it in their own data (APPI)
        OWNER_AND_STAFF,
        {
            "owner": "profile_data_page",
            "coordinator": "volunteers_detail",
            "superuser": "volunteers_detail",
        },
    ),
    "reflection": (
        OWNER_AND_STAFF,
        {
            "owner": "courses:reflection",
            "coordinator": "courses_run_reflections",
            "superuser": "courses_run_reflections",
        },
    ),
    "apology": (
        OWNER_AND_STAFF,
        {
            "owner": "courses:my_learning",
            "coordinator": "courses_session_roster",
            "superuser": "courses_session_roster",
        },
    ),
    "survey text": (  # anonymous, and shown only because the run has five answers
        STAFF,
        {"coordinator": "surveys_run_report", "superuser": "surveys_course_report"},
    ),
    "named answer": (
        OWNER_AND_STAFF,
        {
            "owner": "profile_data",
            "coordinator": "surveys_run_report",
            "superuser": "surveys_run_report",
        },
    ),
    "meeting link": (OWNER, {"owner": "courses:session_ics"}),
    "calendar token": (OWNER, {"owner": "profile"}),
    "verification code": (
        STAFF,
        {
            "coordinator": "certificates_run",
            "superuser": "wagtailsnippets_certificates_certificate:inspect",
        },
    ),
    "email body": (NOBODY, {}),  # one-time links stay in the owner's mailbox
    # Mentoring: what the mentor logged stays with the mentor (and the coordinators, in the
    # mentoring matrix); the mentee's request for another mentor stays away from the mentor.
    "mentor's note": (frozenset({"mentor"}), {"mentor": "profile_data"}),
    "change reason": (OWNER, {"owner": "profile_data_page"}),
}

# The key is the permission: whoever holds the owner's calendar address gets the owner's
# calendar, and whoever holds a certificate's code sees whose certificate it is.
DISCLOSED_WITH_KEY = {
    "calendar_feed": {"meeting link", "name"},
    "certificates:verify": {"name", "verification code"},
}


def secret_values(scene) -> dict[str, str]:
    return {
        "name": OWNER_NAME,
        "email": OWNER_EMAIL,
        "phone": OWNER_PHONE,
        "staff note": STAFF_NOTE,
        "reflection": REFLECTION,
        "apology": APOLOGY,
        "survey text": SURVEY_TEXT,
        "named answer": SURVEY_NAMED,
        "meeting link": MEETING,
        "calendar token": scene["feed"].token,
        "verification code": scene["certificate"].verification_code,
        "email body": EMAIL_BODY,
        "mentor's note": MENTOR_NOTE,
        "change reason": CHANGE_REASON,
    }


def text_of(response) -> str:
    """The body as text, with the redirect target: JSON without \\u escapes, calendars
    unfolded, and percent-encoded text decoded (a link can carry a secret too)."""
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    text = raw.decode("utf-8", errors="replace")
    content_type = response.get("Content-Type", "")
    if "json" in content_type:
        text = json.dumps(json.loads(text), ensure_ascii=False)
    if "calendar" in content_type:
        text = text.replace("\r\n ", "").replace("\r\n\t", "")
    text += "\n" + response.get("Location", "")
    return text + "\n" + unquote(text)


def assert_allowed(response, who: str, name: str, url: str, rule: Rule) -> None:
    assert response.status_code in rule.ok, (who, url, response.status_code)
    if response.status_code == 302 and name != "courses:session_google":
        assert response["Location"].startswith("/"), (who, url, response["Location"])
        assert "/accounts/login/" not in response["Location"], (who, url)


def assert_denied(response, who: str, url: str, rule: Rule, method: str, scene) -> None:
    status = response.status_code
    if method == "get" and rule.method == "post" and status == 405:
        return  # a GET on an action does nothing whoever asks
    if who == "anonymous":
        assert status == 302, (who, url, status)
        assert response["Location"].startswith("/accounts/login/"), (who, url)
        return
    if rule.denied == "admin":
        # Wagtail sends people without admin access to its front door and staff without the
        # permission back to the dashboard (or our views answer 403).
        assert status in (302, 403), (who, url, status)
        if status == 302:
            assert response["Location"] == "/admin/" or response["Location"].startswith(
                "/accounts/login/"
            ), (who, url, response["Location"])
    elif rule.denied == "lesson":
        lesson = scene["lesson"]
        back = {lesson.get_parent().url, lesson.url + "#quiz"}
        assert status == 302 and response["Location"] in back, (who, url, status)
    else:
        assert status == int(rule.denied), (who, url, status)


def assert_nothing_secret(text: str, who: str, name: str, url: str, values: dict) -> None:
    for label, (may_see, _shown_at) in SECRETS.items():
        if who in may_see or label in DISCLOSED_WITH_KEY.get(name, ()):
            continue
        assert values[label] not in text, (who, url, label)


def client_for(scene, who: str) -> Client:
    client = Client()
    if scene.people[who] is not None:
        client.force_login(scene.people[who])
    return client


def get_urls(name: str, scene) -> list[str]:
    url = url_for(name, scene)
    if name.endswith(":chosen_multiple"):
        return [f"{url}?id={chooser_object(name, scene).pk}"]
    if name.endswith(":choose_results"):
        return [url, url + "?q=秘匿川"]
    return [url + query for query in VARIANTS.get(name, [""])]


@pytest.mark.parametrize("who", PEOPLE)
def test_each_person_reaches_only_what_they_may(scene, who):
    client = client_for(scene, who)
    values = secret_values(scene)
    before = snapshot()

    for name, rule in MATRIX.items():
        allowed = who in rule.allowed
        requests = [("get", url, None) for url in get_urls(name, scene)]
        if not allowed and rule.method != "get":
            requests.append(("post", url_for(name, scene), post_data(name, scene)))
        for method, url, data in requests:
            response = client.post(url, data) if method == "post" else client.get(url)
            if allowed and rule.method != "post":
                assert_allowed(response, who, name, url, rule)
            elif allowed:
                assert response.status_code == 405, (who, url, response.status_code)
            else:
                assert_denied(response, who, url, rule, method, scene)
            assert_nothing_secret(text_of(response), who, name, url, values)
            after = snapshot()
            if not allowed:
                assert after == before, (who, method, url)
            before = after


def test_each_secret_is_shown_to_the_people_meant_to_see_it(scene):
    """The other side of the absence checks: each secret is really on a page of each person
    allowed to see it, and where nobody may see it, it is really stored."""
    from lms.models import OutboundEmail

    values = secret_values(scene)
    for label, (may_see, shown_at) in SECRETS.items():
        assert set(shown_at) == may_see, label
        for who, name in shown_at.items():
            assert MATRIX[name].method != "post" and who in MATRIX[name].allowed, (label, who)
            client = client_for(scene, who)
            texts = [text_of(client.get(url)) for url in get_urls(name, scene)]
            assert any(values[label] in text for text in texts), (label, who, name)
    assert OutboundEmail.objects.filter(body_text__contains=EMAIL_BODY).exists()


# (who, url name): in this order, each changes something (the run form, the survey, ...).
ALLOWED_POSTS = [
    ("owner", "profile_calendar"),
    ("owner", "courses:reflection"),
    ("owner", "courses:online_code"),
    ("owner", "courses:check_in_code"),
    ("owner", "surveys:answer"),
    ("owner", "lessons:video_ended"),
    ("owner", "lessons:done"),
    ("owner", "lessons:quiz"),
    ("coordinator", "courses:roster_walk_in"),
    ("coordinator", "courses:roster_mark"),
    ("coordinator", "courses_approve_request"),
    ("coordinator", "courses_assign_breakouts"),
    ("coordinator", "courses_reflection_feedback"),
    ("coordinator", "courses_message_participants"),
    ("coordinator", "certificates_issue_by_hand"),
    ("coordinator", "certificates_revoke"),
    ("coordinator", "volunteers_update"),
    ("coordinator", "volunteers_bulk"),
    ("coordinator", "volunteers_duplicate_resolve"),
    ("coordinator", "volunteers_enter"),
    ("coordinator", "wagtailsnippets_courses_courserun:add"),
    ("coordinator", "courses_move_participant"),
    ("superuser", "wagtailsnippets_lms_field:delete"),
    ("superuser", "wagtailsnippets_lms_municipality:delete"),
    ("superuser", "wagtailsnippets_surveys_survey:delete"),
    ("owner", "profile"),
    ("owner", "profile_withdraw"),
]


def test_the_refused_payloads_work_for_those_allowed(scene):
    """The POSTs of the matrix are real ones: made by someone allowed, they change something,
    so "nothing changed" for everyone else can fail."""
    for who, name in ALLOWED_POSTS:
        assert who in MATRIX[name].allowed, (who, name)
        client = client_for(scene, who)
        before = snapshot()
        response = client.post(url_for(name, scene), post_data(name, scene))
        assert response.status_code in (200, 302), (who, name, response.status_code)
        assert snapshot() != before, (who, name)


def test_an_old_calendar_address_stops_working(scene):
    """The token is the whole key, so a new one locks out whoever kept the old address (and
    switching the feed off locks out everyone)."""
    from lms import services as lms_services

    old = url_for("calendar_feed", scene)
    owner = scene.people["owner"]
    feed = lms_services.calendar_feed_regenerate(user=owner)
    values = secret_values(scene)

    for who in PEOPLE:
        response = client_for(scene, who).get(old)
        assert response.status_code == 404, who
        text = text_of(response)
        assert MEETING not in text and OWNER_NAME not in text, who
        assert feed.token not in text, who
    current = Client().get(reverse("calendar_feed", args=[feed.token]))
    assert current.status_code == 200 and MEETING in text_of(current)
    assert values["calendar token"] != feed.token

    lms_services.calendar_feed_revoke(user=owner)
    assert Client().get(reverse("calendar_feed", args=[feed.token])).status_code == 404


def test_a_lesson_page_opens_only_for_its_learners_and_its_editors(scene):
    """Lessons are Wagtail pages, served by the page tree rather than a URL of ours: people
    with a seat open them, editors check them, everyone else is told who may."""
    url = scene["lesson"].url
    for who in PEOPLE:
        response = client_for(scene, who).get(url)
        if who == "anonymous":
            assert response.status_code == 302, who
            assert response["Location"].startswith("/accounts/login/"), who
        elif who in {"owner", "content_editor", "superuser"}:
            assert response.status_code == 200, who
        else:
            assert response.status_code == 403, (who, response.status_code)
            assert "孤独・孤立のサイン" not in response.content.decode(), who


def test_ids_inside_the_payloads_are_checked_too(scene):
    """Allowed URLs with someone else's id in the form: refused, and nothing changes."""
    coordinator, supporter = client_for(scene, "coordinator"), client_for(scene, "supporter")
    before = snapshot()

    # Marking, through this session's roster, a person of another run.
    response = coordinator.post(
        url_for("courses:roster_mark", scene),
        {"enrolment": scene["pending"].pk, "status": "absent"},
    )
    assert response.status_code == 404
    # Moving the owner to a run of another course.
    response = coordinator.post(
        url_for("courses_move_participant", scene), {"to_run": scene["leader_run"].pk}
    )
    assert response.status_code == 302
    # A volunteer-page action that does not exist.
    response = coordinator.post(
        reverse("volunteers_update", kwargs={"profile_id": scene["profile"].pk, "action": "erase"}),
        {"body": "x"},
    )
    assert response.status_code == 404
    # The code on the projector of a session the supporter has no seat in.
    response = supporter.post(
        url_for("courses:check_in_code", scene), post_data("courses:check_in_code", scene)
    )
    assert response.status_code == 200 and response.context["form"].errors
    # The owner's survey answered with the later survey's form by someone else.
    response = supporter.post(url_for("surveys:answer", scene), post_data("surveys:answer", scene))
    assert response.status_code == 404

    assert snapshot() == before


def test_wagtails_choosers_do_not_list_people_to_content_editors(scene):
    """What this matrix found: Wagtail's snippet choosers answered anyone who may open the
    admin, so content editors could list enrolments, certificates, outgoing email and mentees
    by name.  They now answer only staff who may view the model."""
    editor, coordinator = client_for(scene, "content_editor"), client_for(scene, "coordinator")
    for model in PERSONAL_CHOOSERS:
        url = url_for(f"wagtailsnippetchoosers_{model}:choose_results", scene) + "?q=秘匿川"
        refused = editor.get(url)
        assert refused.status_code in (302, 403), (model, refused.status_code)
        assert OWNER_NAME not in text_of(refused) and OWNER_EMAIL not in text_of(refused)
        if model != "mentoring_mentorprofile":  # the owner is no mentor
            shown = text_of(coordinator.get(url))
            assert OWNER_NAME in shown or OWNER_EMAIL in shown, model
