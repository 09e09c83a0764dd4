"""factory_boy factories for the core and site content."""

import datetime as dt

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from cms.models import Activity, HomePage, Organisation
from courses.models import (
    CourseIndexPage,
    CoursePage,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    RunSeatPool,
    Session,
    Venue,
)
from lms.models import Municipality, OrganisationType, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.jp")
    full_name = factory.Sequence(lambda n: f"兵庫 花子{n}")
    full_name_kana = "ひょうご はなこ"
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        obj.save()
        if create and extracted is not False:
            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"つながり団体{n}")
    name_kana = factory.Sequence(lambda n: f"つながりだんたい{n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    organisation_type = factory.LazyFunction(lambda: OrganisationType.objects.get(name="NPO法人"))
    municipality = factory.LazyFunction(lambda: Municipality.objects.get(code="282014"))
    description = "地域の居場所づくりに取り組んでいます。"


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    organisation = factory.SubFactory(OrganisationFactory)
    title = "ふれあいサロン"
    schedule = "毎月第2水曜日 13:30〜15:00"


def add_page(parent, page, *, publish: bool = True):
    """Add ``page`` under ``parent`` (a Wagtail page) and publish it, as an editor would;
    with ``publish=False`` it stays a draft that visitors cannot see."""
    if not publish:
        page.live = False
    parent.add_child(instance=page)
    if publish:
        page.save_revision().publish()
        page.refresh_from_db()
    return page


class _PageFactory(factory.django.DjangoModelFactory):
    """Pages go into the tree and are published: ``XFactory(parent=page, publish=False)``."""

    class Meta:
        abstract = True

    @classmethod
    def default_parent(cls):
        """Where pages go when no ``parent`` is given; each concrete factory says."""
        raise TypeError(f"{cls.__name__} needs a parent page: pass parent=...")

    @classmethod
    def _create(cls, model_class, *args, parent=None, publish=True, **kwargs):
        return add_page(
            parent or cls.default_parent(), model_class(*args, **kwargs), publish=publish
        )


class CourseIndexPageFactory(_PageFactory):
    class Meta:
        model = CourseIndexPage

    title = "研修・講座"
    slug = "courses"

    @classmethod
    def default_parent(cls):
        home = HomePage.objects.first()
        if home is None:
            raise ValueError("Build the site first (the home_page fixture) or pass parent=.")
        return home


class CoursePageFactory(_PageFactory):
    """A published course; without ``parent`` it goes under the existing catalogue page (made
    under the home page if there is none).  Pass ``fields=[...]``/``target_professions=[...]``."""

    class Meta:
        model = CoursePage

    title = factory.Sequence(lambda n: f"多職種合同研修 第{n}回")
    slug = factory.Sequence(lambda n: f"course-{n}")
    summary = "福祉・医療・地域の支援者が職種を越えて学び合う研修です。"

    @classmethod
    def default_parent(cls):
        return CourseIndexPage.objects.first() or CourseIndexPageFactory()


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"つながりセンター{n}")
    address = "兵庫県姫路市安田4丁目1番地"
    municipality = factory.LazyFunction(lambda: Municipality.objects.get(code="282014"))


class CourseRunFactory(factory.django.DjangoModelFactory):
    """A scheduled run open for enrolment now: the window opened yesterday and closes in two
    weeks, the run starts after that and ends in a month; 20 seats."""

    class Meta:
        model = CourseRun

    course = factory.SubFactory(CoursePageFactory)
    title = factory.Sequence(lambda n: f"2026年度 第{n}期")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=15))
    ends_on = factory.LazyAttribute(lambda run: run.starts_on + dt.timedelta(days=15))
    capacity = 20
    enrolment_opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    enrolment_closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=14))


class RunSeatPoolFactory(factory.django.DjangoModelFactory):
    """Seats of a run reserved for some professions: pass ``professions=[...]``."""

    class Meta:
        model = RunSeatPool
        skip_postgeneration_save = True

    run = factory.SubFactory(CourseRunFactory)
    name = factory.Sequence(lambda n: f"優先枠{n}")
    seats = 2

    @factory.post_generation
    def professions(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.professions.set(extracted)
            obj.save()  # a ParentalManyToManyField is written when its object is saved


class SessionFactory(factory.django.DjangoModelFactory):
    """An in-person session from 10:00 to 12:00 (Asia/Tokyo) on the run's first day."""

    class Meta:
        model = Session

    run = factory.SubFactory(CourseRunFactory)
    title = factory.Sequence(lambda n: f"第{n}回 講義とグループワーク")
    starts_at = factory.LazyAttribute(
        lambda session: timezone.make_aware(dt.datetime.combine(session.run.starts_on, dt.time(10)))
    )
    ends_at = factory.LazyAttribute(lambda session: session.starts_at + dt.timedelta(hours=2))
    venue = factory.SubFactory(VenueFactory)


class EnrolmentFactory(factory.django.DjangoModelFactory):
    """A confirmed seat; waiting-list and offered places get their timestamps."""

    class Meta:
        model = Enrolment

    run = factory.SubFactory(CourseRunFactory)
    user = factory.SubFactory(UserFactory)
    status = EnrolmentStatus.ENROLLED
    waitlisted_at = factory.LazyAttribute(
        lambda e: timezone.now() if e.status == EnrolmentStatus.WAITLISTED else None
    )
    offer_expires_at = factory.LazyAttribute(
        lambda e: (
            timezone.now() + dt.timedelta(hours=e.run.offer_hours)
            if e.status == EnrolmentStatus.OFFERED
            else None
        )
    )


def plain_message(recipient: str) -> dict:
    """A rendered plain-text notice (what ``notification_queue_all`` takes) for ``recipient``."""
    from lms.notifications import rendered_message

    return rendered_message(
        recipient=recipient,
        subject="研修のお知らせ",
        body_text="本文",
        template="tests/email/plain",
        language="ja",
    )
