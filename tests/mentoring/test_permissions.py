"""Every mentoring URL, requested as anonymous, the mentee, another mentor, the mentor and a
coordinator (issue #8): each denial is a 404, 403 or a redirect to sign in, no other
person's data appears, and a URL added without an entry here fails the test."""

import datetime as dt

import pytest
from django.utils import timezone

from lms import roles
from mentoring import services
from mentoring.models import MentoringSession
from tests.factories import UserFactory
from tests.mentoring.helpers import active_pair, mentee, mentor, programme
from tests.url_names import url_names_starting_with

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]

SECRET_NOTE = "内密：家庭の事情で疲れている"
SECRET_REASON = "先輩とは話しにくい"

# url name -> (method, who may use it); "pair" means the pair's mentor and mentee.
MATRIX = {
    "mentoring:home": ("get", {"mentor", "mentee", "other_mentor", "coordinator"}),
    "mentoring:pair": ("get", {"mentor", "mentee"}),
    "mentoring:log": ("get", {"mentor"}),
    "mentoring:meeting_new": ("get", {"mentor"}),
    "mentoring:change": ("get", {"mentee"}),
    "mentoring:meeting_cancel": ("post", {"mentor", "mentee"}),
    "mentoring:meeting_ics": ("get", {"mentor", "mentee"}),
    "mentoring:confirm": ("post", {"mentee"}),
    "mentoring_alerts": ("get", {"coordinator"}),
    "mentoring_alert_acknowledge": ("post", {"coordinator"}),
    "mentoring_reports": ("get", {"coordinator"}),
    "mentoring_programme_report": ("get", {"coordinator"}),
    "mentoring_programme": ("get", {"coordinator"}),
    "mentoring_suggest_all": ("post", {"coordinator"}),
    "mentoring_confirm_all": ("post", {"coordinator"}),
    "mentoring_candidates": ("get", {"coordinator"}),
    "mentoring_propose": ("post", {"coordinator"}),
    "mentoring_draft_decide": ("post", {"coordinator"}),
    "mentoring_pair": ("get", {"coordinator"}),
    "mentoring_pair_status": ("post", {"coordinator"}),
}


def test_every_mentoring_url_is_in_the_matrix():
    assert url_names_starting_with("mentoring:", "mentoring_") == set(MATRIX)


@pytest.fixture
def world(role_user):
    prog = programme()
    the_mentor, other = mentor("正 先輩"), mentor("別 先輩")
    the_mentee = mentee(prog, "当事 花子")
    pair = active_pair(prog, the_mentor, the_mentee)
    other_pair = active_pair(prog, other, mentee(prog, "他人 太郎"))
    session = services.session_log(
        pair=pair,
        by=the_mentor.user,
        data={
            "date": timezone.localdate(),
            "duration_minutes": 60,
            "mode": "online",
            "notes": SECRET_NOTE,
            "mentor_load": 4,
        },
    )
    meeting = services.meeting_schedule(
        pair=pair,
        by=the_mentor.user,
        starts_at=timezone.now() + dt.timedelta(days=2),
        minutes=60,
        mode="online",
    )
    services.change_request(pair=pair, by=the_mentee.user, reason=SECRET_REASON)
    waiting = mentee(prog, "待機 次郎")
    return {
        "people": {
            "anonymous": None,
            "mentor": the_mentor.user,
            "mentee": the_mentee.user,
            "other_mentor": other.user,
            "coordinator": role_user(roles.COORDINATORS, is_staff=True),
        },
        "kwargs": {
            "pair_id": pair.pk,
            "meeting_id": meeting.pk,
            "session_id": session.pk,
            "programme_id": prog.pk,
            "user_id": waiting.user_id,
        },
        "pair": pair,
        "other_pair": other_pair,
    }


def _url(name, kwargs, draft_id):
    from django.urls import reverse

    pattern_kwargs = {
        "mentoring:pair": ["pair_id"],
        "mentoring:log": ["pair_id"],
        "mentoring:meeting_new": ["pair_id"],
        "mentoring:change": ["pair_id"],
        "mentoring:meeting_cancel": ["meeting_id"],
        "mentoring:meeting_ics": ["meeting_id"],
        "mentoring:confirm": ["session_id"],
        "mentoring_programme_report": ["programme_id"],
        "mentoring_programme": ["programme_id"],
        "mentoring_suggest_all": ["programme_id"],
        "mentoring_confirm_all": ["programme_id"],
        "mentoring_candidates": ["programme_id", "user_id"],
        "mentoring_propose": ["programme_id", "user_id"],
        "mentoring_draft_decide": ["pair_id"],
        "mentoring_pair": ["pair_id"],
        "mentoring_pair_status": ["pair_id"],
    }.get(name, [])
    values = {k: kwargs[k] for k in pattern_kwargs}
    if name == "mentoring_draft_decide":
        values["pair_id"] = draft_id
    return reverse(name, kwargs=values)


@pytest.mark.parametrize("who", ["anonymous", "mentee", "other_mentor", "mentor", "coordinator"])
def test_each_person_reaches_only_what_is_theirs(client, world, who):
    from mentoring.models import Pair

    person = world["people"][who]
    if person:
        client.force_login(person)
    draft = Pair.objects.create(
        programme=world["pair"].programme,
        mentor=world["other_pair"].mentor,
        mentee=UserFactory(),
        status="proposed",
    )
    for name, (method, allowed) in MATRIX.items():
        url = _url(name, world["kwargs"], draft.pk)
        data = (
            {
                "key": "x",
                "decision": "discard",
                "status": "paused",
                "mentor": world["pair"].mentor_id,
            }
            if method == "post"
            else None
        )
        response = getattr(client, method)(url, data or {})
        body = response.content.decode(errors="replace")
        if who in allowed:
            assert response.status_code in (200, 302), (who, name, response.status_code)
        elif who == "anonymous":
            assert response.status_code == 302 and "login" in response["Location"], (
                name,
                response.status_code,
            )
        elif name.startswith("mentoring_"):
            # Wagtail's admin turns "permission denied" into a redirect to the dashboard.
            assert response.status_code in (302, 403), (who, name, response.status_code)
            if response.status_code == 302:
                assert response["Location"] in (
                    "/admin/",
                    "/accounts/login/?next=" + url,
                ) or response["Location"].startswith("/accounts/login/"), (who, name)
        else:
            assert response.status_code == 404, (who, name, response.status_code)
        if who not in ("mentor", "coordinator"):
            assert SECRET_NOTE not in body, (who, name)
        if who != "coordinator" and who != "mentee":
            assert SECRET_REASON not in body, (who, name)
        # Names of other people's pairs: only the people in them and coordinators.
        if who not in ("other_mentor", "coordinator"):
            assert "他人 太郎" not in body, (who, name)
        if who in ("anonymous", "other_mentor"):
            assert "当事 花子" not in body, (who, name)


def test_the_mentor_load_is_shown_to_coordinators_only(client, world):
    client.force_login(world["people"]["mentor"])
    page = client.get(f"/mentoring/pairs/{world['pair'].pk}/").content.decode()
    assert SECRET_NOTE in page
    assert "4 –" not in page and "負担" not in page
    client.force_login(world["people"]["coordinator"])
    admin = client.get(f"/admin/mentoring/pairs/{world['pair'].pk}/").content.decode()
    assert SECRET_NOTE in admin and SECRET_REASON in admin
    assert MentoringSession.objects.get(pair=world["pair"]).mentor_load == 4
