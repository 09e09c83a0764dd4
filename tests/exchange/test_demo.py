"""The demo exchange: a case report with fields and a comment from another organisation's
member, a resource with a link, a resource with a small text file, and a notice from the
secretariat, made by existing demo accounts (no new users).  Loading twice changes nothing."""

import pytest

from cms.demo import load_demo_content
from exchange.demo import CASE_REPORT, CHECKLIST, NOTICE, RESOURCE, load_demo_exchange
from exchange.models import Attachment, Comment, Notice, Post
from lms.models import User
from organisations.models import Membership
from tests.exchange.conftest import files_on_disk

pytestmark = pytest.mark.django_db


def _counts() -> tuple:
    return (
        Post.objects.count(),
        Comment.objects.count(),
        Attachment.objects.count(),
        Notice.objects.count(),
        Membership.objects.count(),
        User.objects.count(),
    )


def test_the_demo_exchange_loads_once(private_files):
    load_demo_content()
    first = _counts()
    users_before_exchange = first[-1]
    load_demo_exchange()
    load_demo_content()

    assert _counts() == first
    assert first[:4] == (3, 1, 1, 1)
    assert User.objects.count() == users_before_exchange
    report = Post.objects.get(title=CASE_REPORT)
    assert report.kind == "case_report" and report.fields.count() == 3
    assert report.organisation.slug == "himeji-kodomo-shokudo"
    comment = report.comments.get()
    assert comment.author.memberships.get().organisation.slug == "kobe-chuo-shakyo"
    assert Post.objects.get(title=RESOURCE).link.startswith("https://")
    attachment = Post.objects.get(title=CHECKLIST).attachments.get()
    assert attachment.content_type == "text/plain"
    assert "衛生管理" in attachment.file.read().decode()
    assert len(files_on_disk(private_files)) == 1
    assert Notice.objects.get(title=NOTICE).posted_by.email == "coordinator@demo.hyogo.example"
