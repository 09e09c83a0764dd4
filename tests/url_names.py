"""The project's URLs, for permission matrices that must list every URL: a view added without
an entry in a matrix fails the matrix's first test (tests/test_permission_matrix.py checks the
whole project; each area matrix checks its own prefixes)."""

from __future__ import annotations

import sysconfig
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from django.apps import apps
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver


class ProjectURL(NamedTuple):
    name: str | None  # ``namespace:name`` for namespaced ones; None when the pattern has none
    route: str
    module: str  # where the view's code lives (the class's module for class-based views)


def _walk(patterns, namespace: str = "", prefix: str = "") -> Iterator[ProjectURL]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            callback = pattern.callback
            view = getattr(callback, "view_class", callback)
            yield ProjectURL(
                f"{namespace}{pattern.name}" if pattern.name else None,
                prefix + str(pattern.pattern),
                getattr(view, "__module__", "") or "",
            )


def all_urls(urlconf=None) -> list[ProjectURL]:
    """Every URL pattern of ``urlconf`` (the project's by default), ours and third parties'."""
    return list(_walk(get_resolver(urlconf).url_patterns))


def all_url_names(urlconf=None) -> set[str]:
    """Every named URL of the project, ours and third parties'."""
    return {url.name for url in all_urls(urlconf) if url.name}


def url_names_starting_with(*prefixes: str) -> set[str]:
    """Every named URL (``namespace:name`` for namespaced ones) starting with one of
    ``prefixes``, found by walking the whole resolver."""
    return {name for name in all_url_names() if name.startswith(prefixes)}


def our_packages() -> set[str]:
    """The top-level packages of the project's own apps: installed apps whose code lives in
    this repository rather than among the installed libraries."""
    base = Path(settings.BASE_DIR).resolve()
    libraries = Path(sysconfig.get_paths()["purelib"]).resolve()
    return {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base)
        and not Path(config.path).resolve().is_relative_to(libraries)
    }


def project_urls(urlconf=None) -> list[ProjectURL]:
    """The URLs whose view is our own code, wherever they are mounted: our apps' URLconfs, the
    top-level ones in lms/urls.py, and the Wagtail admin views our apps register through
    ``wagtail_hooks.py`` (or subclass, such as a snippet's delete view).  Third parties' views
    (Wagtail's own, allauth, Django's admin, i18n) are left out by the module of their code."""
    ours = our_packages()
    return [url for url in all_urls(urlconf) if url.module.split(".")[0] in ours]


def urls_missing_from(covered: set[str], urlconf=None) -> list[str]:
    """Our URLs that no matrix covers, as readable lines: a pattern without a name cannot be in
    a matrix, so it is always reported."""
    return [
        f"{url.name or '(unnamed)'}: /{url.route} ({url.module})"
        for url in project_urls(urlconf)
        if url.name is None or url.name not in covered
    ]
