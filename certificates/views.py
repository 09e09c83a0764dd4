"""Certificate pages: public verification (the QR lands here) and the holder's download."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from audit.models import AuditAction
from audit.services import audit_record
from certificates import selectors
from certificates.codes import normalise_code
from certificates.forms import VerificationCodeForm
from certificates.models import Certificate, CertificateStatus
from lms import ratelimit

VERIFY_WINDOW_SECONDS = 60


def _rate_limited(request) -> bool:
    """Verification lookups per address per minute (codes cannot be guessed, but scraping the
    register should be slow)."""
    key = f"certificate-verify:{ratelimit.client_address(request)}"
    return ratelimit.hit(key, VERIFY_WINDOW_SECONDS) > settings.CERTIFICATE_VERIFY_PER_MINUTE


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
        {"form": form, "certificate": certificate, "looked_up": bool(code)},
        status=status,
    )


@login_required
def download(request, serial: str):
    """The holder downloads their valid certificate; staff who may view certificates download
    any.  Everything else is a 404, which says nothing about whether the serial exists."""
    if not (serial.isascii() and serial.isprintable()):
        raise Http404  # no serial has such characters, and PostgreSQL refuses NUL in a query
    certificate = get_object_or_404(Certificate.objects.select_related("enrolment"), serial=serial)
    is_staff = request.user.has_perm("certificates.view_certificate")
    is_holder = (
        certificate.enrolment is not None
        and certificate.enrolment.user_id == request.user.pk
        and certificate.status == CertificateStatus.VALID
    )
    if not (is_holder or is_staff):
        raise Http404
    if not certificate.pdf:
        if certificate.status != CertificateStatus.VALID:
            raise Http404  # erased at the holder's request, or revoked before it was made
        # Issued (serial and facts recorded) but the PDF is still being rendered, or rendering
        # failed and will be tried again: say so rather than fail.
        response = TemplateResponse(
            request, "certificates/pdf_pending.html", {"certificate": certificate}, status=503
        )
        response["Retry-After"] = "60"
        return response
    if not is_holder:
        # Staff downloading someone else's certificate (it carries their name).
        audit_record(
            actor=request.user,
            action=AuditAction.DOWNLOAD_CERTIFICATE,
            subject=certificate,
            request=request,
        )
    return FileResponse(
        certificate.pdf.open("rb"),
        as_attachment=True,
        filename=f"{certificate.serial}.pdf",
        content_type="application/pdf",
    )
