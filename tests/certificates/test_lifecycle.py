"""Issuing on completion, exactly once, with sequential serials; revoking and reissuing;
the public verification page; the holder's download (issue #5)."""

import datetime as dt

import pytest
from django.utils import timezone

from certificates import services
from certificates.codes import grouped
from certificates.models import Certificate, CertificateStatus
from courses import services as course_services
from courses.models import CourseKind, EnrolmentStatus
from lms import roles
from tests.factories import (
    CoursePageFactory,
    CourseRunFactory,
    EnrolmentFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]


def completed(**user_fields):
    run = CourseRunFactory(course__title="ひきこもり支援の連携を考える事例検討会")
    return EnrolmentFactory(
        run=run, user=UserFactory(**user_fields), status=EnrolmentStatus.COMPLETED
    )


def test_completing_the_course_issues_the_certificate_once(django_capture_on_commit_callbacks):
    today = timezone.localdate()
    run = CourseRunFactory(starts_on=today - dt.timedelta(days=1), ends_on=today)
    starts_at = timezone.now() - dt.timedelta(days=1)
    session = SessionFactory(
        run=run, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=2)
    )
    enrolment = EnrolmentFactory(run=run)

    with django_capture_on_commit_callbacks(execute=True):
        course_services.attendance_record(enrolment=enrolment, session=session, status="present")
    with django_capture_on_commit_callbacks(execute=True):
        course_services.completion_evaluate_recent_runs()

    certificate = Certificate.objects.get()
    assert certificate.enrolment == enrolment
    assert certificate.learning_minutes == 120
    assert certificate.issued_by is None
    # The task again (a retry) returns the same certificate.
    from certificates.tasks import issue_certificate

    assert issue_certificate(enrolment.pk) == certificate.serial
    assert Certificate.objects.count() == 1


def test_serials_are_sequential_per_kind_and_year():
    year = timezone.localdate().year
    joint = [services.certificate_issue(enrolment=completed()) for _ in range(3)]
    other_course = CoursePageFactory(kind=CourseKind.ORIENTATION)
    orientation = services.certificate_issue(
        enrolment=EnrolmentFactory(
            run=CourseRunFactory(course=other_course), status=EnrolmentStatus.COMPLETED
        )
    )

    assert [c.serial for c in joint] == [
        f"HYOGO-{year}-JT-000001",
        f"HYOGO-{year}-JT-000002",
        f"HYOGO-{year}-JT-000003",
    ]
    assert orientation.serial == f"HYOGO-{year}-OR-000001"
    codes = {c.verification_code for c in [*joint, orientation]}
    assert len(codes) == 4 and all(len(code) == 28 for code in codes)


def test_no_automatic_certificate_without_completion_and_manual_needs_a_reason():
    enrolment = EnrolmentFactory(status=EnrolmentStatus.ENROLLED)
    staff = UserFactory(is_staff=True)

    with pytest.raises(services.CertificateError):
        services.certificate_issue(enrolment=enrolment)
    with pytest.raises(services.CertificateError):
        services.certificate_issue(enrolment=enrolment, by=staff, reason="  ")
    assert not Certificate.objects.exists()

    manual = services.certificate_issue(enrolment=enrolment, by=staff, reason="補講で修了を確認")
    assert (manual.issued_by, manual.issue_reason) == (staff, "補講で修了を確認")


def test_the_verification_page_says_valid_then_revoked(client):
    certificate = services.certificate_issue(enrolment=completed(full_name="山田 太郎"))
    url = f"/certificates/verify/{certificate.verification_code}/"

    page = client.get(url).content.decode()
    assert "有効な修了証です" in page and "山田 太郎" in page
    assert certificate.enrolment.user.email not in page  # nothing beyond what is printed

    services.certificate_revoke(
        certificate=certificate, by=UserFactory(is_staff=True), reason="受講記録の誤りのため"
    )
    page = client.get(url).content.decode()
    assert "取り消されました" in page and "受講記録の誤りのため" in page


def test_a_reissue_supersedes_the_old_certificate_and_links_to_the_new(client):
    enrolment = completed(full_name="佐藤 花子")
    old = services.certificate_issue(enrolment=enrolment)
    enrolment.user.full_name = "佐藤 華子"
    enrolment.user.save()

    new = services.certificate_reissue(
        certificate=old, by=UserFactory(is_staff=True), reason="氏名の誤字の訂正"
    )

    old.refresh_from_db()
    assert (old.status, old.superseded_by) == (CertificateStatus.SUPERSEDED, new)
    assert new.holder_name == "佐藤 華子" and new.serial != old.serial
    page = client.get(f"/certificates/verify/{old.verification_code}/").content.decode()
    assert f"/certificates/verify/{new.verification_code}/" in page
    with pytest.raises(services.CertificateError):
        services.certificate_reissue(certificate=old, by=UserFactory(), reason="二重")


def test_codes_are_found_however_they_are_typed(client):
    certificate = services.certificate_issue(enrolment=completed())
    typed = grouped(certificate.verification_code).lower().replace("0", "o")

    response = client.get("/certificates/verify/", {"code": f" {typed} "})

    assert response.status_code == 302
    assert response["Location"].endswith(f"/certificates/verify/{certificate.verification_code}/")


@pytest.mark.parametrize("code", ["0" * 28, "not-a-code", "<script>"])
def test_unknown_codes_reveal_nothing(client, code):
    services.certificate_issue(enrolment=completed())
    response = client.get(f"/certificates/verify/{code}/")
    assert response.status_code == 404
    assert "この番号の修了証はありません" in response.content.decode()


def test_verification_is_rate_limited(client, settings):
    settings.CERTIFICATE_VERIFY_PER_MINUTE = 3
    for _ in range(3):
        assert client.get("/certificates/verify/" + "0" * 28 + "/").status_code == 404
    assert client.get("/certificates/verify/" + "0" * 28 + "/").status_code == 429


def test_only_the_holder_and_staff_download_the_pdf(client, role_user):
    certificate = services.certificate_issue(enrolment=completed())
    url = f"/certificates/{certificate.serial}/download/"

    assert client.get(url).status_code == 302  # sign in first
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(certificate.enrolment.user)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    learning = client.get("/learning/").content.decode()
    assert url in learning
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))
    assert client.get(url).status_code == 200


def test_staff_issue_for_a_run_see_progress_revoke_and_download_a_zip(client, role_user):
    import io
    import zipfile

    run = CourseRunFactory()
    done = [EnrolmentFactory(run=run, status=EnrolmentStatus.COMPLETED) for _ in range(3)]
    waiting_for_hand = EnrolmentFactory(run=run)
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))
    url = f"/admin/certificates/runs/{run.pk}/"

    assert "修了した3人のうち0人" in client.get(url).content.decode()
    client.post(f"{url}issue/")
    client.post(f"{url}issue/")  # twice: still one each
    assert Certificate.objects.filter(enrolment__in=done).count() == 3

    client.post(
        f"/admin/certificates/enrolments/{waiting_for_hand.pk}/issue/", {"reason": "補講で修了"}
    )
    revoked = Certificate.objects.get(enrolment=done[0])
    client.post(f"/admin/certificates/{revoked.pk}/revoke/", {"reason": "記録の誤り"})
    revoked.refresh_from_db()
    assert revoked.status == CertificateStatus.VALID  # not confirmed: nothing happens
    client.post(
        f"/admin/certificates/{revoked.pk}/revoke/", {"reason": "記録の誤り", "confirm": "yes"}
    )
    revoked.refresh_from_db()
    assert revoked.status == CertificateStatus.REVOKED

    archive = zipfile.ZipFile(io.BytesIO(client.get(url, {"format": "zip"}).content))
    assert len(archive.namelist()) == 3  # the revoked one is not handed out again
    assert all(archive.read(name).startswith(b"%PDF") for name in archive.namelist())


def test_people_without_the_permission_cannot_manage_certificates(client, role_user):
    run = CourseRunFactory()
    EnrolmentFactory(run=run, status=EnrolmentStatus.COMPLETED)
    client.force_login(role_user(roles.CONTENT_EDITORS, is_staff=True))
    # Wagtail turns the refusal into a redirect to the dashboard with a message.
    assert client.get(f"/admin/certificates/runs/{run.pk}/").status_code in (302, 403)
    assert client.post(f"/admin/certificates/runs/{run.pk}/issue/").status_code in (302, 403)
    assert not Certificate.objects.exists()


def test_my_data_export_lists_my_certificates(client):
    import json

    certificate = services.certificate_issue(enrolment=completed())
    client.force_login(certificate.enrolment.user)

    data = json.loads(client.get("/profile/my-data/").content)

    assert [c["serial"] for c in data["certificates"]] == [certificate.serial]


def test_issuing_runs_a_fixed_number_of_queries_per_certificate(django_assert_num_queries):
    """Lock the enrolment, look for its current certificate, read the design, sum the
    attendance, take the serial (one statement), insert; then store the PDF (one UPDATE): 7,
    as the issuing task runs them.  Here the test's own transaction turns the issuing
    transaction into a savepoint and its release: 9.  The same for the first and the 300th."""
    enrolments = [completed() for _ in range(3)]
    with django_assert_num_queries(9):
        services.certificate_issue(enrolment=enrolments[0])
    with django_assert_num_queries(9):
        services.certificate_issue(enrolment_id=enrolments[1].pk)
    from certificates.models import SerialCounter

    SerialCounter.objects.update(last_number=299)
    with django_assert_num_queries(9):
        third = services.certificate_issue(enrolment=enrolments[2])
    assert third.serial.endswith("-000300")


def test_a_revoked_certificate_is_no_longer_downloaded_by_its_holder(client):
    certificate = services.certificate_issue(enrolment=completed())
    services.certificate_revoke(certificate=certificate, by=UserFactory(), reason="誤り")
    client.force_login(certificate.enrolment.user)

    assert client.get(f"/certificates/{certificate.serial}/download/").status_code == 404


def test_a_certificate_revoked_by_mistake_can_be_reissued():
    old = services.certificate_issue(enrolment=completed())
    services.certificate_revoke(certificate=old, by=UserFactory(), reason="誤って取り消し")

    new = services.certificate_reissue(certificate=old, by=UserFactory(), reason="取り消しの訂正")

    old.refresh_from_db()
    assert (old.status, old.superseded_by, old.revoked_reason) == (
        CertificateStatus.SUPERSEDED,
        new,
        "誤って取り消し",
    )
    assert new.status == CertificateStatus.VALID


def test_no_certificate_without_a_name_and_the_email_is_never_printed():
    enrolment = completed(full_name="")

    with pytest.raises(services.CertificateError) as refused:
        services.certificate_issue(enrolment=enrolment)

    assert enrolment.user.email in str(refused.value)  # told to staff, not printed
    assert not Certificate.objects.exists()


def test_pdfs_are_kept_in_private_storage_under_unguessable_names():
    from django.core.files.storage import storages

    certificate = services.certificate_issue(enrolment=completed())

    assert certificate.pdf.storage is storages["private"]
    assert certificate.pdf.name.startswith(f"certificates/{timezone.localdate().year}/")
    assert len(certificate.pdf.name.rsplit("-", 1)[-1]) == len("0123456789abcdef.pdf")


def test_withdrawing_revokes_and_anonymises_the_certificates(client):
    certificate = services.certificate_issue(enrolment=completed(full_name="削除 希望"))
    holder = certificate.enrolment.user
    pdf_name = certificate.pdf.name
    client.force_login(holder)

    response = client.post(
        "/profile/withdraw/", {"password": "correct-horse-battery", "confirm": "on"}
    )

    assert response.status_code == 302
    certificate.refresh_from_db()
    # The account is anonymised, not deleted: the completion still counts, nameless.
    assert certificate.enrolment.user.withdrawn_at is not None
    assert certificate.status == CertificateStatus.REVOKED
    assert "削除 希望" not in certificate.holder_name
    assert not certificate.pdf and not certificate.pdf.storage.exists(pdf_name)
    page = client.get(f"/certificates/verify/{certificate.verification_code}/").content.decode()
    assert "削除 希望" not in page and "取り消されました" in page


def test_a_failed_rendering_leaves_the_certificate_and_running_again_makes_its_pdf(
    client, monkeypatch
):
    from certificates import rendering
    from certificates.tasks import issue_certificate

    enrolment = completed()
    real_render = rendering.render_certificate_pdf

    def broken(certificate, **kwargs):
        raise OSError("font missing")

    monkeypatch.setattr(rendering, "render_certificate_pdf", broken)
    with pytest.raises(services.CertificatePdfError) as failed:
        issue_certificate(enrolment.pk)

    certificate = Certificate.objects.get()
    assert failed.value.certificate.pk == certificate.pk
    assert certificate.serial.endswith("-000001") and certificate.status == CertificateStatus.VALID
    assert not certificate.pdf and certificate.pdf_sha256 == ""
    # Verification shows what is recorded: the certificate is valid.
    page = client.get(f"/certificates/verify/{certificate.verification_code}/").content.decode()
    assert "有効な修了証です" in page and certificate.serial in page

    monkeypatch.setattr(rendering, "render_certificate_pdf", real_render)
    assert issue_certificate(enrolment.pk) == certificate.serial  # the task again
    certificate.refresh_from_db()
    assert Certificate.objects.count() == 1
    assert certificate.pdf and len(certificate.pdf_sha256) == 64
    with certificate.pdf.open("rb") as handle:
        assert handle.read().startswith(b"%PDF")
    # The next certificate of the kind takes the next number: none was skipped or reused.
    assert services.certificate_issue(enrolment=completed()).serial.endswith("-000002")


def test_the_periodic_job_makes_missing_pdfs_and_leaves_erased_ones_alone(monkeypatch):
    from certificates import rendering
    from certificates.tasks import render_missing_pdfs
    from lms.schedules import PERIODIC_JOBS

    assert ("certificate-pdfs", "certificates.tasks.render_missing_pdfs", 15) in PERIODIC_JOBS
    real_render = rendering.render_certificate_pdf
    monkeypatch.setattr(
        rendering, "render_certificate_pdf", lambda *a, **k: (_ for _ in ()).throw(OSError())
    )
    pending = [completed(), completed()]
    for enrolment in pending:
        with pytest.raises(services.CertificatePdfError):
            services.certificate_issue(enrolment=enrolment)
    erased = Certificate.objects.get(enrolment=pending[1])
    services.certificates_erase_for_holder(user=erased.enrolment.user)
    monkeypatch.setattr(rendering, "render_certificate_pdf", real_render)

    assert render_missing_pdfs() == 0  # issued just now: the issuing task may still be at it
    Certificate.objects.update(issued_at=timezone.now() - dt.timedelta(minutes=10))
    assert render_missing_pdfs() == 1

    made = Certificate.objects.get(enrolment=pending[0])
    erased.refresh_from_db()
    assert made.pdf and made.pdf_sha256
    assert not erased.pdf and erased.status == CertificateStatus.REVOKED


def test_storing_twice_keeps_the_first_pdf_and_deletes_the_second():
    certificate = services.certificate_issue(enrolment=completed())
    first = certificate.pdf.name
    storage, folder = certificate.pdf.storage, first.rsplit("/", 1)[0]
    files_before = set(storage.listdir(folder)[1])
    stale = Certificate.objects.get(pk=certificate.pk)
    stale.pdf = ""  # a second renderer that read the row before the PDF was stored

    services.certificate_store_pdf(stale)

    certificate.refresh_from_db()
    assert certificate.pdf.name == first == stale.pdf.name
    assert set(storage.listdir(folder)[1]) == files_before  # the second PDF was deleted


def test_a_certificate_revoked_while_its_pdf_renders_never_gets_it(role_user, monkeypatch):
    """Staff revoke while the worker renders: the rendered PDF is not stored, and its file is
    deleted again (a revoked certificate has no PDF to hand out)."""
    from django.core.files.storage import storages

    from certificates import rendering

    real_render = rendering.render_certificate_pdf
    monkeypatch.setattr(
        rendering, "render_certificate_pdf", lambda *a, **k: (_ for _ in ()).throw(OSError())
    )
    enrolment = completed()
    with pytest.raises(services.CertificatePdfError):
        services.certificate_issue(enrolment=enrolment)
    certificate = Certificate.objects.get()
    staff = role_user(roles.COORDINATORS, is_staff=True)

    def render_then_revoked(*args, **kwargs):
        data = real_render(*args, **kwargs)
        services.certificate_revoke(
            certificate=Certificate.objects.get(pk=certificate.pk), by=staff, reason="誤発行"
        )
        return data

    monkeypatch.setattr(rendering, "render_certificate_pdf", render_then_revoked)
    private = storages["private"]
    folder = f"certificates/{timezone.localdate():%Y}"
    files_before = set(private.listdir(folder)[1]) if private.exists(folder) else set()

    services.certificate_store_pdf(certificate)

    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    assert not certificate.pdf and not certificate.pdf_sha256
    files_after = set(private.listdir(folder)[1]) if private.exists(folder) else set()
    assert files_after == files_before


def test_a_certificate_whose_pdf_is_not_ready_says_so(client, role_user, monkeypatch):
    from certificates import rendering

    monkeypatch.setattr(
        rendering, "render_certificate_pdf", lambda *a, **k: (_ for _ in ()).throw(OSError())
    )
    enrolment = completed()
    with pytest.raises(services.CertificatePdfError):
        services.certificate_issue(enrolment=enrolment)
    certificate = Certificate.objects.get()
    url = f"/certificates/{certificate.serial}/download/"

    client.force_login(enrolment.user)
    response = client.get(url)
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert certificate.serial in response.content.decode()
    assert "修了証を準備しています" in response.content.decode()
    learning = client.get("/learning/").content.decode()
    assert url not in learning and certificate.serial in learning

    client.force_login(role_user(roles.COORDINATORS, is_staff=True))
    assert client.get(url).status_code == 503
    page = client.get(f"/admin/certificates/runs/{enrolment.run_id}/")
    assert page.status_code == 200 and url not in page.content.decode()
    zipped = client.get(f"/admin/certificates/runs/{enrolment.run_id}/", {"format": "zip"})
    assert zipped.status_code == 200  # nothing to put in it yet, and no error

    # Staff's "issue for everyone" makes the missing PDF (and nothing else).
    monkeypatch.undo()
    assert services.certificates_issue_for_run(run=enrolment.run) == 1
    certificate.refresh_from_db()
    assert certificate.pdf and Certificate.objects.count() == 1
    assert services.certificates_issue_for_run(run=enrolment.run) == 0
    client.force_login(enrolment.user)
    assert client.get(url).status_code == 200


def test_issuing_by_hand_when_the_pdf_fails_keeps_the_certificate(client, role_user, monkeypatch):
    from certificates import rendering

    monkeypatch.setattr(
        rendering, "render_certificate_pdf", lambda *a, **k: (_ for _ in ()).throw(OSError())
    )
    enrolment = EnrolmentFactory()
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))

    response = client.post(
        f"/admin/certificates/enrolments/{enrolment.pk}/issue/",
        {"reason": "補講で修了"},
        follow=True,
    )

    certificate = Certificate.objects.get()
    assert response.status_code == 200 and certificate.serial in response.content.decode()
    assert not certificate.pdf


def test_the_periodic_job_takes_a_backlog_in_batches_oldest_first(monkeypatch):
    from certificates import rendering

    real_render = rendering.render_certificate_pdf
    monkeypatch.setattr(
        rendering, "render_certificate_pdf", lambda *a, **k: (_ for _ in ()).throw(OSError())
    )
    for _ in range(3):
        with pytest.raises(services.CertificatePdfError):
            services.certificate_issue(enrolment=completed())
    monkeypatch.setattr(rendering, "render_certificate_pdf", real_render)
    oldest_first = list(Certificate.objects.order_by("pk"))
    for age, certificate in zip((30, 20, 10), oldest_first, strict=True):
        Certificate.objects.filter(pk=certificate.pk).update(
            issued_at=timezone.now() - dt.timedelta(minutes=age)
        )

    assert services.certificates_render_missing_pdfs(batch=2) == 2
    assert [bool(c.pdf) for c in Certificate.objects.order_by("pk")] == [True, True, False]
    assert services.certificates_render_missing_pdfs(batch=2) == 1
    assert not Certificate.objects.filter(pdf="").exists()
