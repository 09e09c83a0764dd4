"""The platform office's contact details, edited in the admin, appear in every page's footer."""

import pytest

from cms.models import PlatformOffice
from lms import roles

pytestmark = pytest.mark.django_db


def test_footer_shows_the_office_contact_once_it_is_filled_in(client, home_page):
    assert "<address>" not in client.get("/").content.decode()

    office = PlatformOffice.load()
    office.name = "県PF事務局"
    office.email = "office@example.jp"
    office.phone = "078-000-0000"
    office.save()

    page = client.get("/").content.decode()
    assert '<span lang="ja">県PF事務局</span>' in page
    assert 'href="mailto:office@example.jp"' in page
    assert 'href="tel:078-000-0000"' in page


def test_coordinators_edit_the_office_contact_in_the_admin(client, home_page, role_user):
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))

    response = client.get("/admin/settings/cms/platformoffice/", follow=True)

    assert response.status_code == 200
    assert 'name="email"' in response.content.decode()
