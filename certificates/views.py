"""Certificate pages: public verification (the QR lands here) and the holder's download."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from certificates import selectors
from certificates.codes import normalise_code
from certificates.forms import VerificationCodeForm
from certificates.models import Certificate

VERIFY_WINDOW_SECONDS = 60


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _rate_limited(request) -> bool:
    """Verification lookups per address per minute (codes cannot be guessed, but scraping the
    register should be slow)."""
    key = f"certificate-verify:{_client_ip(request)}"
    cache.add(key, 0, VERIFY_WINDOW_SECONDS)
    return cache.incr(key) > settings.CERTIFICATE_VERIFY_PER_MINUTE


@never_cache
def verify(request, code: str = ""):
    form = VerificationCodeForm(request.GET or None)
    if not code and form.is_valid():
        typed = normalise_code(form.cleaned_data["code"])
        if typed:
            return redirect("certificates:verify", code=typed)
        form.add_error(
            "code",
            _("This is not a certificate code. It has 28 letters and digits; please check it."),
        )
    if _rate_limited(request):
        return TemplateResponse(
            request, "certificates/verify.html", {"form": form, "limited": True}, status=429
        )
    certificate = selectors.certificate_for_verification(normalise_code(code)) if code else None
    status = 200 if certificate or not code else 404
    return TemplateResponse(
        request,
        "certificates/verify.html",
        {"form": form, "certificate": certificate, "looked_up": bool(code) or form.is_bound},
        status=status,
    )


@login_required
def download(request, serial: str):
    """The holder (or staff who may view certificates) downloads the stored PDF."""
    certificate = get_object_or_404(Certificate.objects.select_related("enrolment"), serial=serial)
    is_holder = certificate.enrolment.user_id == request.user.pk
    if not (is_holder or request.user.has_perm("certificates.view_certificate")):
        raise Http404
    if not certificate.pdf:
        raise Http404
    return FileResponse(
        certificate.pdf.open("rb"),
        as_attachment=True,
        filename=f"{certificate.serial}.pdf",
        content_type="application/pdf",
    )
