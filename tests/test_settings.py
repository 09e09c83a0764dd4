"""lms.settings in production: `check --deploy` is clean, and unsafe configurations refuse to start."""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _random_key(length: int = 60) -> str:
    alphabet = string.ascii_letters + string.digits + "!#%&()*+-./:;<=>?@[]^_{|}~"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _manage(tmp_path: Path, *args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "EMAIL_", "SECURE_"))
        and key not in {"DATABASE_URL", "ALLOWED_HOSTS", "REDIS_URL", "SITE_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_DATA_DIR=str(tmp_path),
        PYTHONDONTWRITEBYTECODE="1",
        **env_overrides,
    )
    env = {key: value for key, value in env.items() if value is not None}
    return subprocess.run(  # noqa: S603 - fixed arguments, our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_settings_production_passes_check_deploy_without_warnings(tmp_path):
    result = _manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=_random_key(),
        ALLOWED_HOSTS="example.jp",
        EMAIL_HOST="smtp.example.jp",
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr and "security.W" not in result.stderr


def test_settings_production_health_check_answers_over_plain_http(tmp_path):
    """Everything else redirects to HTTPS; the load balancer's check of /health/ must not."""
    script = (
        "from django.test import Client; c = Client(HTTP_HOST='example.jp'); "
        "print(c.get('/health/').status_code, c.get('/courses/').status_code)"
    )
    result = _manage(
        tmp_path,
        "shell",
        "-c",
        script,
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=_random_key(),
        ALLOWED_HOSTS="example.jp",
        EMAIL_HOST="smtp.example.jp",
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert result.stdout.split()[-2:] == ["200", "301"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "too-short"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "django-insecure-" + "x" * 60}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "KEY", "EMAIL_HOST": None}, "EMAIL_HOST"),
    ],
    ids=["no-key", "short-key", "insecure-key", "console-email"],
)
def test_settings_production_refuses_to_start_when_unsafe(tmp_path, overrides, message):
    env = {
        "DJANGO_ENV": "production",
        "ALLOWED_HOSTS": "example.jp",
        "EMAIL_HOST": "smtp.example.jp",
    }
    env.update(overrides)
    if env.get("DJANGO_SECRET_KEY") == "KEY":
        env["DJANGO_SECRET_KEY"] = _random_key()

    result = _manage(tmp_path, "check", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_settings_reject_an_unknown_environment_name(tmp_path):
    result = _manage(tmp_path, "check", DJANGO_ENV="staging")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_ENV" in result.stderr


@pytest.mark.parametrize(
    ("redis_url", "expected"),
    [
        (None, {"orm": "default", "redis": None}),
        ("redis://127.0.0.1:6379/0", {"orm": None, "redis": "redis://127.0.0.1:6379/0"}),
    ],
)
def test_settings_task_broker_is_the_database_unless_redis_is_configured(
    tmp_path, redis_url, expected
):
    code = (
        "from django.conf import settings as s; q = s.Q_CLUSTER; "
        "print(q.get('orm'), q.get('redis'), q['retry'] > q['timeout'], q['catch_up'], q['max_attempts'])"
    )
    env = {"REDIS_URL": redis_url} if redis_url else {}
    result = _manage(tmp_path, "shell", "-c", code, **env)

    assert result.returncode == 0, result.stderr
    # The last line: `shell` may print a note about automatic imports first.
    orm, redis, retry_above_timeout, catch_up, max_attempts = result.stdout.splitlines()[-1].split()
    assert orm == str(expected["orm"])
    assert redis == str(expected["redis"])
    assert (retry_above_timeout, catch_up) == ("True", "False")
    assert int(max_attempts) > 0


def test_settings_error_reports_go_to_the_configured_admins_only(tmp_path):
    code = "from django.conf import settings as s; print(repr(s.ADMINS))"
    nobody = _manage(tmp_path, "shell", "-c", code)
    two = _manage(tmp_path, "shell", "-c", code, DJANGO_ADMINS="it@example.jp, ops@example.jp")

    assert nobody.stdout.splitlines()[-1] == "[]"
    assert two.stdout.splitlines()[-1] == "[('', 'it@example.jp'), ('', 'ops@example.jp')]"
