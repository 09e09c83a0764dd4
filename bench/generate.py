"""A deterministic generator of a prefecture-sized dataset, for benchmarks (issue #9).

``generate(scale=1.0)`` creates 50,000 people, 300 partner organisations, 600 courses with 2,500
runs and 15,000 sessions, 150,000 enrolments with their attendance, 20,000 volunteers with their
stage history, 2,000 mentoring pairs with 20,000 session logs and 30,000 certificates; every
number scales linearly (at least one of each).  The same seed and base date give the same data:
every random choice comes from ``random.Random`` streams seeded from them, every date is counted
from the base date, and nothing depends on the rows' primary keys.

Speed comes from planning in memory and writing with ``bulk_create`` in batches: one password
hash for everybody, no services, no signals.  What the services would have written alongside is
written too (the audit row of each attendance mark, the first stage change of a volunteer, the
serial counters of certificates), and every database constraint holds.  Course pages are
Wagtail pages under the catalogue, created one by one (they are few).

Generated rows are recognisable, so they never mix with other data: people have an email
address at ``@bench.hyogo.example``, organisations and pages a slug starting ``bench-``.
``delete_generated`` removes exactly them, and the demo data of ``seed_demo`` is never touched.
Certificates have no PDF (rendering 30,000 of them is what the bulk-issue benchmark measures).
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
import math
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import Q
from django.db.models.functions import Cast
from django.utils import translation
from wagtail.models import Page, ReferenceIndex
from wagtail.rich_text import RichText
from wagtail.signal_handlers import disable_reference_index_auto_update

from bench import data
from certificates.codes import ALPHABET, CODE_LENGTH, KIND_CODES, serial_number
from certificates.models import Certificate, CertificateDesign, CertificateStatus, SerialCounter
from certificates.services import (
    DEFAULT_ISSUER,
    DEFAULT_SIGNER_TITLE,
    DEFAULT_WORDING,
    DEFAULT_WORDING_EN,
)
from cms.models import Activity, Organisation, OrganisationDirectoryPage
from cms.services import site_home_ensure
from courses.completion import CompletionRules, SessionFacts, evaluate, minutes_learned
from courses.models import (
    Attendance,
    AttendanceChange,
    AttendanceEvidence,
    CompletionState,
    CourseFormat,
    CourseIndexPage,
    CourseKind,
    CoursePage,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    ProgramModule,
    ProgramPage,
    Session,
    SessionModality,
    SessionReminder,
    SessionStatus,
    Venue,
)
from lms import roles
from lms.models import Field, Municipality, MunicipalityKind, OrganisationType, Profession, User
from lms.taxonomy_data import lg_code
from mentoring.models import (
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
from mentoring.regions import AREAS, area_of
from organisations.models import MemberRole, Membership
from volunteers.models import (
    PIPELINE,
    AgeBand,
    Frequency,
    InsuranceStatus,
    Nomination,
    StaffNote,
    Stage,
    StageChange,
    VolunteerHours,
    VolunteerProfile,
)
from volunteers.selectors import kana_key, phone_key

TOKYO = ZoneInfo("Asia/Tokyo")
BENCH_DOMAIN = "bench.hyogo.example"
SLUG_PREFIX = "bench-"
DEFAULT_SEED = 20261127
DEFAULT_BASE_DATE = dt.date(2026, 11, 27)
# Every generated person has this password (local benchmarks only; the command refuses to run
# in production).
PASSWORD = "bench-hyogo-2026"  # noqa: S105 - public, like the demo accounts'
# People the benchmarks look for by address.
LEARNER_EMAIL = f"learner@{BENCH_DOMAIN}"
COORDINATOR_EMAIL = f"coordinator@{BENCH_DOMAIN}"
MENTOR_EMAIL = f"mentor@{BENCH_DOMAIN}"
VOLUNTEER_EMAIL = f"volunteer@{BENCH_DOMAIN}"

FULL_SCALE: dict[str, int] = {
    "users": 50_000,
    "organisations": 300,
    "courses": 600,
    "runs": 2_500,
    "sessions": 15_000,
    "enrolments": 150_000,
    "volunteers": 20_000,
    "pairs": 2_000,
    "mentoring_sessions": 20_000,
    "certificates": 30_000,
    # Not named in the issue; sized to go with the rest.
    "venues": 150,
    "programmes": 10,
    "mentoring_programmes": 20,
}
# The shapes the page benchmarks need (issue #9): a session roster of 300 people, an attendance
# matrix of 300 × 12, My learning with 30 enrolments and a calendar feed of about 200 sessions.
BIG_RUN_SEATS = 300
BIG_RUN_WAITING = 30
BIG_RUN_SESSIONS = 12
LEARNER_RUNS = 30

BATCH = 2000
# Below this there are too few people for distinct mentors, mentees and learners.
MIN_SCALE = 0.001
PEER_PROGRAMME_TITLE = "{area}ブロック 支援者ピアメンタリング {year}年度"
PEER_PROGRAMME_RE = re.compile(r"^\S+ブロック 支援者ピアメンタリング \d{4}年度$")
COHORT_PROGRAMME_SUFFIX = " メンタリング"


def scaled_counts(scale: float) -> dict[str, int]:
    """The number of rows of each kind at ``scale`` (1.0 = the prefecture), at least one each."""
    return {key: max(1, round(value * scale)) for key, value in FULL_SCALE.items()}


# --- Small helpers --------------------------------------------------------------------------


class Weighted:
    """Fast repeated weighted choice from a fixed population."""

    def __init__(self, items: Sequence, weights: Sequence[float]):
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TOKYO)


def _between(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    if end <= start:
        return start
    return start + dt.timedelta(seconds=rng.randrange(int((end - start).total_seconds())))


def _fiscal_year(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def _allocate(total: int, weights: Sequence[float], caps: Sequence[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainders), never above ``caps``;
    the share a capped item cannot take goes to the others.  Deterministic."""
    counts = [0] * len(weights)
    remaining = min(total, sum(caps))
    open_items = [i for i, cap in enumerate(caps) if cap > 0 and weights[i] > 0]
    while remaining > 0 and open_items:
        weight_sum = sum(weights[i] for i in open_items)
        shares = {i: remaining * weights[i] / weight_sum for i in open_items}
        given = 0
        for i in open_items:
            take = min(int(shares[i]), caps[i] - counts[i])
            counts[i] += take
            given += take
        left = remaining - given
        by_remainder = sorted(open_items, key=lambda i: (-(shares[i] - int(shares[i])), i))
        for i in by_remainder:
            if left == 0:
                break
            if counts[i] < caps[i]:
                counts[i] += 1
                left -= 1
        remaining = left
        open_items = [i for i in open_items if counts[i] < caps[i]]
    return counts


def _batches(items: Sequence, size: int = BATCH) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@contextmanager
def manual_timestamps(model_classes: Iterable[type[models.Model]]):
    """Let ``auto_now``/``auto_now_add`` fields take the values we set (dates in the past),
    for the duration of the block."""
    changed = []
    for model in model_classes:
        for model_field in model._meta.concrete_fields:
            if getattr(model_field, "auto_now", False) or getattr(
                model_field, "auto_now_add", False
            ):
                changed.append((model_field, model_field.auto_now, model_field.auto_now_add))
                model_field.auto_now = model_field.auto_now_add = False
    try:
        yield
    finally:
        for model_field, auto_now, auto_now_add in changed:
            model_field.auto_now, model_field.auto_now_add = auto_now, auto_now_add


def _model_fields(model: type[models.Model]) -> set[str]:
    return {f.name for f in model._meta.get_fields()}


def _availability(model: type[models.Model], flags: dict[str, bool]) -> dict[str, bool]:
    """Availability answers as keyword arguments, keeping only the fields ``model`` has (the
    availability fields are shared by several models and may move)."""
    names = _model_fields(model)
    return {name: value for name, value in flags.items() if name in names}


def _through_rows(m2m_field, pairs: Iterable[tuple[int, int]]) -> list[models.Model]:
    """Rows of an auto-created many-to-many table, from (source id, target id) pairs."""
    through = m2m_field.remote_field.through
    source = m2m_field.m2m_field_name() + "_id"
    target = m2m_field.m2m_reverse_field_name() + "_id"
    return [through(**{source: a, target: b}) for a, b in pairs]


# --- Plans: what to create, before any id exists ---------------------------------------------


@dataclass
class PersonPlan:
    role: str  # learner, coordinator, mentor, supporter, volunteer
    email: str
    full_name: str
    full_name_kana: str
    municipality: int  # index into Generator.municipalities
    profession: str
    organisation: int | None  # index into the organisations
    language: str
    joined: dt.datetime


@dataclass
class SessionPlan:
    starts_at: dt.datetime
    ends_at: dt.datetime
    modality: str
    venue: int | None
    status: str = SessionStatus.SCHEDULED
    sequence: int = 0


@dataclass
class RunPlan:
    course: int
    starts_on: dt.date
    title: str = ""
    sessions: list[SessionPlan] = field(default_factory=list)
    capacity: int = 0
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    requires_approval: bool = False
    people: list[tuple[int, dt.datetime]] = field(default_factory=list)  # (person, arrival)
    big: bool = False

    @property
    def ends_on(self) -> dt.date:
        return max(s.starts_at.astimezone(TOKYO).date() for s in self.sessions)


@dataclass
class CoursePlan:
    kind: str
    format: str
    title: str
    summary: str
    fields: list[str]
    professions: list[str]
    hours: float
    min_attendance: int
    wording: str


ATTENDANCE_COLUMNS = (
    "enrolment",
    "session",
    "status",
    "modality",
    "evidence",
    "minutes_present",
    "arrived_at",
    "code_entered_at",
    "note",
    "recorded_by",
    "created_at",
    "updated_at",
)


@dataclass(slots=True)
class AttendanceRow:
    """An attendance record before it is written (see ATTENDANCE_COLUMNS)."""

    status: str
    enrolment_id: int = 0
    session_id: int = 0
    modality: str = ""
    evidence: str = ""
    minutes_present: int | None = None
    arrived_at: dt.datetime | None = None
    code_entered_at: dt.datetime | None = None
    note: str = ""
    recorded_by_id: int | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    def values(self) -> tuple:
        return (
            self.enrolment_id,
            self.session_id,
            self.status,
            self.modality,
            self.evidence,
            self.minutes_present,
            self.arrived_at,
            self.code_entered_at,
            self.note,
            self.recorded_by_id,
            self.created_at,
            self.updated_at,
        )


@dataclass
class CertificatePlan:
    enrolment_id: int
    person: int
    run: int
    completed_at: dt.datetime
    minutes: int
    issued_at: dt.datetime | None = None
    serial: str = ""
    superseded: bool = False


# --- The generator ----------------------------------------------------------------------------


class Generator:
    """One generation: plan people, courses and their activity in memory, then write them."""

    def __init__(
        self,
        *,
        scale: float = 1.0,
        seed: int = DEFAULT_SEED,
        base_date: dt.date = DEFAULT_BASE_DATE,
        log: Callable[[str], None] | None = None,
    ):
        if scale < MIN_SCALE:
            raise ValueError(f"The scale must be at least {MIN_SCALE}.")
        self.scale, self.seed = scale, seed
        self.counts = scaled_counts(scale)
        self.base = _at(base_date, 9)
        self.log = log or (lambda message: None)
        self.created: Counter[str] = Counter()
        self.landmarks: dict[str, str] = {}

    def rng(self, stream: str) -> random.Random:
        """An independent stream per concern: changing one part leaves the others as they are."""
        return random.Random(f"{self.seed}:{stream}")  # noqa: S311 - test data, not secrets

    # --- entry point

    def run(self) -> dict[str, int]:
        started = time.perf_counter()
        with translation.override("ja"), transaction.atomic():
            self._step("taxonomies", self._load_taxonomies)
            self._step("plan", self._plan)
            with manual_timestamps(
                [
                    CourseRun,
                    Session,
                    Enrolment,
                    Attendance,
                    AttendanceChange,
                    Certificate,
                    Membership,
                    VolunteerProfile,
                    StageChange,
                    StaffNote,
                    VolunteerHours,
                    Nomination,
                    MentoringProgramme,
                    MentorProfile,
                    MenteeProfile,
                    Pair,
                    MentoringSession,
                    Meeting,
                ]
            ):
                self._step("organisations", self._write_organisations)
                self._step("people", self._write_people)
                self._step("memberships", self._write_memberships)
                self._step("venues", self._write_venues)
                self._step("course pages", self._write_courses)
                self._step("runs and sessions", self._write_runs)
                self._step("enrolments and attendance", self._write_enrolments)
                self._step("certificates", self._write_certificates)
                self._step("volunteers", self._write_volunteers)
                self._step("mentoring", self._write_mentoring)
            self._step("search index", self._index)
        self._step("planner statistics", self._analyze)
        self.elapsed = time.perf_counter() - started
        return dict(self.created)

    def _step(self, name: str, function: Callable[[], None]) -> None:
        started = time.perf_counter()
        function()
        self.log(f"  {name:<28} {time.perf_counter() - started:7.1f} s")

    def _bulk(self, model: type[models.Model], objects: list, label: str | None = None) -> list:
        """``bulk_create`` in batches; returns the objects with their primary keys."""
        for batch in _batches(objects):
            model.objects.bulk_create(batch, batch_size=len(batch))
        self.created[label or model._meta.label] += len(objects)
        return objects

    def _bulk_m2m(
        self, model: type[models.Model], field_name: str, pairs: Iterable[tuple[int, int]]
    ) -> None:
        """The rows of ``model.<field_name>``'s many-to-many table, from (source id, target id)
        pairs, counted as ``<app>.<Model>_<field_name>``."""
        field = model._meta.get_field(field_name)
        self._bulk(
            field.remote_field.through,
            _through_rows(field, pairs),
            f"{model._meta.label}_{field_name}",
        )

    def _insert(self, model: type[models.Model], names: list[str], rows: list[tuple]) -> None:
        """Plain inserts of many rows whose ids nobody needs, several times faster than
        ``bulk_create`` (no model instances): ``COPY`` on PostgreSQL, ``executemany``
        elsewhere."""
        fields = [model._meta.get_field(name) for name in names]
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        columns = ", ".join(quote(f.column) for f in fields)
        prepare = [f.get_db_prep_save for f in fields]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608 - names from _meta
                for batch in _batches(rows, 5 * BATCH):
                    cursor.executemany(
                        sql,
                        [
                            tuple(
                                p(value, connection) for p, value in zip(prepare, row, strict=True)
                            )
                            for row in batch
                        ],
                    )
        self.created[model._meta.label] += len(rows)

    # --- reference data

    def _load_taxonomies(self) -> None:
        municipalities = {
            m.code: m for m in Municipality.objects.select_related("parent").exclude(code=None)
        }
        outside = Municipality.objects.filter(kind=MunicipalityKind.OUTSIDE).first()
        self.municipalities: list[Municipality] = []
        weights = []
        for code5, population in sorted(data.POPULATION.items()):
            municipality = municipalities.get(lg_code(code5))
            if municipality is not None:
                self.municipalities.append(municipality)
                weights.append(population)
        if not self.municipalities:
            raise RuntimeError("No municipalities: run `manage.py migrate` first.")
        self.hyogo_count = len(self.municipalities)
        self.hyogo_weighted = Weighted(range(self.hyogo_count), weights)
        if outside is not None:
            self.municipalities.append(outside)
            weights.append(data.OUTSIDE_HYOGO_WEIGHT)
        self.people_weighted = Weighted(range(len(self.municipalities)), weights)
        self.code5 = {i: (m.code or "")[:5] for i, m in enumerate(self.municipalities)}
        self.fields = {f.slug: f for f in Field.objects.order_by("slug")}
        self.professions = {p.slug: p for p in Profession.objects.order_by("slug")}
        self.types = {t.name: t for t in OrganisationType.objects.select_related("group")}
        self.designs = {d.kind: d for d in CertificateDesign.objects.all()}
        self.coordinators_group = Group.objects.filter(name=roles.COORDINATORS).first()
        self.mentors_group = Group.objects.filter(name=roles.MENTORS).first()

    def _names(self, index: int) -> tuple[str, str, str, str]:
        """(name, kana, short name, short kana) of a municipality, for names of places:
        神戸市東灘区, こうべしひがしなだく, 東灘, ひがしなだ."""
        municipality = self.municipalities[index]
        if municipality.parent_id:
            parent = municipality.parent
            return (
                parent.name + municipality.name,
                parent.name_kana + municipality.name_kana,
                municipality.name[:-1],
                municipality.name_kana[:-1],
            )
        name, kana = municipality.name, municipality.name_kana
        short = name[:-1] if name[-1] in "市町" else name
        short_kana = kana[: -len("ちょう")] if name.endswith("町") else kana[:-1]
        return name, kana, short, short_kana

    # --- planning

    def _plan(self) -> None:
        self._plan_organisations()
        self._plan_roles()
        self._plan_courses()
        self._plan_runs()
        self._plan_enrolments()
        self._plan_volunteers()
        self._plan_mentoring()
        self._plan_people()

    def _plan_organisations(self) -> None:
        rng = self.rng("organisations")
        templates = [
            (name, weight, patterns)
            for name, (weight, patterns) in data.ORGANISATION_TEMPLATES.items()
            if name in self.types
        ]
        by_type = Weighted(templates, [t[1] for t in templates])
        words = data.ORGANISATION_WORDS
        self.organisation_plans = []
        seen: set[str] = set()
        number = 0
        while len(self.organisation_plans) < self.counts["organisations"]:
            number += 1
            type_name, _weight, patterns = by_type.pick(rng)
            place = self.hyogo_weighted.pick(rng)
            m, mk, s, sk = self._names(place)
            w, wk = rng.choice(words)
            pattern, kana_pattern = rng.choice(patterns)
            values = {"m": m, "mk": mk, "s": s, "sk": sk, "w": w, "wk": wk}
            name, kana = pattern.format(**values), kana_pattern.format(**values)
            if name in seen:
                if number > 20 * self.counts["organisations"]:
                    name, kana = f"{name}（{number}）", kana
                else:
                    continue
            seen.add(name)
            self.organisation_plans.append(
                {
                    "type": type_name,
                    "name": name,
                    "kana": kana,
                    "municipality": place,
                    "size": rng.lognormvariate(0, 1) * (3 if type_name == "社会福祉協議会" else 1),
                    "fields": rng.sample(sorted(self.fields), k=rng.randint(1, 3)),
                    "joined_on": (self.base - dt.timedelta(days=rng.randint(30, 1500))).date(),
                    "trusted": rng.random() < 0.6,
                    "listed": rng.random() < 0.97,
                }
            )
        self.organisation_weighted = Weighted(
            range(len(self.organisation_plans)), [o["size"] for o in self.organisation_plans]
        )

    def _plan_roles(self) -> None:
        """Who is who: one learner the benchmarks follow, coordinators, mentors, volunteers and
        the supporters who come to training for their work."""
        users = self.counts["users"]
        coordinators = max(1, round(users / 1000))
        mentors = max(1, round(self.counts["pairs"] * 0.4))
        volunteers = min(self.counts["volunteers"], max(1, users - 1 - coordinators - mentors))
        supporters = max(0, users - 1 - coordinators - mentors - volunteers)
        self.roles = (
            ["learner"]
            + ["coordinator"] * coordinators
            + ["mentor"] * mentors
            + ["supporter"] * supporters
            + ["volunteer"] * volunteers
        )[:users]
        self.by_role: dict[str, list[int]] = defaultdict(list)
        for index, role in enumerate(self.roles):
            self.by_role[role].append(index)
        rng = self.rng("professions")
        supporter_professions = Weighted(
            [slug for slug, _w in data.SUPPORTER_PROFESSIONS if slug in self.professions],
            [w for slug, w in data.SUPPORTER_PROFESSIONS if slug in self.professions],
        )
        volunteer_professions = Weighted(
            [slug for slug, _w in data.VOLUNTEER_PROFESSIONS if slug in self.professions],
            [w for slug, w in data.VOLUNTEER_PROFESSIONS if slug in self.professions],
        )
        self.person_profession = []
        for role in self.roles:
            if role == "learner":
                self.person_profession.append("social-worker")
            elif role == "coordinator":
                self.person_profession.append("social-welfare-council-staff")
            elif role == "volunteer":
                self.person_profession.append(volunteer_professions.pick(rng))
            else:
                self.person_profession.append(supporter_professions.pick(rng))
        self.by_profession: dict[str, list[int]] = defaultdict(list)
        for index, slug in enumerate(self.person_profession):
            if self.roles[index] in ("supporter", "mentor"):
                self.by_profession[slug].append(index)
        # When each person first did something (an account exists before it).
        self.first_seen: dict[int, dt.datetime] = {}

    def _seen(self, person: int, moment: dt.datetime) -> None:
        if person not in self.first_seen or moment < self.first_seen[person]:
            self.first_seen[person] = moment

    def _plan_courses(self) -> None:
        rng = self.rng("courses")
        kinds = Weighted([k for k, _w in data.KIND_WEIGHTS], [w for _k, w in data.KIND_WEIGHTS])
        topic_fields = [slug for slug in data.FIELD_TOPICS if slug in self.fields]
        field_weights = Weighted(
            topic_fields, [3 if i < 8 else 1 for i in range(len(topic_fields))]
        )
        professional = sorted(
            slug
            for slug, _w in data.SUPPORTER_PROFESSIONS
            if slug in self.professions and slug not in ("student", "other", "business")
        )
        titles: Counter[str] = Counter()
        self.course_plans: list[CoursePlan] = []
        for index in range(self.counts["courses"]):
            # The first course holds the big run: an in-person joint training.
            kind = CourseKind.JOINT_TRAINING if index == 0 else kinds.pick(rng)
            if index == 0:
                fmt = CourseFormat.IN_PERSON
            elif kind == CourseKind.ORIENTATION:
                fmt = rng.choice([CourseFormat.ONLINE, CourseFormat.ONLINE, CourseFormat.IN_PERSON])
            else:
                fmt = Weighted(
                    [CourseFormat.IN_PERSON, CourseFormat.ONLINE, CourseFormat.HYBRID], [6, 2, 2]
                ).pick(rng)
            main = "volunteering" if kind == CourseKind.ORIENTATION else field_weights.pick(rng)
            main = main if main in self.fields else topic_fields[0]
            topic = rng.choice(data.FIELD_TOPICS.get(main, ["つながりづくり"]))
            title = f"{topic} {rng.choice(data.KIND_ENDINGS[kind])}"
            if rng.random() < 0.3:
                title = f"【{rng.choice(list(AREAS))}】{title}"
            titles[title] += 1
            if titles[title] > 1:
                title = f"{title}（その{titles[title]}）"
            others = [slug for slug in rng.sample(topic_fields, k=2) if slug != main]
            target = (
                sorted(rng.sample(professional, k=rng.randint(2, 4)))
                if kind in (CourseKind.JOINT_TRAINING, CourseKind.EXCHANGE) and rng.random() < 0.3
                else []
            )
            self.course_plans.append(
                CoursePlan(
                    kind=kind,
                    format=fmt,
                    title=title,
                    summary=data.KIND_SUMMARIES[kind].format(topic=topic),
                    fields=[main, *others[: rng.randint(0, 2)]],
                    professions=target,
                    hours=0,
                    min_attendance=rng.choice([80, 80, 80, 70, 100]),
                    wording=(
                        f"あなたは「{title}」の全課程を修了したことを証します。"
                        if rng.random() < 0.5
                        else ""
                    ),
                )
            )

    def _plan_runs(self) -> None:
        """Runs over the last three and a half years and the next six months, with their
        sessions; the first is the big run the roster and matrix benchmarks use."""
        rng = self.rng("runs")
        courses, runs_total = self.course_plans, self.counts["runs"]
        popularity = [rng.lognormvariate(0, 0.6) for _ in courses]
        extra = _allocate(
            max(0, runs_total - len(courses)),
            popularity,
            [runs_total] * len(courses),
        )
        course_of_run = [c for c in range(len(courses)) if c < runs_total]
        for c, n in enumerate(extra):
            course_of_run.extend([c] * n)
        course_of_run = course_of_run[:runs_total]
        earliest = self.base.date() - dt.timedelta(days=1275)
        span = 1275 + 180
        self.run_plans: list[RunPlan] = []
        for index, course in enumerate(course_of_run):
            if index == 0:
                starts_on = self.base.date() - dt.timedelta(days=6 * 7)
            else:
                starts_on = earliest + dt.timedelta(days=rng.randrange(span))
            self.run_plans.append(RunPlan(course=course, starts_on=starts_on, big=index == 0))
        # Sessions: the big run has twelve; the others share the rest by the kind's custom
        # (at least one each).
        runs_count = len(self.run_plans)
        sessions_total = max(self.counts["sessions"], runs_count)
        first = max(1, min(BIG_RUN_SESSIONS, sessions_total - (runs_count - 1)))
        wanted = [rng.choice(data.KIND_SESSIONS[courses[r.course].kind]) for r in self.run_plans]
        extra = _allocate(
            sessions_total - first - (runs_count - 1),
            [w - 1 + 0.01 for w in wanted[1:]],
            [23] * (runs_count - 1),
        )
        per_run = [first] + [1 + n for n in extra]
        for run, count in zip(self.run_plans, per_run, strict=True):
            self._plan_sessions(rng, run, count)
        # Titles: 2026年度 第2期, counted per course and fiscal year in date order.
        order: Counter[tuple[int, int]] = Counter()
        for run in sorted(self.run_plans, key=lambda r: (r.course, r.starts_on)):
            year = _fiscal_year(run.starts_on)
            order[(run.course, year)] += 1
            run.title = f"{year}年度 第{order[(run.course, year)]}期"
        for course_index, plan in enumerate(courses):
            runs = [r for r in self.run_plans if r.course == course_index]
            if runs:
                minutes = sum(
                    (s.ends_at - s.starts_at).total_seconds() / 60 for s in runs[0].sessions
                )
                plan.hours = round(minutes / 60, 1)

    def _plan_sessions(self, rng: random.Random, run: RunPlan, count: int) -> None:
        course = self.course_plans[run.course]
        kind = course.kind
        interval = 7 if kind != CourseKind.LEADER_MODULE else rng.choice([14, 28])
        if run.big:
            interval = 7
        minutes = rng.choice(data.KIND_SESSION_MINUTES[kind])
        hour, minute = (
            (18, 30)
            if course.format == CourseFormat.ONLINE and rng.random() < 0.5
            else rng.choice([(10, 0), (13, 30), (13, 0)])
        )
        modality = {
            CourseFormat.ONLINE: SessionModality.ONLINE,
            CourseFormat.HYBRID: SessionModality.HYBRID,
        }.get(course.format, SessionModality.IN_PERSON)
        venue = None if modality == SessionModality.ONLINE else self._venue_for(rng)
        for number in range(count):
            day = run.starts_on + dt.timedelta(days=interval * number)
            starts_at = _at(day, hour, minute)
            session = SessionPlan(
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(minutes=minutes),
                modality=modality,
                venue=venue,
            )
            if not run.big and rng.random() < 0.01:
                session.status, session.sequence = SessionStatus.CANCELLED, 1
            elif rng.random() < 0.02:
                session.status, session.sequence = SessionStatus.CHANGED, 1
            run.sessions.append(session)
        first_day = run.starts_on
        run.opens_at = _at(first_day - dt.timedelta(days=60), 9)
        run.closes_at = _at(first_day - dt.timedelta(days=3), 17)
        run.requires_approval = kind == CourseKind.EXCHANGE

    def _venue_for(self, rng: random.Random) -> int:
        if not hasattr(self, "venue_plans"):
            self._plan_venues()
        return self.venue_weighted.pick(rng)

    def _plan_venues(self) -> None:
        rng = self.rng("venues")
        self.venue_plans = []
        seen: set[str] = set()
        attempts = 0
        while len(self.venue_plans) < self.counts["venues"] and attempts < 100 * (
            self.counts["venues"] + 10
        ):
            attempts += 1
            place = self.hyogo_weighted.pick(rng)
            m, _mk, s, _sk = self._names(place)
            name = rng.choice(data.VENUE_TEMPLATES).format(m=m, s=s)
            if name in seen:
                continue
            seen.add(name)
            self.venue_plans.append(
                {
                    "name": name,
                    "municipality": place,
                    "address": f"{m}{rng.choice(data.STREET_NAMES)}{rng.randint(1, 5)}-"
                    f"{rng.randint(1, 20)}-{rng.randint(1, 15)}",
                    "access": rng.choice(data.ACCESS_NOTES),
                    "accessibility": rng.choice(data.ACCESSIBILITY_NOTES),
                }
            )
        self.venue_weighted = Weighted(
            range(len(self.venue_plans)),
            [data.POPULATION.get(self.code5[v["municipality"]], 20) for v in self.venue_plans],
        )

    def _plan_enrolments(self) -> None:
        """Who enrols where, and when: arrivals in the enrolment window (before the base
        date), distinct people per run, most of them supporters; orientations draw residents."""
        rng = self.rng("enrolments")
        runs = self.run_plans
        # The followed learner (person 0) only goes where they are placed below.
        learners = self.by_role["supporter"] + self.by_role["mentor"]
        residents = self.by_role["volunteer"]
        everyone = learners + residents or [0]
        kind_weight = {
            CourseKind.JOINT_TRAINING: 1.0,
            CourseKind.LEADER_MODULE: 0.5,
            CourseKind.ORIENTATION: 1.2,
            CourseKind.EXCHANGE: 0.5,
            CourseKind.GENERAL: 0.8,
        }
        cap = min(len(everyone), 400)
        weights, caps = [], []
        for run in runs:
            if run.opens_at >= self.base:
                weights.append(0)
                caps.append(0)
            elif run.big:
                weights.append(0)
                caps.append(0)
            else:
                # Windows still open have fewer people so far.
                share = min(
                    1.0,
                    (self.base - run.opens_at).total_seconds()
                    / (run.closes_at - run.opens_at).total_seconds(),
                )
                weights.append(
                    kind_weight[self.course_plans[run.course].kind]
                    * rng.lognormvariate(0, 0.5)
                    * share
                )
                caps.append(cap)
        big = runs[0]
        big_count = min(BIG_RUN_SEATS + BIG_RUN_WAITING, len(everyone), self.counts["enrolments"])
        counts = _allocate(self.counts["enrolments"] - big_count, weights, caps)
        counts[0] = big_count if big.opens_at < self.base else 0
        # The learner the benchmarks follow has a seat in thirty runs of the last year and the
        # coming months (so their calendar feed holds about two hundred sessions).
        recent = [
            i
            for i, run in enumerate(runs)
            if i and counts[i] > 0 and run.ends_on >= self.base.date() - dt.timedelta(days=330)
        ]
        if len(recent) < LEARNER_RUNS - 1:
            recent += [i for i, _r in enumerate(runs) if i and counts[i] > 0 and i not in recent]
        learner_runs = {0, *rng.sample(recent, k=min(LEARNER_RUNS - 1, len(recent)))}
        self.learner_runs = learner_runs
        targeted: dict[tuple[str, ...], list[int]] = {}
        for index, (run, count) in enumerate(zip(runs, counts, strict=True)):
            if count == 0:
                continue
            course = self.course_plans[run.course]
            forced = [0] if index in learner_runs else []
            if course.kind == CourseKind.ORIENTATION:
                pools = [(residents, 0.8), (learners, 0.2)]
            elif course.professions:
                key = tuple(course.professions)
                if key not in targeted:
                    targeted[key] = [p for slug in key for p in self.by_profession.get(slug, [])]
                pools = [(targeted[key], 0.7), (learners, 0.25), (residents, 0.05)]
            else:
                pools = [(learners, 0.9), (residents, 0.1)]
            people = self._sample_people(rng, pools, count, forced, everyone)
            end = min(run.closes_at, self.base - dt.timedelta(hours=1))
            arrivals = sorted(_between(rng, run.opens_at, end) for _ in people)
            # The forced learner arrives first, so they get a seat.
            run.people = list(zip(people, arrivals, strict=True))
            for person, arrival in run.people:
                self._seen(person, arrival)
            seats_wanted = count - (BIG_RUN_WAITING if run.big else 0)
            if run.big:
                run.capacity = max(1, min(BIG_RUN_SEATS, seats_wanted))
            elif count >= 5 and rng.random() < 0.15:
                run.capacity = max(1, round(count * rng.uniform(0.7, 0.9)))  # full, waiting list
            else:
                run.capacity = max(5, 5 * math.ceil((count + rng.randint(0, count // 3 + 2)) / 5))
        for run in runs:
            if not run.capacity:
                run.capacity = rng.choice([20, 30, 40, 50, 60, 80, 100])

    @staticmethod
    def _sample_people(
        rng: random.Random,
        pools: list[tuple[list[int], float]],
        count: int,
        forced: list[int],
        everyone: list[int],
    ) -> list[int]:
        chosen = dict.fromkeys(forced)
        for pool, share in pools:
            want = min(len(pool), round(count * share))
            if want:
                for person in rng.sample(pool, k=want):
                    if len(chosen) >= count:
                        break
                    chosen.setdefault(person)
        while len(chosen) < count:
            chosen.setdefault(everyone[rng.randrange(len(everyone))])
        people = list(chosen)
        head, tail = people[: len(forced)], people[len(forced) :]
        rng.shuffle(tail)
        return head + tail

    def _plan_volunteers(self) -> None:
        rng = self.rng("volunteers")
        stages = Weighted(
            [
                Stage.APPLIED,
                Stage.CONTACTED,
                Stage.ORIENTATION,
                Stage.TRAINING,
                Stage.ACTIVE,
                Stage.LEADER_CANDIDATE,
                Stage.LEADER,
                Stage.PAUSED,
                Stage.WITHDRAWN,
            ],
            [10, 10, 10, 12, 35, 5, 3, 8, 7],
        )
        days_ago = {
            Stage.APPLIED: (1, 60),
            Stage.CONTACTED: (7, 120),
            Stage.ORIENTATION: (30, 240),
            Stage.TRAINING: (60, 400),
            Stage.ACTIVE: (120, 1200),
            Stage.LEADER_CANDIDATE: (300, 1200),
            Stage.LEADER: (500, 1270),
            Stage.PAUSED: (90, 1270),
            Stage.WITHDRAWN: (90, 1270),
        }
        self.volunteer_plans = []
        for number, person in enumerate(self.by_role["volunteer"]):
            # The benchmarks' volunteer has just been contacted: their next step is orientation.
            stage = Stage.CONTACTED if number == 0 else stages.pick(rng)
            low, high = days_ago[stage]
            signed_up = self.base - dt.timedelta(
                days=rng.randint(low, high), minutes=rng.randrange(600)
            )
            if stage in PIPELINE:
                path = PIPELINE[: PIPELINE.index(stage) + 1]
            else:
                reached = rng.randint(1, PIPELINE.index(Stage.ACTIVE))
                path = [*PIPELINE[: reached + 1], stage]
            moments = sorted(_between(rng, signed_up, self.base) for _ in path[1:])
            self.volunteer_plans.append(
                {"person": person, "stage": stage, "path": path, "at": [signed_up, *moments]}
            )
            self._seen(person, signed_up)

    def _plan_mentoring(self) -> None:
        rng = self.rng("mentoring")
        base_day = self.base.date()
        programmes = []
        leader_runs = [
            i
            for i, run in enumerate(self.run_plans)
            if self.course_plans[run.course].kind == CourseKind.LEADER_MODULE
            and run.starts_on <= base_day
        ]
        areas = list(AREAS)
        for number in range(self.counts["mentoring_programmes"]):
            if leader_runs and number % 3 == 2:
                run = leader_runs[rng.randrange(len(leader_runs))]
                programmes.append(
                    {"cohort": run, "title": None, "start": self.run_plans[run].starts_on}
                )
            else:
                area = areas[number % len(areas)]
                year = _fiscal_year(base_day) - (number // len(areas)) % 3
                programmes.append(
                    {
                        "cohort": None,
                        "title": PEER_PROGRAMME_TITLE.format(area=area, year=year),
                        "start": dt.date(year, 4, 1),
                        "cross_profession": True,
                    }
                )
        self.programme_plans = programmes
        mentors = self.by_role["mentor"]
        capacity_pick = Weighted([1, 2, 3, 4, 5], [10, 30, 35, 15, 10])
        self.mentor_plans = {
            person: {
                "capacity": capacity_pick.pick(rng),
                "years": rng.randint(3, 30),
                "accepting": rng.random() < 0.85,
            }
            for person in mentors
        }
        volunteers_ready = [
            v["person"]
            for v in self.volunteer_plans
            if v["stage"] in (Stage.ACTIVE, Stage.LEADER_CANDIDATE, Stage.LEADER)
        ]
        mentee_pool = self.by_role["supporter"] + volunteers_ready
        pairs_total = self.counts["pairs"]
        mentees = rng.sample(mentee_pool, k=min(pairs_total, len(mentee_pool)))
        statuses = Weighted(
            [PairStatus.ACTIVE, PairStatus.PAUSED, PairStatus.ENDED, PairStatus.PROPOSED],
            [55, 5, 30, 10],
        )
        free = dict.fromkeys(mentors, 0)
        for person in mentors:
            free[person] = self.mentor_plans[person]["capacity"]
        self.pair_plans = []
        for number, mentee in enumerate(mentees):
            status = PairStatus.ACTIVE if number == 0 else statuses.pick(rng)
            if number == 0 and mentors:
                mentor = mentors[0]
            elif status in (PairStatus.ACTIVE, PairStatus.PAUSED):
                open_mentors = [m for m in mentors if free[m] > 0]
                if not open_mentors:
                    status = PairStatus.ENDED
                    mentor = rng.choice(mentors)
                else:
                    mentor = rng.choice(open_mentors)
            else:
                mentor = rng.choice(mentors)
            if status in (PairStatus.ACTIVE, PairStatus.PAUSED):
                free[mentor] -= 1
            programme = rng.randrange(len(programmes))
            start = max(
                programmes[programme]["start"], base_day - dt.timedelta(days=rng.randint(60, 900))
            )
            start = min(start, base_day - dt.timedelta(days=14))
            plan = {
                "programme": programme,
                "mentor": mentor,
                "mentee": mentee,
                "status": status,
                "proposed_at": _at(start - dt.timedelta(days=rng.randint(3, 20)), 10),
            }
            if status != PairStatus.PROPOSED:
                plan["starts_on"] = start
                plan["planned_end_on"] = start + dt.timedelta(days=365)
            if status == PairStatus.ENDED:
                length = rng.randint(60, 365)
                plan["ended_on"] = min(start + dt.timedelta(days=length), base_day)
            self.pair_plans.append(plan)
            self._seen(mentor, plan["proposed_at"])
            self._seen(mentee, plan["proposed_at"])

    def _plan_people(self) -> None:
        rng = self.rng("people")
        surnames = Weighted(data.SURNAMES, [s[3] for s in data.SURNAMES])
        given = Weighted(data.GIVEN_NAMES, [g[3] for g in data.GIVEN_NAMES])
        policy = settings.PRIVACY_POLICY_VERSION
        self.people: list[PersonPlan] = []
        fixed = {
            "learner": LEARNER_EMAIL,
            "coordinator": COORDINATOR_EMAIL,
            "mentor": MENTOR_EMAIL,
            "volunteer": VOLUNTEER_EMAIL,
        }
        first_of_role: set[str] = set()
        for index, role in enumerate(self.roles):
            if rng.random() < 1 / 70:
                name, kana, romaji = rng.choice(data.FOREIGN_NAMES)
                language = "en" if rng.random() < 0.7 else "ja"
            else:
                family, given_name = surnames.pick(rng), given.pick(rng)
                name = f"{family[0]} {given_name[0]}"
                kana = f"{family[1]} {given_name[1]}"
                romaji = f"{given_name[2]}.{family[2]}"
                language = "en" if rng.random() < 0.01 else "ja"
            if role in fixed and role not in first_of_role:
                first_of_role.add(role)
                email = fixed[role]
            else:
                email = f"{romaji}.{index:05d}@{BENCH_DOMAIN}"
            organisation = None
            if role in ("supporter", "mentor", "learner", "coordinator") and rng.random() < 0.85:
                organisation = self.organisation_weighted.pick(rng)
            if organisation is not None and rng.random() < 0.6:
                municipality = self.organisation_plans[organisation]["municipality"]
            else:
                municipality = self.people_weighted.pick(rng)
            joined = self.base - dt.timedelta(
                days=rng.randint(30, 1460), minutes=rng.randrange(900)
            )
            if index in self.first_seen:
                joined = min(joined, self.first_seen[index] - dt.timedelta(days=rng.randint(1, 14)))
            self.people.append(
                PersonPlan(
                    role=role,
                    email=email,
                    full_name=name,
                    full_name_kana=kana,
                    municipality=municipality,
                    profession=self.person_profession[index],
                    organisation=organisation,
                    language=language,
                    joined=joined,
                )
            )
        self.policy = policy

    # --- writing

    def _write_organisations(self) -> None:
        rng = self.rng("organisations:write")
        organisations = []
        for number, plan in enumerate(self.organisation_plans, start=1):
            municipality = self.municipalities[plan["municipality"]]
            m, _mk, _s, _sk = self._names(plan["municipality"])
            slug = f"{SLUG_PREFIX}org-{number:04d}"
            organisations.append(
                Organisation(
                    name=plan["name"],
                    name_kana=plan["kana"],
                    slug=slug,
                    organisation_type=self.types[plan["type"]],
                    municipality=municipality,
                    description=rng.choice(data.ORGANISATION_DESCRIPTIONS),
                    address=f"{m}{rng.choice(data.STREET_NAMES)}{rng.randint(1, 5)}-{rng.randint(1, 20)}",
                    website=f"https://{slug}.example.jp/",
                    public_email=f"info@{slug}.example.jp",
                    public_phone=self._phone(rng, plan["municipality"]),
                    is_listed=plan["listed"],
                    joined_on=plan["joined_on"],
                    trusted=plan["trusted"],
                )
            )
        self._bulk(Organisation, organisations)
        self.organisation_ids = [o.pk for o in organisations]
        field_rows, served_rows, activities = [], [], []
        for organisation, plan in zip(organisations, self.organisation_plans, strict=True):
            field_rows += [(organisation.pk, self.fields[s].pk) for s in plan["fields"]]
            served = {plan["municipality"]} | {
                self.hyogo_weighted.pick(rng) for _ in range(rng.randint(0, 2))
            }
            served_rows += [(organisation.pk, self.municipalities[i].pk) for i in sorted(served)]
            for order, (title, text, schedule, audience) in enumerate(
                rng.sample(data.ACTIVITIES, k=rng.randint(1, 3))
            ):
                online = title.startswith("オンライン")
                activities.append(
                    Activity(
                        organisation=organisation,
                        sort_order=order,
                        title=title,
                        description=text,
                        place="" if online else f"{organisation.name} 活動室",
                        municipality=organisation.municipality,
                        schedule=schedule,
                        audience=audience,
                        is_online=online,
                        weekdays=",".join(
                            str(d) for d in sorted(rng.sample(range(1, 8), k=rng.randint(1, 2)))
                        ),
                        cost=rng.choice(["無料", "100円", "300円（お茶代）"]),
                        contact=organisation.public_phone,
                        is_published=True,
                    )
                )
        self._bulk_m2m(Organisation, "fields", field_rows)
        self._bulk_m2m(Organisation, "municipalities_served", served_rows)
        self._bulk(Activity, activities)

    def _phone(self, rng: random.Random, municipality: int) -> str:
        code5 = self.code5.get(municipality, "")
        area = next(
            (
                code
                for prefix, code in sorted(data.AREA_CODES.items(), key=lambda kv: -len(kv[0]))
                if code5.startswith(prefix)
            ),
            "079",
        )
        local = 8 - (len(area) - 1)  # ten digits with the leading zero
        digits = f"{rng.randrange(2 * 10 ** (local - 1), 10**local)}"
        return f"{area}-{digits[:-4]}-{digits[-4:]}"

    def _write_people(self) -> None:
        password = make_password(PASSWORD)
        users = []
        for plan in self.people:
            organisation = (
                self.organisation_plans[plan.organisation]
                if plan.organisation is not None
                else None
            )
            users.append(
                User(
                    email=plan.email,
                    password=password,
                    full_name=plan.full_name,
                    full_name_kana=plan.full_name_kana,
                    profession=self.professions.get(plan.profession),
                    organisation_name=organisation["name"] if organisation else "",
                    organisation_group=(
                        self.types[organisation["type"]].group if organisation else None
                    ),
                    municipality=self.municipalities[plan.municipality],
                    preferred_language=plan.language,
                    privacy_policy_version=self.policy,
                    privacy_consented_at=plan.joined,
                    date_joined=plan.joined,
                    is_staff=plan.role == "coordinator",
                )
            )
        self._bulk(User, users)
        self.user_ids = [u.pk for u in users]
        self._bulk(
            EmailAddress,
            [EmailAddress(user_id=u.pk, email=u.email, verified=True, primary=True) for u in users],
        )
        rows = []
        for index, role in enumerate(self.roles):
            group = {"coordinator": self.coordinators_group, "mentor": self.mentors_group}.get(role)
            if group is not None:
                rows.append(User.groups.through(user_id=self.user_ids[index], group_id=group.pk))
        self._bulk(User.groups.through, rows, "lms.User_groups")
        self.coordinator_ids = [self.user_ids[i] for i in self.by_role["coordinator"]]
        self.landmarks["learner (30 enrolments)"] = LEARNER_EMAIL
        self.landmarks["coordinator"] = COORDINATOR_EMAIL
        if self.by_role["mentor"]:
            self.landmarks["mentor"] = MENTOR_EMAIL
        if self.by_role["volunteer"]:
            self.landmarks["volunteer"] = VOLUNTEER_EMAIL
        self.landmarks["password of every generated person"] = PASSWORD

    def _write_memberships(self) -> None:
        rng = self.rng("memberships")
        members: dict[int, list[int]] = defaultdict(list)
        for index, plan in enumerate(self.people):
            if plan.organisation is not None:
                members[plan.organisation].append(index)
        rows = []
        for organisation, people in sorted(members.items()):
            chosen = people[: 1 + rng.randint(0, 5)]
            for number, person in enumerate(chosen):
                rows.append(
                    Membership(
                        organisation_id=self.organisation_ids[organisation],
                        user_id=self.user_ids[person],
                        role=MemberRole.ADMIN if number == 0 else MemberRole.MEMBER,
                        created_at=self.people[person].joined + dt.timedelta(days=1),
                    )
                )
        self._bulk(Membership, rows)

    def _write_venues(self) -> None:
        if not hasattr(self, "venue_plans"):
            self._plan_venues()
        venues = [
            Venue(
                name=plan["name"],
                address=plan["address"],
                municipality=self.municipalities[plan["municipality"]],
                access_notes=plan["access"],
                accessibility_notes=plan["accessibility"],
            )
            for plan in self.venue_plans
        ]
        self._bulk(Venue, venues)
        self.venue_ids = [v.pk for v in venues]

    def _catalogue(self) -> CourseIndexPage:
        """The catalogue at /courses/ (the demo's when it exists)."""
        home = site_home_ensure()
        catalogue = CourseIndexPage.objects.child_of(home).filter(slug="courses").first()
        if catalogue is None:
            catalogue = CourseIndexPage.objects.first()
        if catalogue is None:
            catalogue = CourseIndexPage(
                title="研修をさがす",
                slug="courses",
                show_in_menus=True,
                intro="支援者向け多職種合同研修や、次世代リーダー育成のための講座を探せます。",
            )
            home.add_child(instance=catalogue)
            catalogue.save_revision().publish()
        return catalogue

    def _directory(self) -> None:
        """The organisation directory at /organisations/ (the demo's when it exists), so the
        generated organisations are listed."""
        if OrganisationDirectoryPage.objects.exists():
            return
        home = site_home_ensure()
        directory = OrganisationDirectoryPage(
            title="参加団体",
            slug="organisations",
            show_in_menus=True,
            intro="県PFに参加している団体と、各団体の「つながりづくり」の場を紹介します。",
        )
        home.add_child(instance=directory)
        directory.save_revision().publish()

    def _write_courses(self) -> None:
        """Course pages, created one by one as live pages (without a revision history: editing
        one in the admin starts it)."""
        rng = self.rng("pages")
        catalogue = self._catalogue()
        self._directory()
        self.course_ids: list[int] = []
        self.course_pages: list[CoursePage] = []
        for number, plan in enumerate(self.course_plans, start=1):
            published = _at(self.base.date() - dt.timedelta(days=rng.randint(30, 1400)), 10)
            page = CoursePage(
                title=plan.title,
                slug=f"{SLUG_PREFIX}course-{number:04d}",
                summary=plan.summary,
                body=[
                    ("paragraph", RichText(f"<p>{plan.summary}</p>")),
                    (
                        "paragraph",
                        RichText(
                            "<p>対象：支援に携わる方、地域で活動する方。"
                            "持ち物：筆記用具。オンライン参加の方には前日までに接続先をお送りします。</p>"
                        ),
                    ),
                ],
                kind=plan.kind,
                format=plan.format,
                total_hours=Decimal(str(plan.hours)) if plan.hours else None,
                min_attendance_percent=plan.min_attendance,
                certificate_wording=plan.wording,
                first_published_at=published,
                last_published_at=published,
                live=True,
            )
            page.fields.set([self.fields[s] for s in plan.fields])
            page.target_professions.set([self.professions[s] for s in plan.professions])
            catalogue.add_child(instance=page)
            self.course_ids.append(page.pk)
            self.course_pages.append(page)
        self.created["courses.CoursePage"] += len(self.course_plans)
        leader = [i for i, c in enumerate(self.course_plans) if c.kind == CourseKind.LEADER_MODULE]
        pool = leader or list(range(len(self.course_plans)))
        for number in range(1, self.counts["programmes"] + 1):
            modules = rng.sample(pool, k=min(len(pool), rng.randint(2, 4)))
            area = rng.choice(list(AREAS))
            program = ProgramPage(
                title=f"{area}地域づくり次世代リーダー育成プログラム（第{number}期）",
                slug=f"{SLUG_PREFIX}programme-{number:03d}",
                summary="半年間の講座、メンターとの対話、地域での実践を通して、つながりづくりの担い手を育てます。",
                mentoring="経験豊かな地域活動者がメンターとして月1回の面談で伴走します。",
                practice_project="自分の地域で小さな「居場所」づくりを企画・実践し、最終回で発表します。",
                first_published_at=self.base - dt.timedelta(days=rng.randint(30, 700)),
                live=True,
            )
            program.last_published_at = program.first_published_at
            program.fields.set([self.fields[s] for s in self.course_plans[modules[0]].fields])
            program.modules = [
                ProgramModule(course_id=self.course_ids[m], sort_order=order)
                for order, m in enumerate(modules)
            ]
            catalogue.add_child(instance=program)
        self.created["courses.ProgramPage"] += self.counts["programmes"]
        self.landmarks["big run's course page"] = self.course_pages[0].get_url() or ""

    def _write_runs(self) -> None:
        runs = []
        for plan in self.run_plans:
            runs.append(
                CourseRun(
                    course_id=self.course_ids[plan.course],
                    title=plan.title,
                    starts_on=plan.starts_on,
                    ends_on=plan.ends_on,
                    capacity=plan.capacity,
                    enrolment_opens_at=plan.opens_at,
                    enrolment_closes_at=plan.closes_at,
                    cancellation_deadline=plan.closes_at,
                    requires_approval=plan.requires_approval,
                    created_at=plan.opens_at - dt.timedelta(days=14),
                    updated_at=plan.opens_at - dt.timedelta(days=14),
                )
            )
        self._bulk(CourseRun, runs)
        self.run_ids = [r.pk for r in runs]
        sessions, owners = [], []
        for run_index, plan in enumerate(self.run_plans):
            for number, session in enumerate(plan.sessions, start=1):
                created = plan.opens_at - dt.timedelta(days=14)
                sessions.append(
                    Session(
                        run=runs[run_index],
                        title=f"第{number}回",
                        starts_at=session.starts_at,
                        ends_at=session.ends_at,
                        modality=session.modality,
                        venue_id=self.venue_ids[session.venue]
                        if session.venue is not None
                        else None,
                        online_url=(
                            f"https://meet.example.jp/{SLUG_PREFIX}{run_index:05d}"
                            if session.modality != SessionModality.IN_PERSON
                            else ""
                        ),
                        status=session.status,
                        sequence=session.sequence,
                        created_at=created,
                        # A changed or cancelled session was edited a week before.
                        updated_at=(
                            session.starts_at - dt.timedelta(days=7)
                            if session.sequence
                            else created
                        ),
                    )
                )
                owners.append((run_index, number - 1))
        for session in sessions:
            # As told when staff saved the run: only later changes are announced.  In UTC,
            # as the database gives them back (the state compares their ISO forms).
            session.starts_at = session.starts_at.astimezone(dt.UTC)
            session.ends_at = session.ends_at.astimezone(dt.UTC)
            session.announced_state = session.current_state()
        self._bulk(Session, sessions)
        self.session_ids: dict[tuple[int, int], int] = {
            owner: s.pk for owner, s in zip(owners, sessions, strict=True)
        }
        self.landmarks["big run (300 seats × 12 sessions)"] = f"run id {runs[0].pk}"

    def _write_enrolments(self) -> None:
        """Enrolments run by run, with the attendance of past sessions and its audit rows;
        completion follows the course's rules (courses.completion), as the service would."""
        rng = self.rng("enrolments:write")
        self.certificate_candidates: list[CertificatePlan] = []
        pending_runs: list[int] = []
        pending_count = 0
        for run_index, plan in enumerate(self.run_plans):
            if not plan.people:
                continue
            pending_runs.append(run_index)
            pending_count += len(plan.people)
            if pending_count >= BATCH * 2:
                self._write_enrolment_chunk(rng, pending_runs)
                pending_runs, pending_count = [], 0
        if pending_runs:
            self._write_enrolment_chunk(rng, pending_runs)

    def _write_enrolment_chunk(self, rng: random.Random, run_indexes: list[int]) -> None:
        enrolments: list[Enrolment] = []
        # Per enrolment: its attendance records, and the certificate candidate if completed.
        records: list[list[AttendanceRow]] = []
        candidates: list[CertificatePlan | None] = []
        for run_index in run_indexes:
            plan = self.run_plans[run_index]
            for person, arrival, status in self._statuses(rng, run_index):
                enrolment = Enrolment(
                    run_id=self.run_ids[run_index],
                    user_id=self.user_ids[person],
                    status=status,
                    created_at=arrival,
                    updated_at=arrival,
                )
                if status in (EnrolmentStatus.WAITLISTED, EnrolmentStatus.OFFERED):
                    enrolment.waitlisted_at = arrival
                if status == EnrolmentStatus.OFFERED:
                    enrolment.offer_expires_at = self.base + dt.timedelta(hours=rng.randint(6, 40))
                    enrolment.updated_at = self.base - dt.timedelta(hours=2)
                elif status == EnrolmentStatus.REJECTED:
                    enrolment.decision_reason = data.REJECTION_REASON
                    enrolment.updated_at = arrival + dt.timedelta(days=2)
                elif status == EnrolmentStatus.CANCELLED:
                    enrolment.updated_at = _between(
                        rng, arrival, min(self.base, plan.sessions[0].starts_at)
                    )
                mine, candidate = [], None
                if status == EnrolmentStatus.ENROLLED:
                    mine, candidate = self._attend(rng, enrolment, run_index, person)
                enrolments.append(enrolment)
                records.append(mine)
                candidates.append(candidate)
        self._bulk(Enrolment, enrolments)
        attendance = []
        for enrolment, mine, candidate in zip(enrolments, records, candidates, strict=True):
            for record in mine:
                record.enrolment_id = enrolment.pk
            attendance += mine
            if candidate is not None:
                candidate.enrolment_id = enrolment.pk
                self.certificate_candidates.append(candidate)
        # Attendance is the largest table by far: plain INSERTs, and the audit row the service
        # writes with each record (old values empty: the record is new) copied from it by SQL.
        self._insert(Attendance, list(ATTENDANCE_COLUMNS), [r.values() for r in attendance])
        self._copy_audit_rows([self.run_ids[i] for i in run_indexes])

    def _copy_audit_rows(self, run_ids: list[int]) -> None:
        quote = connection.ops.quote_name
        change, record = AttendanceChange._meta, Attendance._meta
        enrolment = Enrolment._meta

        def column(meta, name: str) -> str:
            return quote(meta.get_field(name).column)

        targets = ["attendance", "old_status", "new_status", "old_evidence", "new_evidence"]
        targets += ["changed_by", "changed_at"]
        sources = [column(record, "id"), "''", column(record, "status"), "''"]
        sources += [column(record, n) for n in ("evidence", "recorded_by", "created_at")]
        sql = (
            f"INSERT INTO {quote(change.db_table)} ({', '.join(column(change, n) for n in targets)}) "  # noqa: S608 - names from _meta
            f"SELECT {', '.join(sources)} FROM {quote(record.db_table)} "
            f"WHERE {column(record, 'enrolment')} IN (SELECT {column(enrolment, 'id')} "
            f"FROM {quote(enrolment.db_table)} WHERE {column(enrolment, 'run')} IN "
            f"({', '.join(['%s'] * len(run_ids))}))"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, run_ids)
            self.created[change.label] += cursor.rowcount

    def _statuses(self, rng: random.Random, run_index: int) -> list[tuple[int, dt.datetime, str]]:
        """Each arrival's place, in arrival order: a few cancel, requests wait for approval
        (a few refused), the first arrivals take the seats, the rest wait (after the run,
        the waiting list was closed); a seat given back in a full upcoming run is offered
        to the first person waiting."""
        plan = self.run_plans[run_index]
        base = self.base
        last_end = max(s.ends_at for s in plan.sessions)
        phase = (
            "past"
            if last_end <= base
            else ("future" if plan.sessions[0].starts_at > base else "ongoing")
        )
        seats = plan.capacity
        statuses = []
        for person, arrival in plan.people:
            forced = person == 0 and run_index in self.learner_runs
            if not forced and rng.random() < 0.05:
                statuses.append(EnrolmentStatus.CANCELLED)
            elif (
                plan.requires_approval
                and not forced
                and (phase == "future" and arrival > base - dt.timedelta(days=7))
            ):
                statuses.append(EnrolmentStatus.PENDING)
            elif plan.requires_approval and not forced and rng.random() < 0.1:
                statuses.append(EnrolmentStatus.REJECTED)
            elif seats > 0:
                seats -= 1
                statuses.append(EnrolmentStatus.ENROLLED)
            else:
                statuses.append(
                    EnrolmentStatus.CANCELLED if phase == "past" else EnrolmentStatus.WAITLISTED
                )
        if phase == "future" and EnrolmentStatus.WAITLISTED in statuses and rng.random() < 0.3:
            seated = [
                i
                for i, status in enumerate(statuses)
                if status == EnrolmentStatus.ENROLLED and plan.people[i][0] != 0
            ]
            if seated:
                statuses[seated[-1]] = EnrolmentStatus.CANCELLED
                statuses[statuses.index(EnrolmentStatus.WAITLISTED)] = EnrolmentStatus.OFFERED
        return [
            (person, arrival, status)
            for (person, arrival), status in zip(plan.people, statuses, strict=True)
        ]

    def _attend(
        self, rng: random.Random, enrolment: Enrolment, run_index: int, person: int
    ) -> tuple[list[AttendanceRow], CertificatePlan | None]:
        """The attendance of a seated person at the sessions already over, and what it makes
        of their enrolment under the course's completion rules (courses.completion)."""
        plan = self.run_plans[run_index]
        course = self.course_plans[plan.course]
        reliable = person == 0 or rng.random() < 0.85
        rules = CompletionRules(min_attendance_percent=course.min_attendance)
        user_id = self.user_ids[person]
        facts, statuses, minutes, records = [], {}, 0, []
        for number, session in enumerate(plan.sessions):
            if session.status == SessionStatus.CANCELLED:
                continue
            ended = session.ends_at <= self.base
            facts.append(SessionFacts(number, False, ended))
            if not ended:
                continue
            record = self._attendance_record(rng, session, reliable, user_id)
            record.session_id = self.session_ids[(run_index, number)]
            records.append(record)
            statuses[number] = record.status
            minutes += minutes_learned(
                status=record.status,
                starts_at=session.starts_at,
                ends_at=session.ends_at,
                arrived_at=record.arrived_at,
                minutes_present=record.minutes_present,
            )
        if not statuses:
            return records, None
        evaluation = evaluate(rules=rules, sessions=facts, statuses=statuses)
        checked = min(self.base, max(s.ends_at for s in plan.sessions) + dt.timedelta(hours=1))
        enrolment.completion = evaluation.state
        enrolment.completion_checked_at = checked
        enrolment.updated_at = checked
        if evaluation.state != CompletionState.COMPLETED:
            return records, None
        enrolment.status = EnrolmentStatus.COMPLETED
        enrolment.completed_at = checked
        return records, CertificatePlan(
            enrolment_id=0, person=person, run=run_index, completed_at=checked, minutes=minutes
        )

    def _attendance_record(
        self,
        rng: random.Random,
        session: SessionPlan,
        reliable: bool,
        user_id: int,
    ) -> AttendanceRow:
        coordinators = self.coordinator_ids
        roll = rng.random()
        if reliable:
            thresholds = [
                (0.93, "present"),
                (0.96, "late"),
                (0.97, "left_early"),
                (0.99, "excused"),
            ]
        else:
            thresholds = [
                (0.55, "present"),
                (0.63, "late"),
                (0.68, "left_early"),
                (0.80, "excused"),
            ]
        status = next((s for limit, s in thresholds if roll < limit), "absent")
        length = int((session.ends_at - session.starts_at).total_seconds() // 60)
        online = session.modality == SessionModality.ONLINE or (
            session.modality == SessionModality.HYBRID and rng.random() < 0.3
        )
        staff = coordinators[rng.randrange(len(coordinators))] if coordinators else None
        record = AttendanceRow(status=status)
        if status in ("present", "late"):
            if status == "present":
                arrived = session.starts_at - dt.timedelta(minutes=rng.randint(0, 15))
            else:
                arrived = session.starts_at + dt.timedelta(minutes=rng.randint(11, 40))
            record.arrived_at = arrived
            if online:
                record.modality = SessionModality.ONLINE
                record.evidence = AttendanceEvidence.ONLINE_CODE
                record.code_entered_at = arrived + dt.timedelta(minutes=rng.randint(20, 60))
                record.recorded_by_id = user_id
            elif rng.random() < 0.75:
                record.modality = SessionModality.IN_PERSON
                record.evidence = AttendanceEvidence.QR
                record.recorded_by_id = user_id
            else:
                record.modality = SessionModality.IN_PERSON
                record.evidence = AttendanceEvidence.STAFF
                record.recorded_by_id = staff
            record.created_at = arrived
        elif status == "left_early":
            record.modality = SessionModality.ONLINE if online else SessionModality.IN_PERSON
            record.evidence = AttendanceEvidence.STAFF
            record.minutes_present = max(10, length - rng.randint(30, 60))
            record.arrived_at = session.starts_at
            record.recorded_by_id = staff
            record.created_at = session.ends_at
        elif status == "excused":
            record.evidence = AttendanceEvidence.APOLOGY
            record.note = rng.choice(data.APOLOGY_NOTES)
            record.recorded_by_id = user_id
            record.created_at = session.starts_at - dt.timedelta(hours=rng.randint(3, 72))
        else:
            record.evidence = AttendanceEvidence.STAFF
            record.recorded_by_id = staff
            record.created_at = session.ends_at + dt.timedelta(minutes=rng.randint(5, 120))
        record.updated_at = record.created_at
        return record

    def _write_certificates(self) -> None:
        """The most recent completions have their certificate (the feature is recent): serial
        numbers in order of issue per course kind and year, after the numbers already used;
        a few were revoked, a few reissued."""
        rng = self.rng("certificates")
        total = min(self.counts["certificates"], len(self.certificate_candidates))
        candidates = sorted(
            self.certificate_candidates,
            key=lambda c: (c.completed_at, c.enrolment_id),
            reverse=True,
        )
        reissued = total // 400
        current = candidates[: total - reissued]
        plans: list[CertificatePlan] = []
        for candidate in current:
            candidate.issued_at = min(
                candidate.completed_at + dt.timedelta(minutes=rng.randint(5, 3 * 24 * 60)),
                self.base - dt.timedelta(minutes=1),
            )
            plans.append(candidate)
        old_versions = []
        for candidate in rng.sample(current, k=min(reissued, len(current))):
            old = CertificatePlan(
                enrolment_id=candidate.enrolment_id,
                person=candidate.person,
                run=candidate.run,
                completed_at=candidate.completed_at,
                minutes=candidate.minutes,
                issued_at=candidate.issued_at,
                superseded=True,
            )
            candidate.issued_at = min(
                candidate.issued_at + dt.timedelta(days=rng.randint(3, 30)),
                self.base - dt.timedelta(seconds=30),
            )
            old.issued_at = min(old.issued_at, candidate.issued_at - dt.timedelta(seconds=1))
            old_versions.append((old, candidate))
            plans.append(old)
        # Serial numbers in order of issue, after those already taken.
        counters = {(c.kind, c.year): c.last_number for c in SerialCounter.objects.all()}
        used: dict[tuple[str, int], int] = dict(counters)
        for plan in sorted(plans, key=lambda p: (p.issued_at, p.enrolment_id, p.superseded)):
            kind = self.course_plans[self.run_plans[plan.run].course].kind
            year = plan.issued_at.astimezone(TOKYO).year
            used[(kind, year)] = used.get((kind, year), 0) + 1
            plan.serial = serial_number(kind, year, used[(kind, year)])
        revoked = {id(p) for p in rng.sample(current, k=min(len(current), total // 300))}
        reissued_ids = {id(new) for _old, new in old_versions}
        new_rows = [self._certificate(rng, p, revoked, reissued_ids) for p in current]
        self._bulk(Certificate, new_rows)
        by_plan = {id(p): row for p, row in zip(current, new_rows, strict=True)}
        old_rows = []
        for old, new in old_versions:
            row = self._certificate(rng, old, set(), set())
            row.status = CertificateStatus.SUPERSEDED
            row.superseded_by_id = by_plan[id(new)].pk
            old_rows.append(row)
        self._bulk(Certificate, old_rows)
        for key, number in sorted(used.items()):
            if key not in counters:
                SerialCounter.objects.create(kind=key[0], year=key[1], last_number=number)
            elif number != counters[key]:
                SerialCounter.objects.filter(kind=key[0], year=key[1]).update(last_number=number)

    def _certificate(
        self, rng: random.Random, plan: CertificatePlan, revoked: set, reissued: set
    ) -> Certificate:
        person = self.people[plan.person]
        run = self.run_plans[plan.run]
        course = self.course_plans[run.course]
        design = self.designs.get(course.kind)
        language = person.language if person.language in ("ja", "en") else "ja"
        if language == "en":
            wording = (design.wording_en if design else "") or DEFAULT_WORDING_EN
        else:
            wording = course.wording or (design.wording if design else DEFAULT_WORDING)
        certificate = Certificate(
            enrolment_id=plan.enrolment_id,
            serial=plan.serial,
            verification_code="".join(rng.choice(ALPHABET) for _ in range(CODE_LENGTH)),
            language=language,
            holder_name=person.full_name,
            holder_name_kana=person.full_name_kana,
            course_title=course.title,
            course_kind=course.kind,
            run_title=run.title,
            starts_on=run.starts_on,
            completed_on=plan.completed_at.astimezone(TOKYO).date(),
            learning_minutes=plan.minutes,
            issuer_name=design.issuer_name if design else DEFAULT_ISSUER,
            signer_name=design.signer_name if design else "",
            signer_title=design.signer_title if design else DEFAULT_SIGNER_TITLE,
            wording=wording,
            issued_at=plan.issued_at,
        )
        if id(plan) in reissued and self.coordinator_ids:
            certificate.issued_by_id = self.coordinator_ids[0]
            certificate.issue_reason = "氏名の誤りを訂正して再発行しました。"
        if id(plan) in revoked and self.coordinator_ids:
            certificate.status = CertificateStatus.REVOKED
            certificate.revoked_at = min(
                plan.issued_at + dt.timedelta(days=rng.randint(1, 60)), self.base
            )
            certificate.revoked_by_id = self.coordinator_ids[0]
            certificate.revoked_reason = "受講記録の誤りが判明したため。"
        return certificate

    def _write_volunteers(self) -> None:
        rng = self.rng("volunteers:write")
        coordinators = self.coordinator_ids
        ages = Weighted([a.value for a in AgeBand], [3, 8, 10, 15, 18, 22, 18, 6])
        profiles, field_rows = [], []
        purpose = settings.VOLUNTEER_PURPOSE_VERSION
        online_note = translation.gettext("Signed up online")
        paper_note = translation.gettext("Entered by staff from a paper form")
        topic_fields = sorted(self.fields)
        for plan in self.volunteer_plans:
            person = self.people[plan["person"]]
            on_paper = rng.random() < 0.1 and bool(coordinators)
            coordinator = (
                coordinators[rng.randrange(len(coordinators))]
                if coordinators and len(plan["path"]) > 1
                else None
            )
            age = ages.pick(rng)
            phone = self._phone(rng, person.municipality)
            flags = {
                "weekdays": rng.random() < 0.7,
                "weekends": rng.random() < 0.5,
                "daytime": rng.random() < 0.75,
                "evening": rng.random() < 0.3,
            }
            profile = VolunteerProfile(
                user_id=self.user_ids[plan["person"]],
                phone=phone,
                phone_key=phone_key(phone),
                kana_key=kana_key(person.full_name_kana),
                municipality=self.municipalities[person.municipality],
                age_band=age,
                frequency=rng.choice([f.value for f in Frequency]),
                skills=rng.choice(data.SKILLS),
                motivation=rng.choice(data.MOTIVATIONS),
                heard_from=rng.choice(data.HEARD_FROM),
                insurance=rng.choice([i.value for i in InsuranceStatus]),
                consent_purpose_version=purpose,
                consented_at=plan["at"][0],
                consent_on_paper=on_paper,
                entered_by_id=coordinators[0] if on_paper else None,
                stage=plan["stage"],
                stage_changed_at=plan["at"][-1],
                coordinator_id=coordinator,
                created_at=plan["at"][0],
                updated_at=plan["at"][-1],
                **_availability(VolunteerProfile, flags),
            )
            profiles.append(profile)
            plan["coordinator"] = coordinator
            plan["fields"] = rng.sample(topic_fields, k=rng.randint(1, 3))
            plan["on_paper"] = on_paper
        self._bulk(VolunteerProfile, profiles)
        changes, hours, notes, nominations = [], [], [], []
        for profile, plan in zip(profiles, self.volunteer_plans, strict=True):
            field_rows += [(profile.pk, self.fields[s].pk) for s in plan["fields"]]
            previous = ""
            for number, (stage, moment) in enumerate(zip(plan["path"], plan["at"], strict=True)):
                if number == 0:
                    by = coordinators[0] if plan["on_paper"] else None
                    note = paper_note if plan["on_paper"] else online_note
                else:
                    by, note = plan["coordinator"], ""
                changes.append(
                    StageChange(
                        profile_id=profile.pk,
                        from_stage=previous,
                        to_stage=stage,
                        changed_by_id=by,
                        changed_at=moment,
                        note=note,
                    )
                )
                previous = stage
            if (
                plan["stage"] in (Stage.ACTIVE, Stage.LEADER_CANDIDATE, Stage.LEADER)
                and coordinators
            ):
                active_since = plan["at"][min(len(plan["at"]) - 1, PIPELINE.index(Stage.ACTIVE))]
                for _ in range(rng.randint(0, 4)):
                    day = _between(rng, active_since, self.base).date()
                    hours.append(
                        VolunteerHours(
                            profile_id=profile.pk,
                            date=day,
                            minutes=rng.choice([60, 90, 120, 180]),
                            activity=rng.choice(data.HOURS_ACTIVITIES),
                            recorded_by_id=plan["coordinator"] or coordinators[0],
                            created_at=_at(day, 17),
                        )
                    )
            if plan["stage"] == Stage.LEADER_CANDIDATE and coordinators:
                nominations.append(
                    Nomination(
                        profile_id=profile.pk,
                        nominated_by_id=plan["coordinator"] or coordinators[0],
                        reason=rng.choice(data.NOMINATION_REASONS),
                        created_at=plan["at"][-1],
                    )
                )
            if plan["coordinator"] and rng.random() < 0.1:
                notes.append(
                    StaffNote(
                        profile_id=profile.pk,
                        author_id=plan["coordinator"],
                        body=rng.choice(data.STAFF_NOTES),
                        created_at=_between(rng, plan["at"][0], self.base),
                    )
                )
        self._bulk_m2m(VolunteerProfile, "fields", field_rows)
        self._bulk(StageChange, changes)
        self._bulk(VolunteerHours, hours)
        self._bulk(Nomination, nominations)
        self._bulk(StaffNote, notes)

    def _write_mentoring(self) -> None:
        rng = self.rng("mentoring:write")
        coordinators = self.coordinator_ids
        base_day = self.base.date()
        programmes = []
        for plan in self.programme_plans:
            if plan["cohort"] is not None:
                run = self.run_plans[plan["cohort"]]
                title = (
                    f"{self.course_plans[run.course].title} {run.title}{COHORT_PROGRAMME_SUFFIX}"
                )[:150]
                cohort = self.run_ids[plan["cohort"]]
            else:
                title, cohort = plan["title"], None
            created = _at(plan["start"] - dt.timedelta(days=30), 10)
            programmes.append(
                MentoringProgramme(
                    title=title,
                    cohort_id=cohort,
                    cross_profession=plan.get("cross_profession", False),
                    created_at=created,
                    updated_at=created,
                )
            )
        self._bulk(MentoringProgramme, programmes)
        topic_fields = sorted(self.fields)
        mentor_rows, mentor_fields = [], []
        for person, plan in self.mentor_plans.items():
            who = self.people[person]
            area = area_of(self.municipalities[who.municipality]) or "兵庫"
            mentor_rows.append(
                MentorProfile(
                    user_id=self.user_ids[person],
                    capacity=plan["capacity"],
                    experience_years=plan["years"],
                    bio=rng.choice(data.MENTOR_BIOS).format(area=area, years=plan["years"]),
                    accepting=plan["accepting"],
                    municipality=self.municipalities[who.municipality],
                    created_at=who.joined + dt.timedelta(days=1),
                    updated_at=who.joined + dt.timedelta(days=1),
                    **_availability(MentorProfile, self._meeting_flags(rng)),
                )
            )
        self._bulk(MentorProfile, mentor_rows)
        for row in mentor_rows:
            mentor_fields += [
                (row.pk, self.fields[s].pk) for s in rng.sample(topic_fields, k=rng.randint(1, 3))
            ]
        self._bulk_m2m(MentorProfile, "fields", mentor_fields)
        pairs, mentees, mentee_fields = [], [], []
        for plan in self.pair_plans:
            mentee = self.people[plan["mentee"]]
            programme = programmes[plan["programme"]]
            mentees.append(
                MenteeProfile(
                    user_id=self.user_ids[plan["mentee"]],
                    programme_id=programme.pk,
                    hopes=rng.choice(data.MENTEE_HOPES),
                    municipality=self.municipalities[mentee.municipality],
                    created_at=plan["proposed_at"] - dt.timedelta(days=7),
                    updated_at=plan["proposed_at"] - dt.timedelta(days=7),
                    **_availability(MenteeProfile, self._meeting_flags(rng)),
                )
            )
            status = plan["status"]
            confirmed = _at(plan["starts_on"], 10) if "starts_on" in plan else None
            pair = Pair(
                programme_id=programme.pk,
                mentor_id=self.user_ids[plan["mentor"]],
                mentee_id=self.user_ids[plan["mentee"]],
                status=status,
                goals=rng.choice(data.PAIR_GOALS),
                starts_on=plan.get("starts_on"),
                planned_end_on=plan.get("planned_end_on"),
                ended_on=plan.get("ended_on"),
                end_reason=rng.choice(data.PAIR_END_REASONS) if status == PairStatus.ENDED else "",
                proposed_by_id=coordinators[0] if coordinators else None,
                confirmed_at=confirmed,
                created_at=plan["proposed_at"],
                updated_at=confirmed or plan["proposed_at"],
            )
            if status == PairStatus.PROPOSED:
                pair.score = round(rng.uniform(0.5, 0.95), 3)
                area = area_of(self.municipalities[mentee.municipality])
                pair.reasons = [f"同じ地域（{area}）"] if area else []
            pairs.append(pair)
        self._bulk(MenteeProfile, mentees)
        for row in mentees:
            mentee_fields += [
                (row.pk, self.fields[s].pk) for s in rng.sample(topic_fields, k=rng.randint(1, 2))
            ]
        self._bulk_m2m(MenteeProfile, "fields", mentee_fields)
        self._bulk(Pair, pairs)
        # Session logs, in proportion to how long each pair has met; one pair in seven went
        # quiet (no session for the last months) and some mentees are tired or worrying.
        spans = []
        for plan in self.pair_plans:
            if "starts_on" not in plan:
                spans.append(0)
                continue
            end = plan.get("ended_on") or base_day
            spans.append(max(1, (end - plan["starts_on"]).days))
        logs = _allocate(self.counts["mentoring_sessions"], spans, [10_000] * len(spans))
        sessions, meetings = [], []
        states = Weighted(
            [MenteeState.WELL, MenteeState.OK, MenteeState.TIRED, MenteeState.WORRIED],
            [45, 40, 10, 5],
        )
        topics = [t.value for t in Topic]
        for pair, plan, count in zip(pairs, self.pair_plans, logs, strict=True):
            if not count:
                continue
            start = plan["starts_on"]
            end = min(plan.get("ended_on") or base_day, base_day - dt.timedelta(days=1))
            if plan["status"] == PairStatus.ACTIVE and rng.random() < 1 / 7:
                end = max(start, end - dt.timedelta(days=rng.randint(45, 120)))
            days = max(0, (end - start).days)
            dates = sorted(start + dt.timedelta(days=rng.randint(0, days)) for _ in range(count))
            for day in dates:
                confirmed = rng.random() < 0.75
                confirmed_at = min(_at(day + dt.timedelta(days=rng.randint(0, 3)), 21), self.base)
                sessions.append(
                    MentoringSession(
                        pair_id=pair.pk,
                        date=day,
                        duration_minutes=rng.choice([30, 45, 60, 60, 90]),
                        mode=rng.choice([m.value for m in MeetingMode]),
                        topics=sorted(rng.sample(topics, k=rng.randint(1, 3))),
                        notes=rng.choice(data.SESSION_NOTES),
                        next_steps=rng.choice(data.SESSION_NEXT_STEPS),
                        mentee_state=states.pick(rng),
                        mentor_load=rng.choice([None, 1, 2, 2, 3, 4]),
                        logged_by_id=pair.mentor_id,
                        confirmed_by_mentee_at=confirmed_at if confirmed else None,
                        created_at=min(_at(day, 20), self.base),
                    )
                )
            if plan["status"] == PairStatus.ACTIVE and rng.random() < 0.5:
                starts_at = _at(base_day + dt.timedelta(days=rng.randint(3, 28)), 18)
                meetings.append(
                    Meeting(
                        pair_id=pair.pk,
                        starts_at=starts_at,
                        ends_at=starts_at + dt.timedelta(hours=1),
                        mode=MeetingMode.ONLINE,
                        place="https://meet.example.jp/mentoring",
                        updated_at=self.base - dt.timedelta(days=1),
                    )
                )
        self._bulk(MentoringSession, sessions)
        self._bulk(Meeting, meetings)

    @staticmethod
    def _meeting_flags(rng: random.Random) -> dict[str, bool]:
        return {
            "online_ok": rng.random() < 0.8,
            "weekdays": rng.random() < 0.8,
            "weekends": rng.random() < 0.4,
            "daytime": rng.random() < 0.7,
            "evening": rng.random() < 0.5,
        }

    @staticmethod
    def _analyze() -> None:
        """Fresh planner statistics: after a bulk load the old ones make PostgreSQL choose
        nested loops over tables now a hundred times larger (minutes instead of milliseconds)."""
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
            elif connection.vendor == "sqlite":
                cursor.execute("PRAGMA optimize")

    def _index(self) -> None:
        """Organisations are found by the directory's search: index the new ones in bulk
        (pages were indexed as they were saved)."""
        from wagtail.search.backends import get_search_backends

        organisations = list(
            Organisation.objects.filter(pk__in=self.organisation_ids).prefetch_related("activities")
        )
        for backend in get_search_backends():
            backend.add_bulk(Organisation, organisations)


# --- Entry points -----------------------------------------------------------------------------


def generated_users() -> models.QuerySet:
    return User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}")


def generated_pages() -> models.QuerySet:
    return Page.objects.type(CoursePage, ProgramPage).filter(slug__startswith=SLUG_PREFIX)


def generated_runs() -> models.QuerySet:
    return CourseRun.objects.filter(
        course__in=CoursePage.objects.filter(slug__startswith=SLUG_PREFIX)
    )


def generated_exists() -> bool:
    """Whether generated rows are in the database already."""
    return (
        generated_users().exists()
        or Organisation.objects.filter(slug__startswith=SLUG_PREFIX).exists()
        or generated_pages().exists()
    )


def generate(
    *,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    base_date: dt.date = DEFAULT_BASE_DATE,
    log: Callable[[str], None] | None = None,
) -> Generator:
    """Generate the dataset (see the module docstring); returns the generator, whose
    ``created`` counts rows per model and ``elapsed`` the seconds taken.  The caller checks
    ``generated_exists()`` first: generating twice would mix two datasets."""
    generator = Generator(scale=scale, seed=seed, base_date=base_date, log=log)
    generator.run()
    return generator


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


@transaction.atomic
def delete_generated(log: Callable[[str], None] | None = None) -> dict[str, int]:
    """Remove every generated row, and whatever the site has recorded about generated people
    and courses since, leaving other data as it was; the serial counters of certificates go
    back to the last number still in use.  Returns the number of rows deleted per model.

    The big tables go run by run and bottom up, so that no delete collects more than a few
    thousand rows in memory; Wagtail's reference index (which the generator never filled) is
    cleaned once at the end rather than row by row."""
    log = log or (lambda message: None)
    deleted: Counter[str] = Counter()

    def tally(result: tuple[int, dict[str, int]]) -> None:
        deleted.update({label: n for label, n in result[1].items() if n})

    started = time.perf_counter()
    users = generated_users()
    runs = generated_runs()
    with disable_reference_index_auto_update():
        # Mentoring: the pairs first (they protect their people), then the programmes only
        # generated people were in.
        tally(Pair.objects.filter(Q(mentor__in=users) | Q(mentee__in=users)).delete())
        for programme in MentoringProgramme.objects.filter(
            Q(cohort__in=runs) | Q(title__regex=PEER_PROGRAMME_RE.pattern)
        ):
            others = programme.mentees.exclude(user__in=users)
            if not programme.pairs.exists() and not others.exists():
                tally(programme.delete())
        certificates = Certificate.objects.filter(
            Q(enrolment__run__in=runs) | Q(enrolment__user__in=users)
        )
        certificates.exclude(superseded_by=None).update(superseded_by=None)
        for chunk in _chunks(list(certificates.values_list("pk", flat=True)), 5000):
            tally(Certificate.objects.filter(pk__in=chunk).delete())
        run_ids = list(runs.values_list("pk", flat=True))
        for chunk in _chunks(run_ids, 50):
            attendance = Attendance.objects.filter(session__run_id__in=chunk)
            tally(AttendanceChange.objects.filter(attendance__in=attendance).delete())
            tally(attendance.delete())
            tally(SessionReminder.objects.filter(session__run_id__in=chunk).delete())
            tally(Enrolment.objects.filter(run_id__in=chunk).delete())
            tally(Session.objects.filter(run_id__in=chunk).delete())
            tally(CourseRun.objects.filter(pk__in=chunk).delete())
        log(f"  {'training':<28} {time.perf_counter() - started:7.1f} s")
        user_ids = list(users.values_list("pk", flat=True))
        for chunk in _chunks(user_ids, 1000):
            tally(User.objects.filter(pk__in=chunk).delete())
        tally(Venue.objects.filter(name__in=_venue_names(), sessions=None).delete())
        log(f"  {'people':<28} {time.perf_counter() - started:7.1f} s")
    _clean_reference_index(
        [Certificate, CourseRun, Enrolment, Session, Venue]
        + [MentoringProgramme, MentorProfile, MenteeProfile]
    )
    # Pages and organisations are few: deleted the usual way (search index, page log).
    # Programme pages first: their modules protect the courses.
    for model in (ProgramPage, CoursePage):
        for page in model.objects.filter(slug__startswith=SLUG_PREFIX):
            page.delete()
            deleted[model._meta.label] += 1
    tally(Organisation.objects.filter(slug__startswith=SLUG_PREFIX).delete())
    _reset_serial_counters()
    log(f"  {'everything':<28} {time.perf_counter() - started:7.1f} s")
    return dict(deleted)


def _clean_reference_index(model_classes: list[type[models.Model]]) -> None:
    """Remove Wagtail reference-index rows from or to objects of these models that no longer
    exist (what its delete signal would have done row by row)."""
    for model in model_classes:
        content_type = ContentType.objects.get_for_model(model)
        existing = model.objects.annotate(key=Cast("pk", models.CharField())).values("key")
        ReferenceIndex.objects.filter(base_content_type=content_type).exclude(
            object_id__in=existing
        ).delete()
        ReferenceIndex.objects.filter(to_content_type=content_type).exclude(
            to_object_id__in=existing
        ).delete()


def _venue_names() -> set[str]:
    """Every name the generator can give a venue."""
    names = set()
    generator = Generator.__new__(Generator)
    generator._load_taxonomies()
    for index in range(generator.hyogo_count):
        m, _mk, s, _sk = generator._names(index)
        names.update(template.format(m=m, s=s) for template in data.VENUE_TEMPLATES)
    return names


def _reset_serial_counters() -> None:
    """Each counter back to the highest number of the certificates that remain."""
    highest: dict[tuple[str, int], int] = defaultdict(int)
    codes = {code: kind for kind, code in KIND_CODES.items()}
    for serial in Certificate.objects.values_list("serial", flat=True).iterator():
        parts = serial.split("-")
        if len(parts) == 4 and parts[1].isdigit() and parts[3].isdigit():
            key = (codes.get(parts[2], "general"), int(parts[1]))
            highest[key] = max(highest[key], int(parts[3]))
    for counter in SerialCounter.objects.all():
        number = highest.get((counter.kind, counter.year), 0)
        if counter.last_number != number:
            counter.last_number = number
            counter.save(update_fields=["last_number"])


def dataset_digest() -> str:
    """A SHA-256 of the generated data's key columns, independent of primary keys and of the
    database's collation: equal digests mean equal datasets."""
    digest = hashlib.sha256()

    def feed(label: str, rows: Iterable[tuple]) -> None:
        digest.update(label.encode())
        for row in sorted(repr(row) for row in rows):
            digest.update(row.encode())

    users = generated_users()
    feed(
        "users",
        users.values_list(
            "email", "full_name", "full_name_kana", "municipality__code", "profession__slug"
        ),
    )
    feed(
        "organisations",
        Organisation.objects.filter(slug__startswith=SLUG_PREFIX).values_list(
            "slug", "name", "name_kana", "municipality__code"
        ),
    )
    feed("pages", generated_pages().values_list("slug", "title"))
    runs = generated_runs()
    feed(
        "runs",
        runs.values_list("course__slug", "title", "starts_on", "ends_on", "capacity"),
    )
    feed(
        "sessions",
        Session.objects.filter(run__in=runs).values_list(
            "run__course__slug", "run__starts_on", "title", "starts_at", "status"
        ),
    )
    feed(
        "enrolments",
        Enrolment.objects.filter(run__in=runs).values_list(
            "user__email", "run__course__slug", "run__starts_on", "status", "completion"
        ),
    )
    feed(
        "attendance",
        Attendance.objects.filter(session__run__in=runs)
        .values_list("status", "evidence")
        .annotate(n=models.Count("pk"))
        .values_list("status", "evidence", "n"),
    )
    feed(
        "certificates",
        Certificate.objects.filter(enrolment__run__in=runs).values_list(
            "verification_code", "holder_name", "course_title", "status", "learning_minutes"
        ),
    )
    feed(
        "volunteers",
        VolunteerProfile.objects.filter(user__in=users).values_list(
            "user__email", "stage", "phone", "age_band"
        ),
    )
    feed(
        "stage changes",
        StageChange.objects.filter(profile__user__in=users).values_list(
            "profile__user__email", "to_stage", "changed_at"
        ),
    )
    feed(
        "pairs",
        Pair.objects.filter(mentee__in=users).values_list(
            "mentor__email", "mentee__email", "status", "starts_on"
        ),
    )
    feed(
        "mentoring sessions",
        MentoringSession.objects.filter(pair__mentee__in=users).values_list(
            "pair__mentee__email", "date", "mentee_state"
        ),
    )
    return digest.hexdigest()
