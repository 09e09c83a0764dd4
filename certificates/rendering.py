"""Certificate PDFs with WeasyPrint (issue #5).

One FontConfiguration per process (fonts are loaded once, not per certificate), IPAex fonts
embedded as subsets (every kanji of every name renders on any machine), ``lang="ja"`` so shared
kanji take Japanese shapes, and a URL fetcher that reads only the fonts and data URIs: names
and titles are user input and must never make the renderer fetch anything else.

Issue #9: the static style (``pdf.css`` beside this module) is parsed once per process into a
``weasyprint.CSS`` given to every render, and the embedded font subsets are compressed once.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zlib
from functools import cache
from pathlib import Path

import pydyf
import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from PIL import Image
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher


class CertificateAssetFetcher(URLFetcher):
    """Only the configured font files and inline ``data:`` URIs; anything else is refused."""

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith("file://"):
            path = Path(url.removeprefix("file://").split("?")[0]).resolve()
            if path in _allowed_files():
                return super().fetch(url, headers)
        raise ValueError(f"Certificates may not load {url[:80]}")


@cache
def _allowed_files() -> frozenset[Path]:
    return frozenset(Path(p).resolve() for p in settings.CERTIFICATE_FONTS.values())


@cache
def _font_config() -> FontConfiguration:
    return FontConfiguration()


STYLESHEET = Path(__file__).with_name("pdf.css")
# The family names pdf.css uses for the fonts of settings.CERTIFICATE_FONTS.
FONT_FAMILIES = {"mincho": "IPAexMincho", "gothic": "IPAexGothic"}


@cache
def _stylesheet() -> CSS:
    """The certificate's CSS, parsed once per process: re-parsing it in every certificate was
    about a tenth of a render.  Its @font-face rules register the fonts in the process's one
    FontConfiguration, so the fonts are loaded here and never again."""
    faces = "".join(
        f'@font-face {{ font-family: "{FONT_FAMILIES[name]}"; '
        f'src: url("{Path(path).resolve().as_uri()}"); font-weight: 400; }}\n'
        for name, path in settings.CERTIFICATE_FONTS.items()
    )
    return CSS(
        string=faces + STYLESHEET.read_text(encoding="utf-8"),
        font_config=_font_config(),
        url_fetcher=CertificateAssetFetcher(),
    )


# pydyf compresses every stream at zlib level 9 and, for PDF/A (which needs a file identifier
# hashed over all objects), does it twice: once to write the object and once to hash it.  The
# two font subsets (mostly zero-filled glyph tables, as WeasyPrint keeps glyph ids) were ~200 KB
# to deflate twice per certificate.  Compressing them once at the default level costs about a
# sixth of that; the file grows by a few hundred bytes.
FONT_COMPRESSION_LEVEL = 6


def _compress_binary_streams_once(document, pdf: pydyf.PDF) -> None:
    """WeasyPrint's ``finisher`` hook: deflate each single-chunk binary stream (font files,
    the colour profile) now, once, and mark it as already filtered."""
    for obj in pdf.objects:
        if (
            isinstance(obj, pydyf.Stream)
            and obj.compress
            and len(obj.stream) == 1
            and isinstance(obj.stream[0], bytes)
        ):
            obj.stream = [zlib.compress(obj.stream[0], FONT_COMPRESSION_LEVEL)]
            obj.extra["Filter"] = "/FlateDecode"
            obj.compress = False


# The QR code is drawn as a small black-and-white PNG shown without smoothing (the template's
# ``image-rendering: pixelated``), not as SVG: WeasyPrint parsing one SVG path per module row
# and segno trying all eight masks were about a sixth of a certificate's rendering (issue #9).
# Mask 5 is the one segno's penalty search picks most often for our verification URLs; any
# mask is valid QR and every reader decodes it.  Printed at 24 mm a module is 0.65 mm (version
# 5) and stays above 0.5 mm up to version 7; 4 pixels a module keep it sharp even in viewers
# that smooth images anyway.  The PNG is written by Pillow (zlib in C): the same pixels as
# segno's own PNG writer, which is pure Python and took three times as long.  It is 8-bit grey,
# which WeasyPrint embeds as it is (DeviceGray, allowed in PDF/A with its output intent); a
# 1-bit or palette PNG it converts to RGB and re-encodes first.
QR_MASK = 5
QR_PIXELS_PER_MODULE = 4


def qr_data_uri(url: str) -> str:
    qr = segno.make_qr(url, error="m", mask=QR_MASK, boost_error=False)
    modules = b"".join(bytes(0 if dark else 255 for dark in row) for row in qr.matrix)
    size = len(qr.matrix)  # a QR code is square; segno's matrix has no quiet zone
    image = Image.frombytes("L", (size, size), modules)
    scaled = size * QR_PIXELS_PER_MODULE
    png = io.BytesIO()
    image.resize((scaled, scaled), Image.Resampling.NEAREST).save(png, "PNG")
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()


def _image_data_uri(image) -> str:
    """The seal or logo (a Wagtail image) inlined, so the fetcher never reads media files."""
    if image is None:
        return ""
    rendition = image.get_rendition("max-300x300|format-png")
    with rendition.file.open("rb") as handle:
        return "data:image/png;base64," + base64.b64encode(handle.read()).decode()


def render_certificate_pdf(certificate, *, seal=None) -> bytes:
    with translation.override(certificate.language):
        html = render_to_string(
            "certificates/pdf.html",
            {
                "certificate": certificate,
                "qr": qr_data_uri(certificate.verification_url),
                "seal": _image_data_uri(seal),
            },
        )
        return HTML(string=html, url_fetcher=CertificateAssetFetcher()).write_pdf(
            stylesheets=[_stylesheet()],
            font_config=_font_config(),
            pdf_variant=settings.CERTIFICATE_PDF_VARIANT,
            finisher=_compress_binary_streams_once,
        )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
