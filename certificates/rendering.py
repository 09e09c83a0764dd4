"""Certificate PDFs with WeasyPrint (issue #5).

One FontConfiguration per process (fonts are loaded once, not per certificate), IPAex fonts
embedded as subsets (every kanji of every name renders on any machine), ``lang="ja"`` so shared
kanji take Japanese shapes, and a URL fetcher that reads only the fonts and data URIs: names
and titles are user input and must never make the renderer fetch anything else.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
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


# The QR code is drawn as a small black-and-white PNG shown without smoothing (the template's
# ``image-rendering: pixelated``), not as SVG: WeasyPrint parsing one SVG path per module row
# and segno trying all eight masks were about a sixth of a certificate's rendering (issue #9).
# Mask 5 is the one segno's penalty search picks most often for our verification URLs; any
# mask is valid QR and every reader decodes it.  Printed at 24 mm a module is 0.65 mm (version
# 5) and stays above 0.5 mm up to version 7; 4 pixels a module keep it sharp even in viewers
# that smooth images anyway.
QR_MASK = 5
QR_PIXELS_PER_MODULE = 4


def qr_data_uri(url: str) -> str:
    qr = segno.make_qr(url, error="m", mask=QR_MASK, boost_error=False)
    return qr.png_data_uri(scale=QR_PIXELS_PER_MODULE, border=0, dark="#000", light="#fff")


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
                "fonts": {
                    name: Path(path).resolve().as_uri()
                    for name, path in settings.CERTIFICATE_FONTS.items()
                },
                "qr": qr_data_uri(certificate.verification_url),
                "seal": _image_data_uri(seal),
            },
        )
        return HTML(string=html, url_fetcher=CertificateAssetFetcher()).write_pdf(
            font_config=_font_config(), pdf_variant=settings.CERTIFICATE_PDF_VARIANT
        )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
