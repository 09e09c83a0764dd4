"""A shared version bumped only once each writing transaction commits
(``lms.versioned.SharedVersion(after_commit=True)``): never inside the transaction (with the
database cache that would lock its row until the commit), once however many changes, and not
trusted by the transaction that changed its sources before it commits."""

import pytest

from lms import pagecache
from lms.versioned import SharedVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(monkeypatch):
    monkeypatch.setattr(pagecache, "_VERSION_KEYS", list(pagecache._VERSION_KEYS))
    return SharedVersion("test-after-commit", (), seconds=60, after_commit=True)


def test_changes_bump_it_once_after_the_commit_and_are_not_trusted_before(
    version, django_capture_on_commit_callbacks, monkeypatch
):
    bumps = []
    real_bump = version.bump
    monkeypatch.setattr(version, "bump", lambda: bumps.append("bumped") or real_bump())
    built = []

    def build():
        built.append("built")
        return len(built)

    assert version.kept("value", build) == 1
    assert version.kept("value", build) == 1
    before = version.current()

    with django_capture_on_commit_callbacks() as callbacks:
        for _ in range(3):
            version.changed(using="default")
        assert bumps == []  # nothing written to the shared cache inside the transaction
        assert version.written_here()
        assert version.kept("value", build) == 2  # its own changes: built afresh, not kept
        assert version.current() == before
    for callback in callbacks:
        callback()
    assert bumps == ["bumped"]

    assert not version.written_here()
    assert version.current() != before
    assert version.kept("value", build) == 3
    assert version.kept("value", build) == 3
