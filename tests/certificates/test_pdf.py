"""Certificate PDFs read back with independent tools, as an employer would: poppler's
pdftotext and pdffonts, and zbarimg for the QR code."""

import pytest

from certificates import services
from certificates.models import Certificate
from courses.models import EnrolmentStatus
from tests.certificates.tools import run_tool
from tests.factories import CourseRunFactory, EnrolmentFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]

RARE_NAME = "髙橋 﨑子"  # 髙 and 﨑 are outside JIS X 0208: a font without them shows boxes


@pytest.fixture
def certificate(tmp_path):
    person = UserFactory(full_name=RARE_NAME, full_name_kana="たかはし さきこ")
    run = CourseRunFactory(course__title="支援者向け多職種合同研修（基礎編）")
    enrolment = EnrolmentFactory(run=run, user=person, status=EnrolmentStatus.COMPLETED)
    return services.certificate_issue(enrolment=enrolment)


def _pdf_file(certificate: Certificate, tmp_path):
    path = tmp_path / "certificate.pdf"
    with certificate.pdf.open("rb") as handle:
        path.write_bytes(handle.read())
    return path


def test_the_pdf_text_has_the_kanji_name_the_course_and_the_serial(certificate, tmp_path):
    path = _pdf_file(certificate, tmp_path)

    text = run_tool("pdftotext", "-layout", str(path), "-")

    assert "髙橋" in text and "﨑子" in text
    assert "支援者向け多職種合同研修（基礎編）" in text
    assert certificate.serial in text
    assert certificate.serial.startswith("HYOGO-") and "-JT-" in certificate.serial


def test_the_fonts_are_embedded_and_the_file_is_small(certificate, tmp_path):
    path = _pdf_file(certificate, tmp_path)

    fonts = run_tool("pdffonts", str(path)).splitlines()[2:]

    assert fonts, "the PDF names no fonts"
    for line in fonts:
        columns = line.split()
        assert columns[-5] == "yes", f"font not embedded: {line}"  # the "emb" column
    assert path.stat().st_size < 100_000
    assert certificate.pdf_sha256 and len(certificate.pdf_sha256) == 64


def test_the_qr_code_decodes_to_the_verification_url(certificate, tmp_path):
    path = _pdf_file(certificate, tmp_path)
    run_tool("pdftoppm", "-r", "200", "-png", "-singlefile", str(path), str(tmp_path / "page"))

    decoded = run_tool("zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")).split()

    assert decoded == [certificate.verification_url]
    assert certificate.verification_url.endswith(
        f"/certificates/verify/{certificate.verification_code}/"
    )


def test_people_who_prefer_english_get_an_english_certificate(tmp_path):
    from certificates.models import CertificateDesign
    from courses.models import CourseKind

    CertificateDesign.objects.create(
        kind=CourseKind.JOINT_TRAINING,
        issuer_name="兵庫県孤独・孤立対策官民連携プラットフォーム",
        signer_name="兵庫 つなぐ",
        signer_title="事務局長",
        wording="あなたは上記の研修の全課程を修了したことをここに証します。",
        wording_en="This certifies that the holder completed the course above.",
    )
    person = UserFactory(full_name="Maria Santos", preferred_language="en")
    enrolment = EnrolmentFactory(user=person, status=EnrolmentStatus.COMPLETED)

    certificate = services.certificate_issue(enrolment=enrolment)
    text = run_tool("pdftotext", "-layout", str(_pdf_file(certificate, tmp_path)), "-")

    assert certificate.language == "en"
    assert "Certificate of completion" in text
    assert "This certifies that the holder completed the course above." in text
    words = " ".join(text.split())
    assert "Maria Santos" in words and "様" not in text
    assert "兵庫 つなぐ" in text  # the signer as staff wrote it


def test_the_seal_from_the_design_is_printed(tmp_path):
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    from certificates.models import CertificateDesign
    from courses.models import CourseKind

    def raster_images(certificate) -> int:
        listing = run_tool("pdfimages", "-list", str(_pdf_file(certificate, tmp_path)))
        rows = [line.split() for line in listing.splitlines()[2:]]  # after the two header lines
        return sum(1 for row in rows if row[2] == "image")  # not the transparency masks

    plain = services.certificate_issue(enrolment=EnrolmentFactory(status=EnrolmentStatus.COMPLETED))
    seal = Image.objects.create(title="公印", file=get_test_image_file(colour="red"))
    CertificateDesign.objects.create(
        kind=CourseKind.JOINT_TRAINING,
        issuer_name="兵庫県孤独・孤立対策官民連携プラットフォーム",
        signer_name="兵庫 つなぐ",
        signer_title="事務局長",
        wording="あなたは上記の研修の全課程を修了したことをここに証します。",
        seal=seal,
    )
    certificate = services.certificate_issue(
        enrolment=EnrolmentFactory(status=EnrolmentStatus.COMPLETED)
    )

    # The QR code is a small raster image (issue #9); the seal is the second one.
    assert (raster_images(plain), raster_images(certificate)) == (1, 2)


def test_fonts_and_the_template_are_loaded_once_per_process(certificate, monkeypatch):
    """The process's one FontConfiguration keeps the font faces it has loaded: a further
    certificate fetches no font file again; the template comes from the cached loader."""
    from django.template import engines

    from certificates import rendering

    fetched = []
    real_fetch = rendering.CertificateAssetFetcher.fetch

    def counting(self, url, headers=None):
        fetched.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(rendering.CertificateAssetFetcher, "fetch", counting)
    assert rendering._font_config() is rendering._font_config()

    data = rendering.render_certificate_pdf(certificate)

    assert data.startswith(b"%PDF")
    assert [url for url in fetched if url.startswith("file:")] == []
    loaders = engines["django"].engine.template_loaders
    assert [type(loader).__name__ for loader in loaders] == ["Loader"]
    assert type(loaders[0]).__module__ == "django.template.loaders.cached"
