"""The demo opportunities: the canteen asks for the orientation, the disaster drill for
nobody in particular and has three applicants in different states.  Loading twice changes
nothing."""

import pytest

from cms.demo import load_demo_content
from courses.models import CourseKind
from opportunities.demo import CANTEEN, DRILL, load_demo_opportunities
from opportunities.models import HoursLog, Opportunity, OpportunityApplication

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int]:
    return (
        Opportunity.objects.count(),
        OpportunityApplication.objects.count(),
        HoursLog.objects.count(),
    )


def test_the_demo_opportunities_load_once():
    load_demo_content()
    load_demo_opportunities()
    first = _counts()
    load_demo_opportunities()

    assert _counts() == first == (2, 3, 1)
    canteen = Opportunity.objects.get(title=CANTEEN)
    assert canteen.required_course_kind == CourseKind.ORIENTATION
    assert canteen.organisation.slug == "himeji-kodomo-shokudo"
    assert canteen.activity.title == "みんなの食堂"
    drill = Opportunity.objects.get(title=DRILL)
    assert not drill.requires_training
    assert sorted(drill.applications.values_list("status", flat=True)) == [
        "accepted",
        "applied",
        "waitlisted",
    ]
    assert HoursLog.objects.get().status == "pending"
