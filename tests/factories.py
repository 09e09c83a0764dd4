"""factory_boy factories for the core and site content."""

import factory
from allauth.account.models import EmailAddress

from cms.models import Activity, Organisation
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
