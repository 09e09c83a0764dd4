"""The people of the project-wide permission matrix (tests/test_permission_matrix.py) and the
data of someone else they try to reach: one learner, "the owner", who is also a volunteer and
a mentee, and whose enrolments, certificate, survey answers, calendar feed, volunteer profile
and email carry secret strings that only the people meant to see them may ever see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from certificates import services as certificate_services
from courses import services as course_services
from courses.models import CourseKind, EnrolmentStatus, SessionModality
from lms import roles
from lms import services as lms_services
from lms.models import (
    Field,
    Municipality,
    MunicipalityKind,
    OrganisationGroup,
    OrganisationType,
    OutboundEmail,
    Profession,
    User,
)
from mentoring import services as mentoring_services
from mentoring.models import MenteeProfile
from surveys import services as survey_services
from tests.factories import (
    CoursePageFactory,
    CourseRunFactory,
    EnrolmentFactory,
    SessionFactory,
    UserFactory,
    VenueFactory,
)
from tests.lessons.test_lessons import QUIZ, add_lesson
from tests.mentoring.helpers import active_pair, mentor, place, programme
from tests.surveys.conftest import answered, answers, finished_run, invite, make_survey
from tests.volunteers.test_pipeline import register
from volunteers import services as volunteer_services

# The owner's private data.  Each string is unique in the whole database.
OWNER_NAME = "秘匿川 本人子"
OWNER_EMAIL = "honnin.himitsu@example.jp"
OWNER_PHONE = "078-555-0199"
STAFF_NOTE = "内密：ご家族の介護があり連絡は夕方のみ"
REFLECTION = "振り返り：職場では話せない悩みがあります"
APOLOGY = "通院のため欠席します（内密）"
SURVEY_TEXT = "匿名の感想：講師の対応に不満がありました"
SURVEY_NAMED = "記名回答：虐待防止の講師を引き受けます"
MEETING = "https://meet.example.jp/himitsu-room-4821"
EMAIL_BODY = "https://example.jp/accounts/password/reset/key/HIMITSU-once/"
MENTOR_NOTE = "メンター記録：本人は職場の人間関係で消耗している"
CHANGE_REASON = "交代希望：先輩の助言が負担です"

PEOPLE = [
    "anonymous",
    "volunteer",  # a registered volunteer (their own VolunteerProfile)
    "supporter",  # a plain learner with a seat in another course
    "mentor",  # the owner's mentor
    "other_mentor",
    "coordinator",
    "content_editor",
    "superuser",
    "owner",  # the person whose ids everyone else uses: proves each URL works for its owner
]


@dataclass
class Scene:
    people: dict[str, User | None]
    objects: dict[str, object] = field(default_factory=dict)

    def __getitem__(self, key: str):
        return self.objects[key]


def build_scene(role_user) -> Scene:
    """Everything the matrix requests, built once per test (needs the ``home_page`` site)."""
    now = timezone.now()
    today = timezone.localdate()
    coordinator = role_user(roles.COORDINATORS, is_staff=True, full_name="調整 役子")
    owner = UserFactory(
        full_name=OWNER_NAME, full_name_kana="ひとくがわ ほんにんこ", email=OWNER_EMAIL
    )
    volunteer = register(
        UserFactory(full_name="奉仕 自分", full_name_kana="ほうし じぶん"), phone="079-000-1111"
    ).user
    supporter = UserFactory(full_name="受講 支援者", full_name_kana="じゅこう しえんしゃ")
    the_mentor = mentor("先輩 導")
    other_mentor = mentor("別 先輩")
    people = {
        "anonymous": None,
        "volunteer": volunteer,
        "supporter": supporter,
        "mentor": the_mentor.user,
        "other_mentor": other_mentor.user,
        "coordinator": coordinator,
        "content_editor": role_user(roles.CONTENT_EDITORS, is_staff=True, full_name="編集 担当"),
        "superuser": UserFactory(is_staff=True, is_superuser=True, full_name="管理 全権"),
        "owner": owner,
    }
    scene = Scene(people=people)
    objects = scene.objects

    # The supporter's own course (so they are a learner, just not in the owner's runs).
    EnrolmentFactory(
        run=CourseRunFactory(course=CoursePageFactory(title="支援者の講座")), user=supporter
    )

    # The owner's current run: a session happening now and one next week, both hybrid with a
    # meeting link only participants may see; the owner apologised for next week.
    venue = VenueFactory(name="つながりセンター本館")
    course = CoursePageFactory(title="多職種連携 基礎講座")
    run = CourseRunFactory(
        course=course,
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=30),
        enrolment_opens_at=now - dt.timedelta(days=10),
    )
    hybrid = {"modality": SessionModality.HYBRID, "venue": venue, "online_url": MEETING}
    session_now = SessionFactory(
        run=run,
        title="第1回 いま開催中の回",
        starts_at=now - dt.timedelta(minutes=20),
        ends_at=now + dt.timedelta(minutes=100),
        **hybrid,
    )
    session_later = SessionFactory(
        run=run,
        title="第2回 来週の回",
        starts_at=now + dt.timedelta(days=7),
        ends_at=now + dt.timedelta(days=7, hours=2),
        **hybrid,
    )
    enrolment = EnrolmentFactory(
        run=run, user=owner, reflection=REFLECTION, reflection_submitted_at=now
    )
    course_services.attendance_apologise(enrolment=enrolment, session=session_later, reason=APOLOGY)
    other_run = CourseRunFactory(course=course, title="別の期（空き）")
    lesson = add_lesson(course, "第1回 孤立に気づく", quiz=QUIZ)

    # A request waiting for approval.
    pending = EnrolmentFactory(
        run=CourseRunFactory(requires_approval=True, course__title="承認制の講座"),
        user=owner,
        status=EnrolmentStatus.PENDING,
    )

    # A finished run: the owner completed it, has a certificate and answered the survey with
    # four others (five answers, so the run's free text is shown to staff); a second survey
    # still waits for the owner's answers.
    done_run = finished_run()
    completed = EnrolmentFactory(
        run=done_run, user=owner, status=EnrolmentStatus.COMPLETED, completed_at=now
    )
    certificate = certificate_services.certificate_issue(enrolment=completed)
    survey = make_survey()
    answered(survey, done_run, 4, comment="とても良かった")
    answered_invitation = invite(survey, completed)
    survey_services.response_submit(
        invitation=answered_invitation,
        answers=answers(survey, comment=SURVEY_TEXT, named=SURVEY_NAMED),
    )
    later_survey = make_survey(title="追加アンケート", is_active=False)
    open_invitation = invite(later_survey, completed)
    unused_survey = make_survey(title="使われていないアンケート", is_active=False)

    # The owner as a volunteer, with a staff note and a paper registration that is probably
    # the same person (same phone).
    profile = register(owner, phone=OWNER_PHONE)
    volunteer_services.volunteer_note_add(profile=profile, author=coordinator, body=STAFF_NOTE)
    paper = register(
        UserFactory(full_name="秘匿川 ほんにん", full_name_kana="ひとくがわ ほんにん"),
        phone=OWNER_PHONE,
        entered_by=coordinator,
    )
    duplicate = paper.duplicate_flags.get()
    leader_run = CourseRunFactory(course=CoursePageFactory(kind=CourseKind.LEADER_MODULE))

    # The owner as the mentor's mentee, with a meeting in their calendars.
    prog = programme()
    mentee = MenteeProfile.objects.create(
        user=owner, programme=prog, municipality=place("28110"), online_ok=True, hopes="続けたい"
    )
    pair = active_pair(prog, the_mentor, mentee, by=coordinator)
    mentoring_services.session_log(
        pair=pair,
        by=the_mentor.user,
        data={
            "date": today,
            "duration_minutes": 60,
            "mode": "online",
            "notes": MENTOR_NOTE,
            "mentor_load": 3,
        },
    )
    mentoring_services.change_request(pair=pair, by=owner, reason=CHANGE_REASON)
    mentoring_services.meeting_schedule(
        pair=pair,
        by=the_mentor.user,
        starts_at=now + dt.timedelta(days=3),
        minutes=60,
        mode="online",
    )

    feed = lms_services.calendar_feed_regenerate(user=owner)
    email = OutboundEmail.objects.create(
        recipient=OWNER_EMAIL,
        template="account/email/password_reset_key",
        subject="パスワードの再設定",
        body_text=f"次のリンクから再設定してください。\n{EMAIL_BODY}\n",
    )

    # Terms nobody uses, which a superuser may delete.
    group = OrganisationGroup.objects.create(name="削除用の団体区分", slug="delete-group")
    objects.update(
        run=run,
        other_run=other_run,
        done_run=done_run,
        session_now=session_now,
        session_later=session_later,
        enrolment=enrolment,
        pending=pending,
        completed=completed,
        certificate=certificate,
        survey=survey,
        later_survey=later_survey,
        unused_survey=unused_survey,
        answered_invitation=answered_invitation,
        open_invitation=open_invitation,
        lesson=lesson,
        mentor_profile=the_mentor,
        mentee=mentee,
        course=course,
        profile=profile,
        duplicate=duplicate,
        leader_run=leader_run,
        feed=feed,
        email=email,
        unused_venue=VenueFactory(name="使われていない会場"),
        unused_field=Field.objects.create(name="削除用の分野", slug="delete-field"),
        unused_profession=Profession.objects.create(name="削除用の職種", slug="delete-job"),
        unused_group=group,
        unused_type=OrganisationType.objects.create(name="削除用の団体種別", group=group),
        unused_municipality=Municipality.objects.create(
            name="削除村", kind=MunicipalityKind.OUTSIDE, sort_order=999
        ),
    )
    return scene
