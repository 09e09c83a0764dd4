"""Security headers and cookies with the production settings (issue 10, item 5), and a scan of
every template for inline scripts, event-handler attributes and inline styles, which the
Content-Security-Policy would block (so a future one fails here, not in a visitor's browser).

The security settings are read from ``lms.settings`` started with ``DJANGO_ENV=production`` in a
subprocess (as tests/test_settings.py does for ``check --deploy``), then applied to this test
process, so the pages are built by the same code with the same fixtures as every other test.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.utils import timezone

from tests.factories import (
    CourseIndexPageFactory,
    CoursePageFactory,
    CourseRunFactory,
    EnrolmentFactory,
    SessionFactory,
    UserFactory,
)
from tests.test_settings import _manage, _random_key

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ONE_YEAR = 365 * 24 * 60 * 60
VIDEO_ORIGINS = {"https://www.youtube.com", "https://player.vimeo.com"}
HTTPS = {"HTTP_X_FORWARDED_PROTO": "https"}  # as the proxy in front of the site sends it

SECURITY_SETTING_PREFIXES = (
    "SECURE_",
    "SESSION_COOKIE_",
    "CSRF_COOKIE_",
    "CONTENT_SECURITY_POLICY",
    "CSP_",
)


@pytest.fixture(scope="module")
def production_security_settings(tmp_path_factory) -> dict:
    """Every security-related setting as lms.settings computes it in production."""
    script = (
        "import json; from django.conf import settings as s; "
        f"names = [n for n in dir(s) if n.startswith({SECURITY_SETTING_PREFIXES!r}) "
        "or n in ('X_FRAME_OPTIONS', 'MIDDLEWARE')]; "
        "print(json.dumps({n: getattr(s, n) for n in names}))"
    )
    result = _manage(
        tmp_path_factory.mktemp("production"),
        "shell",
        "-c",
        script,
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=_random_key(),
        ALLOWED_HOSTS="example.jp",
        EMAIL_HOST="smtp.example.jp",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.splitlines()[-1])
    assert values["SECURE_SSL_REDIRECT"] is True  # really the production branch
    return values


@pytest.fixture
def production(settings, production_security_settings):
    for name, value in production_security_settings.items():
        setattr(settings, name, tuple(value) if name == "SECURE_PROXY_SSL_HEADER" else value)
    return settings


def directives(header: str) -> dict[str, list[str]]:
    """``{"script-src": ["'self'"], ...}`` from a Content-Security-Policy header."""
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0].lower()] = words[1:]
    return parsed


@pytest.fixture
def key_pages(home_page):
    course = CoursePageFactory(parent=CourseIndexPageFactory(parent=home_page))
    return {
        "home": "/",
        "course": course.url,
        "login": "/accounts/login/",
        "health": "/health/",
    }


# --- Headers --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["home", "course", "login", "health"])
def test_key_pages_carry_the_security_headers_in_production(production, client, key_pages, page):
    response = client.get(key_pages[page], **HTTPS)

    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', 'unsafe-eval', hosts, nonces
    assert policy["style-src"] == ["'self'"]
    assert set(policy["img-src"]) == {"'self'", "data:"}
    assert set(policy["frame-src"]) <= VIDEO_ORIGINS
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "Content-Security-Policy-Report-Only" not in response

    hsts = response["Strict-Transport-Security"]
    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))
    assert max_age >= ONE_YEAR
    assert "includeSubDomains" in hsts
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_plain_http_is_sent_to_https_in_production(production, client, key_pages):
    response = client.get(key_pages["course"])

    assert response.status_code == 301
    assert response["Location"].startswith("https://")


@pytest.mark.django_db
def test_the_csrf_and_session_cookies_are_secure_in_production(production, client, key_pages):
    login_page = client.get(key_pages["login"], **HTTPS)
    csrf = login_page.cookies["csrftoken"]
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"

    person = UserFactory()
    signed_in = client.post(
        key_pages["login"],
        {"login": person.email, "password": "correct-horse-battery"},
        **HTTPS,
    )
    assert signed_in.status_code == 302
    session = signed_in.cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


@pytest.mark.django_db
def test_only_the_admin_interfaces_get_the_relaxed_policy(production, client, home_page):
    admin = directives(client.get("/admin/", **HTTPS)["Content-Security-Policy"])
    django_admin = directives(client.get("/django-admin/", **HTTPS)["Content-Security-Policy"])
    lookalike = directives(client.get("/administration/", **HTTPS)["Content-Security-Policy"])

    for policy in (admin, django_admin):
        assert "'unsafe-inline'" in policy["script-src"]
        assert "'unsafe-eval'" not in policy["script-src"]
        assert policy["frame-ancestors"] == ["'self'"]  # Wagtail's preview panel
        assert policy["object-src"] == ["'none'"]
    assert lookalike["script-src"] == ["'self'"]
    assert lookalike["frame-ancestors"] == ["'none'"]


@pytest.mark.django_db
def test_my_learning_allows_forms_to_reach_only_the_meeting_of_a_session_open_to_join(
    client, home_page
):
    """Join online posts to us and is redirected to the meeting; browsers check form-action
    on that redirect, so exactly that host is allowed on that page, and nothing else."""
    now = timezone.now()
    run = CourseRunFactory(
        starts_on=timezone.localdate(), ends_on=timezone.localdate() + dt.timedelta(days=1)
    )
    SessionFactory(
        run=run,
        venue=None,
        modality="online",
        online_url="https://meet.example.jp/room-7?pwd=abc",
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=1),
    )
    SessionFactory(  # next week: its join button is not shown yet
        run=run,
        venue=None,
        modality="online",
        online_url="https://later.example.jp/room",
        starts_at=now + dt.timedelta(days=7),
        ends_at=now + dt.timedelta(days=7, hours=1),
    )
    participant = EnrolmentFactory(run=run).user
    bystander = UserFactory()

    client.force_login(participant)
    mine = client.get("/learning/")
    client.force_login(bystander)
    theirs = client.get("/learning/")

    assert mine.status_code == theirs.status_code == 200
    assert "/join/" in mine.content.decode()
    assert directives(mine["Content-Security-Policy"])["form-action"] == [
        "'self'",
        "https://meet.example.jp",
    ]
    assert directives(theirs["Content-Security-Policy"])["form-action"] == ["'self'"]


# --- Templates ------------------------------------------------------------------------------

TEMPLATE_DIRS = [PROJECT_ROOT / "templates", *PROJECT_ROOT.glob("[!.]*/templates")]
# Templates never served to a browser under our policy, each with the reason.
NOT_SERVED = {
    "certificates/pdf.html": "rendered to a PDF by WeasyPrint; its <style> never reaches a browser",
}
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}  # data, never run
TEMPLATE_SYNTAX = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.DOTALL)


class _InlineCodeFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes:
            if (attributes.get("type") or "").lower() not in DATA_SCRIPT_TYPES:
                self.problems.append(f"line {line}: inline <script> without src")
        if tag == "style":
            self.problems.append(f"line {line}: <style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"line {line}: event handler attribute {name}=")
            elif name == "style":
                self.problems.append(f"line {line}: style= attribute")
            elif (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"line {line}: javascript: URL in {name}=")


def inline_code_problems(source: str) -> list[str]:
    """What in an HTML template the site's Content-Security-Policy would block."""
    # Template tags become a space so `<a {% if x %}class="y"{% endif %}>` parses as HTML.
    finder = _InlineCodeFinder()
    finder.feed(TEMPLATE_SYNTAX.sub(lambda m: " " + "\n" * m.group(0).count("\n"), source))
    finder.close()
    return finder.problems


def _templates() -> list[tuple[str, Path]]:
    found = []
    for directory in TEMPLATE_DIRS:
        for path in sorted(directory.rglob("*.html")):
            found.append((path.relative_to(directory).as_posix(), path))
    return found


def test_the_template_scan_covers_every_template_and_each_exception_exists():
    names = {name for name, _path in _templates()}
    assert len(names) > 100
    assert {"base.html", "500.html", "lessons/lesson_page.html"} <= names
    assert set(NOT_SERVED) <= names


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        "<script type='text/javascript'>x()</script>",
        '<button onclick="go()">Go</button>',
        '<body onLoad="go()">',
        '<p style="color: red">',
        '<div {% if x %}style="display:none"{% endif %}>',
        "<style>p { color: red }</style>",
        '<a href="javascript:go()">Go</a>',
    ],
)
def test_the_template_scan_finds_inline_code(snippet):
    assert inline_code_problems("{% load static %}<main>" + snippet + "</main>")


@pytest.mark.parametrize(
    "snippet",
    [
        "<script src=\"{% static 'js/roster.js' %}\" defer></script>",
        '<script type="application/json" id="data">{"a": 1}</script>',
        '<a class="button" href="{% url \'x\' %}" data-style="plain">ok</a>',
    ],
)
def test_the_template_scan_lets_external_scripts_and_data_through(snippet):
    assert inline_code_problems(snippet) == []


def test_no_template_has_inline_scripts_event_handlers_or_inline_styles():
    problems = {}
    for name, path in _templates():
        if name in NOT_SERVED:
            continue
        found = inline_code_problems(path.read_text(encoding="utf-8"))
        if found:
            problems[name] = found
    assert problems == {}, (
        "Move scripts to static/js and styles to static/css (the Content-Security-Policy "
        f"blocks inline ones): {problems}"
    )
