"""The project's URL names, for permission matrices that must list every URL of an area: a
view added without an entry in its matrix fails the matrix's first test."""

from django.urls import URLPattern, URLResolver, get_resolver


def url_names_starting_with(*prefixes: str) -> set[str]:
    """Every named URL (``namespace:name`` for namespaced ones) starting with one of
    ``prefixes``, found by walking the whole resolver."""
    names = set()

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                full = f"{namespace}{pattern.name}"
                if full.startswith(prefixes):
                    names.add(full)

    walk(get_resolver().url_patterns)
    return names
