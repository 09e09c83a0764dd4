"""A new installation gets its home page from `manage.py setup_site`, without demo data."""

import pytest
from django.core.management import call_command
from wagtail.models import Page, Site

from cms.models import HomePage, Organisation
from lms.models import User


@pytest.mark.django_db
def test_setup_site_replaces_wagtails_welcome_page_with_our_home_page(client):
    call_command("setup_site", hostname="academy.example.jp", port=443)

    site = Site.objects.get(is_default_site=True)
    home = site.root_page.specific
    assert isinstance(home, HomePage)
    assert (site.hostname, site.port) == ("academy.example.jp", 443)
    assert home.hero_title == "すべての人に居場所がある、兵庫へ"
    assert len(home.pillars) == 3
    assert not Page.objects.filter(depth=2).exclude(pk=home.pk).exists()
    privacy = home.get_children().live().get(slug="privacy")
    assert privacy.title == "個人情報の取扱いについて"
    assert client.get("/privacy/").status_code == 200
    # Only the structure: no demo organisations or accounts.
    assert not Organisation.objects.exists()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_setup_site_twice_changes_nothing():
    call_command("setup_site")
    home_ids = list(HomePage.objects.values_list("pk", flat=True))
    call_command("setup_site")
    assert list(HomePage.objects.values_list("pk", flat=True)) == home_ids
    assert Site.objects.count() == 1
