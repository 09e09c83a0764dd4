"""Certificate PDFs read back with independent tools, as an employer would: poppler's
pdftotext and pdffonts, and zbarimg for the QR code."""

import re

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


# --- issue #9: the static stylesheet parsed once, and the layout it must keep -----------------

A4_LANDSCAPE = "841.89 x 595.276 pts (A4)"
WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def _words(path) -> list[tuple[float, float, float, str]]:
    """(xMin, yMin, xMax, text) of every word, from poppler's bounding boxes."""
    boxes = run_tool("pdftotext", "-bbox", str(path), "-")
    return [(float(a), float(b), float(c), text) for a, b, c, _, text in WORD.findall(boxes)]


def test_no_stylesheet_is_parsed_while_rendering(certificate, monkeypatch):
    """pdf.css is parsed into one weasyprint.CSS per process: a render parses no CSS at all
    (an inline <style> in the template would be parsed again for every certificate)."""
    import weasyprint

    from certificates import rendering

    parsed = []
    real_init = weasyprint.CSS.__init__

    def counting(self, *args, **kwargs):
        parsed.append(kwargs.get("string", "")[:40])
        real_init(self, *args, **kwargs)

    rendering.render_certificate_pdf(certificate)  # the process's stylesheet exists now
    monkeypatch.setattr(weasyprint.CSS, "__init__", counting)

    first = rendering.render_certificate_pdf(certificate)
    second = rendering.render_certificate_pdf(certificate)

    assert first.startswith(b"%PDF") and second.startswith(b"%PDF")
    assert parsed == []
    assert rendering._stylesheet() is rendering._stylesheet()


def test_the_pdf_is_one_a4_landscape_pdfa_page_with_both_fonts_as_subsets(certificate, tmp_path):
    path = _pdf_file(certificate, tmp_path)

    info = run_tool("pdfinfo", str(path))
    metadata = run_tool("pdfinfo", "-meta", str(path))
    fonts = [line.split() for line in run_tool("pdffonts", str(path)).splitlines()[2:]]

    assert "Pages:           1" in info
    assert A4_LANDSCAPE in info
    assert 'pdfaid:part="3"' in metadata and 'pdfaid:conformance="B"' in metadata
    # A subset's name has a six-letter tag; "sub" and "emb" are the fifth and fourth from the end.
    families = sorted(columns[0].split("+", 1)[1] for columns in fonts)
    assert families == ["IPAexGothic", "IPAexMincho"]
    assert all(len(columns[0].split("+")[0]) == 6 for columns in fonts)
    assert all(columns[-5] == "yes" and columns[-4] == "yes" for columns in fonts)
    # The font subsets are deflated (once, by rendering's finisher): unfiltered they are ~200 KB.
    assert path.stat().st_size < 60_000


def test_the_layout_keeps_its_positions(certificate, tmp_path):
    """Positions in points on the A4 landscape page, as the template with its inline style drew
    them before the stylesheet moved to pdf.css: page margin 14 mm, 3 pt border, padding 16 mm."""
    words = _words(_pdf_file(certificate, tmp_path))
    mm = 72 / 25.4
    frame_left, frame_right = 14 * mm + 3, 841.89 - 14 * mm - 3

    serial = next(word for word in words if word[3] == certificate.serial)
    assert abs(serial[2] - (frame_right - 10 * mm)) < 0.5  # .serial: right 10 mm
    issuer = next(word for word in words if word[3] == certificate.issuer_name)
    assert abs(issuer[2] - (frame_right - 16 * mm)) < 0.5  # .issuer: right 16 mm, right-aligned
    # .facts: each label (dt) at the list's left edge, its value (dd) 36 mm further on the same
    # line, four rows one under the other.
    labels_x, values_x = frame_left + 26 * mm, frame_left + 62 * mm
    values = [word for word in words if abs(word[0] - values_x) < 0.5]
    rows = [
        (label, value)
        for value in values
        for label in words
        if abs(label[0] - labels_x) < 0.5 and abs(label[1] - value[1]) < 0.01
    ]
    assert len(values) == 4 and len(rows) == 4
    assert values[0][3].startswith(certificate.course_title)
    assert sorted(value[1] for _, value in rows) == [value[1] for _, value in rows]


def test_the_qr_png_has_the_pixels_of_segnos_own_writer():
    """rendering writes the QR PNG with Pillow (faster); the pixels must be segno's.  8-bit grey,
    which WeasyPrint embeds without converting it to RGB and encoding it again."""
    import base64
    import io

    import segno
    from PIL import Image

    from certificates import rendering

    url = "https://academy.example.jp/certificates/verify/HN8M8SS53R0F4Z9P2RVH71Q9S6SE/"
    reference = segno.make_qr(url, error="m", mask=rendering.QR_MASK, boost_error=False)
    expected = reference.png_data_uri(scale=4, border=0, dark="#000", light="#fff")

    def pixels(uri: str) -> tuple:
        image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
        return image.size, image.convert("L").tobytes()

    uri = rendering.qr_data_uri(url)
    assert Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).mode == "L"
    size, ours = pixels(uri)
    assert size == (len(reference.matrix) * 4,) * 2
    assert (size, ours) == pixels(expected)
    assert set(ours) == {0, 255}
