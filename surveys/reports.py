"""Survey results for staff: per run and per course (all runs of a course), as figures, charts
and CSV, without the names of the people who answered.

Who can be identified, and what is therefore hidden:

* Invitation and response counts (and the response rate) are always shown, for the course and
  for each run: they say how many answered, not what anyone answered.
* Results (distributions, averages, counts per option, free text, CSV rows) are shown only for
  a group of at least ``MIN_GROUP`` (5) responses.  A run with fewer shows its counts only; its
  answers still count in the course's results when the course as a whole has 5 or more.
* Hiding one small run is not enough when the others are shown, because its results would be
  the course's minus theirs.  So when the hidden runs of a course together have fewer than 5
  responses, the smallest shown runs are hidden too until they reach 5
  (``hidden_groups``).  A run's own report follows the same decision as the course's list of
  runs.
* Free text is listed sorted by its text and CSV rows sorted by their cells, so the order says
  nothing about who answered when; CSV rows of hidden runs are labelled only as a group.
* Answers to questions marked identified are shown with the person's name, whatever the size
  of the group (the person was told so on the form).  They are listed apart from the
  anonymous answers, and in the CSV they are rows of their own, so the name never sits next to
  the person's anonymous answers.

Every report costs a fixed number of queries, whatever the number of runs and responses.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _

from courses.models import CoursePage, CourseRun
from surveys.models import (
    CHOICE_KINDS,
    SCALE_MAX,
    SCALE_MIN,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)

MIN_GROUP = 5
CHOICE_SEPARATOR = "; "


def hidden_groups(responses: dict, minimum: int = MIN_GROUP) -> set:
    """The groups (keys of ``responses``, a count per group) whose results must be hidden: those
    with fewer than ``minimum`` responses (but at least one: an empty group reveals nothing),
    and then, while the hidden groups together have fewer than ``minimum``, the smallest shown
    group, so the hidden results cannot be worked out by subtracting the shown ones from the
    total."""
    hidden = {key for key, count in responses.items() if 0 < count < minimum}
    if not hidden:
        return hidden
    shown = sorted(
        (key for key, count in responses.items() if count >= minimum),
        key=lambda key: (responses[key], str(key)),
    )
    while shown and sum(responses[key] for key in hidden) < minimum:
        hidden.add(shown.pop(0))
    return hidden


def _rate(responses: int, invited: int) -> int | None:
    return round(100 * responses / invited) if invited else None


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    percent: int  # of the people who answered the question


@dataclass(frozen=True)
class NamedAnswer:
    name: str
    answer: str
    run_title: str


@dataclass(frozen=True)
class QuestionResult:
    question: SurveyQuestion
    number: int
    answered: int
    average: float | None = None
    bars: list[Bar] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    named: list[NamedAnswer] = field(default_factory=list)


@dataclass(frozen=True)
class RunRow:
    run: CourseRun
    invited: int
    responses: int
    hidden: bool
    averages: list[float | None]  # one per scale question; None when hidden or unanswered

    @property
    def rate(self) -> int | None:
        return _rate(self.responses, self.invited)


@dataclass(frozen=True)
class SurveyReport:
    survey: Survey
    course: CoursePage
    run: CourseRun | None  # None: the whole course
    invited: int
    responses: int
    hidden: bool
    hidden_with_others: bool  # hidden although it has 5 or more (see hidden_groups)
    questions: list[QuestionResult]
    scale_questions: list[SurveyQuestion]
    by_run: list[RunRow]

    @property
    def rate(self) -> int | None:
        return _rate(self.responses, self.invited)

    @property
    def has_named_answers(self) -> bool:
        return any(result.named for result in self.questions)


@dataclass(frozen=True)
class _Answer:
    response_id: int
    run_id: int
    question_id: int
    scale: int | None
    choices: list[str]
    text: str
    name: str

    @property
    def empty(self) -> bool:
        return self.scale is None and not self.choices and not self.text

    def in_words(self) -> str:
        if self.scale is not None:
            return str(self.scale)
        if self.choices:
            return CHOICE_SEPARATOR.join(self.choices)
        return self.text


@dataclass
class _Scope:
    """What one report needs, loaded in a fixed number of queries."""

    survey: Survey
    course: CoursePage
    runs: dict[int, CourseRun]
    invited: dict[int, int]
    responses: dict[int, int]
    hidden_runs: set[int]
    questions: list[SurveyQuestion]
    answers: list[_Answer]


def _load(*, survey: Survey, course: CoursePage, run: CourseRun | None) -> _Scope:
    """Counts for every run of the course (the hiding rule looks at all of them), the questions,
    and the answers of the run (or of the whole course, with its runs): four or five queries."""
    invited = {
        row["enrolment__run_id"]: row["n"]
        for row in SurveyInvitation.objects.filter(survey=survey, enrolment__run__course=course)
        .values("enrolment__run_id")
        .annotate(n=Count("pk"))
        .order_by()
    }
    responses = {
        row["run_id"]: row["n"]
        for row in SurveyResponse.objects.filter(survey=survey, run__course=course)
        .values("run_id")
        .annotate(n=Count("pk"))
        .order_by()
    }
    if run is not None:
        run_ids, runs = {run.pk}, {run.pk: run}
    else:
        run_ids = set(invited) | set(responses)
        runs = {r.pk: r for r in CourseRun.objects.filter(pk__in=run_ids).order_by()}
    questions = list(survey.questions.order_by("sort_order", "pk"))
    answers = [
        _Answer(*row)
        for row in SurveyAnswer.objects.filter(
            response__survey=survey, response__run_id__in=run_ids
        )
        .values_list(
            "response_id",
            "response__run_id",
            "question_id",
            "value_scale",
            "value_choices",
            "value_text",
            "respondent_name",
        )
        .order_by("response_id", "pk")
    ]
    return _Scope(
        survey=survey,
        course=course,
        runs=runs,
        invited=invited,
        responses=responses,
        hidden_runs=hidden_groups(responses),
        questions=questions,
        answers=answers,
    )


def _average(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _question_result(
    question: SurveyQuestion,
    number: int,
    answers: list[_Answer],
    *,
    anonymous_shown: bool,
    run_titles: dict[int, str],
) -> QuestionResult:
    given = [answer for answer in answers if not answer.empty]
    named = sorted(
        (
            NamedAnswer(name=a.name, answer=a.in_words(), run_title=run_titles.get(a.run_id, ""))
            for a in given
            if question.identified and a.name
        ),
        key=lambda named_answer: (named_answer.run_title, named_answer.name),
    )
    if not anonymous_shown:
        return QuestionResult(question=question, number=number, answered=0, named=named)
    total = len(given)

    def bars(counts: dict[str, int], labels: list[str]) -> list[Bar]:
        return [
            Bar(
                label=label,
                count=counts.get(label, 0),
                percent=round(100 * counts.get(label, 0) / total) if total else 0,
            )
            for label in labels
        ]

    if question.kind == QuestionKind.SCALE5:
        counts = defaultdict(int)
        for answer in given:
            counts[str(answer.scale)] += 1
        return QuestionResult(
            question=question,
            number=number,
            answered=total,
            average=_average([answer.scale for answer in given]),
            bars=bars(counts, [str(n) for n in range(SCALE_MIN, SCALE_MAX + 1)]),
            named=named,
        )
    if question.kind in CHOICE_KINDS:
        counts = defaultdict(int)
        for answer in given:
            for choice in answer.choices:
                counts[choice] += 1
        options = question.choice_list
        # Options renamed or removed since: still counted, after the current ones.
        former = sorted(set(counts) - set(options))
        return QuestionResult(
            question=question,
            number=number,
            answered=total,
            bars=bars(counts, options + former),
            named=named,
        )
    texts = [] if question.identified else sorted(answer.text for answer in given)
    return QuestionResult(
        question=question, number=number, answered=total, texts=texts, named=named
    )


def _build(scope: _Scope, *, run: CourseRun | None) -> SurveyReport:
    total_responses = sum(scope.responses.values())
    if run is None:
        hidden = 0 < total_responses < MIN_GROUP
        hidden_with_others = False
        invited = sum(scope.invited.values())
        responses = total_responses
    else:
        responses = scope.responses.get(run.pk, 0)
        hidden = run.pk in scope.hidden_runs
        hidden_with_others = hidden and responses >= MIN_GROUP
        invited = scope.invited.get(run.pk, 0)
    run_titles = {pk: r.title for pk, r in scope.runs.items()}
    by_question: dict[int, list[_Answer]] = defaultdict(list)
    for answer in scope.answers:
        by_question[answer.question_id].append(answer)
    results = [
        _question_result(
            question,
            number,
            by_question[question.pk],
            anonymous_shown=not hidden and responses > 0,
            run_titles=run_titles,
        )
        for number, question in enumerate(scope.questions, start=1)
    ]
    scale_questions = [q for q in scope.questions if q.kind == QuestionKind.SCALE5]
    by_run = []
    if run is None:
        for r in sorted(scope.runs.values(), key=lambda r: (r.starts_on, r.pk)):
            run_hidden = hidden or r.pk in scope.hidden_runs
            by_run.append(
                RunRow(
                    run=r,
                    invited=scope.invited.get(r.pk, 0),
                    responses=scope.responses.get(r.pk, 0),
                    hidden=run_hidden,
                    averages=[
                        None
                        if run_hidden
                        else _average(
                            [
                                a.scale
                                for a in by_question[q.pk]
                                if a.run_id == r.pk and a.scale is not None
                            ]
                        )
                        for q in scale_questions
                    ],
                )
            )
    return SurveyReport(
        survey=scope.survey,
        course=scope.course,
        run=run,
        invited=invited,
        responses=responses,
        hidden=hidden,
        hidden_with_others=hidden_with_others,
        questions=results,
        scale_questions=scale_questions,
        by_run=by_run,
    )


def run_report(*, survey: Survey, run: CourseRun) -> SurveyReport:
    """One run's results (``run.course`` must be loaded)."""
    return _build(_load(survey=survey, course=run.course, run=run), run=run)


def course_report(*, survey: Survey, course: CoursePage) -> SurveyReport:
    """The results of every run of the course together, with a row per run."""
    return _build(_load(survey=survey, course=course, run=None), run=None)


# --- CSV -----------------------------------------------------------------------------------------


def _table(scope: _Scope, *, run: CourseRun | None) -> tuple[list[str], list[list[str]]]:
    """One row per response, one column per question, plus a last column for the name that
    goes with the answers to identified questions.  Anonymous rows leave the identified
    questions empty; each response with named answers gets a second row holding only those
    and the name, so a name never sits next to anyone's anonymous answers."""
    questions = scope.questions
    header = [_("Run"), *[q.text for q in questions], _("Name (identified questions only)")]
    if run is None:
        scope_hidden = 0 < sum(scope.responses.values()) < MIN_GROUP
    else:
        scope_hidden = run.pk in scope.hidden_runs
    by_response: dict[int, dict[int, _Answer]] = defaultdict(dict)
    run_of: dict[int, int] = {}
    for answer in scope.answers:
        by_response[answer.response_id][answer.question_id] = answer
        run_of[answer.response_id] = answer.run_id
    hidden_label = _("Runs with fewer than 5 answers (together)")
    anonymous, named = [], []
    for response_id, answers in by_response.items():
        run_id = run_of[response_id]
        title = scope.runs[run_id].title if run_id in scope.runs else ""
        if not scope_hidden:
            label = hidden_label if run_id in scope.hidden_runs else title
            anonymous.append(
                [
                    label,
                    *[
                        "" if q.identified or q.pk not in answers else answers[q.pk].in_words()
                        for q in questions
                    ],
                    "",
                ]
            )
        names = [answers[q.pk].name for q in questions if q.identified and q.pk in answers]
        name = next((n for n in names if n), "")
        if name:
            named.append(
                [
                    title,
                    *[
                        answers[q.pk].in_words() if q.identified and q.pk in answers else ""
                        for q in questions
                    ],
                    name,
                ]
            )
    return header, sorted(anonymous) + sorted(named, key=lambda row: (row[0], row[-1]))


def run_table(*, survey: Survey, run: CourseRun) -> tuple[list[str], list[list[str]]]:
    return _table(_load(survey=survey, course=run.course, run=run), run=run)


def course_table(*, survey: Survey, course: CoursePage) -> tuple[list[str], list[list[str]]]:
    return _table(_load(survey=survey, course=course, run=None), run=None)


# --- Index ---------------------------------------------------------------------------------------


@dataclass
class IndexRun:
    run_id: int
    title: str
    invited: int = 0
    responses: int = 0

    @property
    def rate(self) -> int | None:
        return _rate(self.responses, self.invited)


@dataclass
class IndexRow:
    survey_id: int
    survey_title: str
    course_id: int
    course_title: str
    runs: list[IndexRun] = field(default_factory=list)

    @property
    def invited(self) -> int:
        return sum(run.invited for run in self.runs)

    @property
    def responses(self) -> int:
        return sum(run.responses for run in self.runs)

    @property
    def rate(self) -> int | None:
        return _rate(self.responses, self.invited)


def report_index() -> list[IndexRow]:
    """Every survey and course with invitations, with the counts of each run: two queries."""
    rows: dict[tuple[int, int], IndexRow] = {}
    runs: dict[tuple[int, int], IndexRun] = {}
    for item in (
        SurveyInvitation.objects.values(
            "survey_id",
            "survey__title",
            "enrolment__run_id",
            "enrolment__run__title",
            "enrolment__run__starts_on",
            "enrolment__run__course_id",
            "enrolment__run__course__title",
        )
        .annotate(n=Count("pk"))
        .order_by("-enrolment__run__starts_on", "enrolment__run_id")
    ):
        key = (item["survey_id"], item["enrolment__run__course_id"])
        row = rows.setdefault(
            key,
            IndexRow(
                survey_id=item["survey_id"],
                survey_title=item["survey__title"],
                course_id=item["enrolment__run__course_id"],
                course_title=item["enrolment__run__course__title"],
            ),
        )
        index_run = IndexRun(
            run_id=item["enrolment__run_id"],
            title=item["enrolment__run__title"],
            invited=item["n"],
        )
        row.runs.append(index_run)
        runs[(item["survey_id"], item["enrolment__run_id"])] = index_run
    for item in (
        SurveyResponse.objects.values("survey_id", "run_id").annotate(n=Count("pk")).order_by()
    ):
        index_run = runs.get((item["survey_id"], item["run_id"]))
        if index_run is not None:
            index_run.responses = item["n"]
    return sorted(rows.values(), key=lambda row: (row.course_title, row.survey_title))
