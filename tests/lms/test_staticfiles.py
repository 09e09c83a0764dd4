"""Static file URLs worked out once per process (lms.staticfiles): the same URL as Django's
storage gives, asked for again without asking the storage again, and a new one when
STATIC_URL changes."""

import uuid

from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from django.test import override_settings

from lms import staticfiles


def test_the_url_is_djangos_and_worked_out_once(monkeypatch):
    assert isinstance(staticfiles_storage._wrapped, staticfiles.StaticFilesStorage)
    first = static("css/site.css")
    asked = []
    real = staticfiles.storage.StaticFilesStorage.url

    def counting(self, name):
        asked.append(name)
        return real(self, name)

    monkeypatch.setattr(staticfiles.storage.StaticFilesStorage, "url", counting)

    assert first == "/static/css/site.css"
    assert static("css/site.css") == first
    assert asked == []
    new = f"css/{uuid.uuid4().hex}.css"  # asked for by no other test in this process
    assert static(new) == f"/static/{new}"
    assert asked == [new]


def test_a_new_static_url_gives_new_urls():
    assert static("css/site.css") == "/static/css/site.css"
    with override_settings(STATIC_URL="https://cdn.example.jp/static/"):
        assert static("css/site.css") == "https://cdn.example.jp/static/css/site.css"
    assert static("css/site.css") == "/static/css/site.css"


def test_names_beyond_the_limit_are_not_kept(monkeypatch):
    monkeypatch.setattr(staticfiles, "MOST_URLS_KEPT", 0)
    storage = staticfiles.StaticFilesStorage()

    assert storage.url("css/site.css") == "/static/css/site.css"
    assert storage.__dict__["_kept_urls"] == {}
