"""Demo surveys for local use: the survey for joint trainings, its invitations for the finished
spring run of 「つながりを支える相談支援 実践研修」 and answers from five of its participants, so
the report has data.  The demo supporter (兵庫 花子) is invited but has not answered: she sees
the prompt on My learning.  Everything goes through the services.  Idempotent."""

from __future__ import annotations

from courses.demo import ATTENDANCE_COURSE_SLUG, PAST_RUN_TITLE
from courses.models import CourseKind, CoursePage, CourseRun
from surveys import services
from surveys.models import QuestionKind, Survey, SurveyInvitation, SurveyQuestion

SURVEY_TITLE = "研修アンケート（多職種合同研修）"
USEFUL_OPTIONS = ["事例検討", "多職種でのグループワーク", "講義", "地域の相談先・社会資源の紹介"]
QUESTIONS = [
    # text, kind, options, required, identified
    ("研修全体の満足度を教えてください。", QuestionKind.SCALE5, [], True, False),
    ("特に役に立った内容はどれですか。", QuestionKind.CHOICE, USEFUL_OPTIONS, True, False),
    ("学んだことを職場で活かせそうですか。", QuestionKind.SCALE5, [], True, False),
    ("ご意見・ご感想を自由にお書きください。", QuestionKind.TEXT, [], False, False),
    (
        "今後の研修の講師をお願いできる方は、お名前の公開に同意のうえ、お話しいただけるテーマをご記入ください。",
        QuestionKind.TEXT,
        [],
        False,
        True,
    ),
]
# Answers of the joint participants 1–5 of the spring run, in the order of QUESTIONS.
ANSWERS = {
    "joint1@demo.hyogo.example": (
        5,
        "事例検討",
        5,
        "他の職種の見立てを聞けて、とても参考になりました。",
        "退院支援と地域の見守りの連携",
    ),
    "joint2@demo.hyogo.example": (
        4,
        "多職種でのグループワーク",
        4,
        "グループワークの時間がもう少し長いとよかったです。",
        "",
    ),
    "joint3@demo.hyogo.example": (4, "事例検討", 3, "", ""),
    "joint4@demo.hyogo.example": (
        3,
        "講義",
        4,
        "オンライン参加でも発言しやすい工夫があるとうれしいです。",
        "",
    ),
    "joint5@demo.hyogo.example": (5, "多職種でのグループワーク", 5, "", "子ども食堂の立ち上げ"),
}


def load_demo_surveys() -> Survey:
    survey = Survey.objects.filter(
        course_kind=CourseKind.JOINT_TRAINING, title=SURVEY_TITLE
    ).first()
    if survey is None:
        survey = Survey(
            title=SURVEY_TITLE,
            course_kind=CourseKind.JOINT_TRAINING,
            intro="研修をよりよくするため、ご意見をお聞かせください。所要時間は3分ほどです。",
            is_active=not Survey.objects.filter(
                course_kind=CourseKind.JOINT_TRAINING, is_active=True
            ).exists(),
        )
        survey.questions = [
            SurveyQuestion(
                text=text,
                kind=kind,
                choices="\n".join(options),
                required=required,
                identified=identified,
                sort_order=order,
            )
            for order, (text, kind, options, required, identified) in enumerate(QUESTIONS)
        ]
        survey.save()

    course = CoursePage.objects.filter(slug=ATTENDANCE_COURSE_SLUG).first()
    run = CourseRun.objects.filter(course=course, title=PAST_RUN_TITLE).first() if course else None
    if run is None:
        return survey
    # The spring run ended weeks ago, before the periodic job's window: invite it directly.
    services.run_invitations_send(run=run, survey=survey)
    questions = list(survey.questions.order_by("sort_order", "pk"))
    open_invitations = SurveyInvitation.objects.filter(
        survey=survey,
        enrolment__run=run,
        enrolment__user__email__in=list(ANSWERS),
        answered_at__isnull=True,
    ).select_related("enrolment__user")
    for invitation in open_invitations:
        values = ANSWERS[invitation.enrolment.user.email]
        services.response_submit(
            invitation=invitation,
            answers={question.pk: value for question, value in zip(questions, values, strict=True)},
        )
    return survey
