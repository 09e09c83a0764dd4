"""Staff's "issue for the whole run" in batches of enrolments per background task (issue #9),
and the cheaper QR code: a small PNG drawn without smoothing instead of SVG."""

import base64
import datetime as dt
import io

import pytest
from django.utils import timezone

from certificates import rendering, selectors, services, tasks
from certificates.codes import new_verification_code
from certificates.models import Certificate, CertificateStatus, SerialCounter
from courses.models import EnrolmentStatus
from tests.certificates.tools import run_tool
from tests.factories import CourseRunFactory, EnrolmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]


def completed_run(count: int):
    run = CourseRunFactory(course__title="支援者向け多職種合同研修（基礎編）")
    enrolments = [
        EnrolmentFactory(run=run, status=EnrolmentStatus.COMPLETED, completed_at=timezone.now())
        for _ in range(count)
    ]
    return run, enrolments


def serial_numbers() -> list[int]:
    return sorted(
        int(s.rsplit("-", 1)[1]) for s in Certificate.objects.values_list("serial", flat=True)
    )


def test_batches_are_as_few_and_as_even_as_possible():
    ids = list(range(100, 141))  # 41

    batches = services._batches(ids, 20)

    assert [len(b) for b in batches] == [14, 14, 13]
    assert [i for batch in batches for i in batch] == ids  # each once, in order
    assert [len(b) for b in services._batches(ids[:30], 20)] == [15, 15]
    assert services._batches(ids[:20], 20) == [ids[:20]]
    assert services._batches([], 20) == []


def test_issuing_for_a_run_queues_batches_and_issues_each_certificate_once(monkeypatch):
    from django_q.models import Task

    monkeypatch.setattr(services, "ISSUE_BATCH_SIZE", 2)
    run, enrolments = completed_run(5)
    not_completed = EnrolmentFactory(run=run)  # still enrolled: no certificate

    assert services.certificates_issue_for_run(run=run) == 5

    # Three tasks (2 + 2 + 1) ran the batch function, each returning its serials.
    batches = Task.objects.filter(group=f"certificates-run-{run.pk}")
    assert batches.count() == 3
    assert {t.func for t in batches} == {"certificates.tasks.issue_certificates"}
    assert sorted(len(t.args[0]) for t in batches) == [1, 2, 2]
    assert all(t.success for t in batches)
    returned = sorted(serial for t in batches for serial in t.result)
    certificates = Certificate.objects.filter(enrolment__run=run)
    assert returned == sorted(c.serial for c in certificates)
    assert sorted(c.enrolment_id for c in certificates) == sorted(e.pk for e in enrolments)
    assert all(c.pdf and len(c.pdf_sha256) == 64 for c in certificates)
    assert not Certificate.objects.filter(enrolment=not_completed).exists()
    assert serial_numbers() == [1, 2, 3, 4, 5]

    # Everything is done: pressing the button again queues nothing.
    assert services.certificates_issue_for_run(run=run) == 0
    assert batches.count() == 3


def test_a_batch_run_twice_issues_nothing_twice():
    _run, enrolments = completed_run(3)
    ids = [e.pk for e in enrolments]

    first = tasks.issue_certificates(ids)
    pdfs = dict(Certificate.objects.values_list("pk", "pdf"))
    again = tasks.issue_certificates(ids)  # e.g. the broker handed it out again after a crash

    assert again == first and len(set(first)) == 3
    assert Certificate.objects.count() == 3
    assert dict(Certificate.objects.values_list("pk", "pdf")) == pdfs  # no PDF made again
    assert SerialCounter.objects.get().last_number == 3  # no serial taken by the second run


def test_one_failing_enrolment_does_not_stop_the_batch_and_the_periodic_jobs_finish_it(
    monkeypatch,
):
    run, enrolments = completed_run(5)
    broken, no_pdf = enrolments[1], enrolments[3]
    real_minutes = selectors.learning_minutes_for_enrolment
    real_render = rendering.render_certificate_pdf

    def minutes_failing_for_one(enrolment):
        if enrolment.pk == broken.pk:
            raise RuntimeError("the database went away")
        return real_minutes(enrolment)

    def render_failing_for_one(certificate, **kwargs):
        if certificate.enrolment_id == no_pdf.pk:
            raise OSError("font missing")
        return real_render(certificate, **kwargs)

    monkeypatch.setattr(selectors, "learning_minutes_for_enrolment", minutes_failing_for_one)
    monkeypatch.setattr(rendering, "render_certificate_pdf", render_failing_for_one)

    with pytest.raises(tasks.CertificateBatchError) as failed:
        tasks.issue_certificates([e.pk for e in enrolments])

    assert failed.value.failed == [broken.pk, no_pdf.pk]
    assert len(failed.value.serials) == 3
    assert not Certificate.objects.filter(enrolment=broken).exists()
    assert not Certificate.objects.get(enrolment=no_pdf).pdf  # issued, its PDF comes later
    others = Certificate.objects.exclude(enrolment__in=[broken, no_pdf])
    assert sorted(c.serial for c in others) == sorted(failed.value.serials)
    assert all(c.pdf for c in others)

    # Staff pressing "issue for everyone" meanwhile queue only the two unfinished ones; while
    # the fault lasts they fail again (synchronous tasks in the tests raise what the cluster
    # records as a failed task), and nothing else is touched.
    with pytest.raises(tasks.CertificateBatchError) as again:
        services.certificates_issue_for_run(run=run)
    assert again.value.failed == [broken.pk, no_pdf.pk] and again.value.serials == []
    assert Certificate.objects.count() == 4

    # The periodic jobs (every 15 minutes) make what is missing once the fault is gone.
    monkeypatch.undo()
    run.enrolments.update(completed_at=timezone.now() - dt.timedelta(minutes=10))
    Certificate.objects.update(issued_at=timezone.now() - dt.timedelta(minutes=10))
    assert tasks.issue_missing() == 1
    assert tasks.render_missing_pdfs() == 1
    certificates = Certificate.objects.filter(enrolment__run=run)
    assert sorted(c.enrolment_id for c in certificates) == sorted(e.pk for e in enrolments)
    assert all(c.pdf and c.status == CertificateStatus.VALID for c in certificates)
    assert serial_numbers() == [1, 2, 3, 4, 5]  # the failed transaction gave its number back


def test_the_qr_code_is_a_sharp_raster_of_at_least_half_a_millimetre_a_module(tmp_path):
    certificate = services.certificate_issue(enrolment=completed_run(1)[1][0])
    path = tmp_path / "certificate.pdf"
    with certificate.pdf.open("rb") as handle:
        path.write_bytes(handle.read())

    listing = run_tool("pdfimages", "-list", str(path)).splitlines()[2:]

    assert len(listing) == 1, listing  # the QR code, and no seal in this design
    columns = listing[0].split()
    width, height, interpolate, ppi = int(columns[3]), int(columns[4]), columns[9], int(columns[12])
    assert width == height and interpolate == "no"  # drawn without smoothing
    module_mm = rendering.QR_PIXELS_PER_MODULE / ppi * 25.4
    assert module_mm >= 0.5, f"a module prints at {module_mm:.2f} mm"


def test_the_fixed_mask_qr_codes_decode_to_their_verification_urls(tmp_path, settings):
    """The mask is fixed (segno no longer tries all eight): many codes, on a production-length
    address, decoded by an independent reader (zbar)."""
    from PIL import Image

    settings.SITE_URL = "https://hyogo-tsunagari-academy.example.jp"
    urls = [
        Certificate(verification_code=new_verification_code()).verification_url for _ in range(40)
    ]
    for number, url in enumerate(urls):
        uri = rendering.qr_data_uri(url)
        assert uri.startswith("data:image/png;base64,")
        symbol = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
        page = Image.new("L", (symbol.width + 64, symbol.height + 64), 255)  # a quiet zone
        page.paste(symbol, (32, 32))
        page.save(tmp_path / f"qr-{number:02d}.png")

    files = sorted(str(p) for p in tmp_path.glob("qr-*.png"))
    decoded = run_tool("zbarimg", "--quiet", "--raw", *files).split()

    assert decoded == urls
    assert all(
        url.startswith("https://hyogo-tsunagari-academy.example.jp/certificates/verify/")
        for url in urls
    )


def test_a_batch_that_runs_long_hands_the_rest_to_a_new_task(monkeypatch):
    """On a loaded machine a batch must not reach the cluster's timeout (which would kill it
    half done): past half of it, the enrolments not reached yet go to a new task."""
    from django_q.models import Task

    from lms import taskqueue

    assert taskqueue.batch_seconds() == 60  # half the 120 s task timeout of the settings
    monkeypatch.setattr(taskqueue, "batch_seconds", lambda: 0)  # every certificate "too slow"
    run, enrolments = completed_run(3)

    assert services.certificates_issue_for_run(run=run) == 3

    chain = sorted(Task.objects.all(), key=lambda t: -len(t.args[0]))
    assert [len(t.args[0]) for t in chain] == [3, 2, 1]
    assert [len(t.result) for t in chain] == [1, 1, 1] and all(t.success for t in chain)
    certificates = Certificate.objects.filter(enrolment__run=run)
    assert sorted(c.enrolment_id for c in certificates) == sorted(e.pk for e in enrolments)
    assert sorted(c.serial for c in certificates) == sorted(t.result[0] for t in chain)
    assert serial_numbers() == [1, 2, 3]
