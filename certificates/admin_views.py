"""Staff pages for certificates in the Wagtail admin: a run's certificates (bulk issue with
progress, manual issue, ZIP), and revoking or reissuing one certificate."""

from __future__ import annotations

import io
import zipfile

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import AuditAction
from audit.services import audit_record
from certificates import selectors, services
from certificates.models import Certificate
from courses.models import CourseRun, Enrolment

can_view = permission_required("certificates.view_certificate", raise_exception=True)
can_change = permission_required("certificates.change_certificate", raise_exception=True)


@can_view
def run_certificates(request, run_id: int):
    run = get_object_or_404(CourseRun.objects.select_related("course"), pk=run_id)
    if request.GET.get("format") == "zip":
        return _zip(request, run)
    return TemplateResponse(
        request, "certificates/admin/run_certificates.html", selectors.run_certificates(run=run)
    )


def _zip(request, run: CourseRun) -> HttpResponse:
    """Every certificate PDF of the run in one file; the download is in the audit log."""
    buffer = io.BytesIO()
    filename = f"certificates-run-{run.pk}.zip"
    count = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # PDFs are compressed
        for certificate in selectors.run_certificates(run=run)["certificates"]:
            with certificate.pdf.open("rb") as handle:
                archive.writestr(f"{certificate.serial}.pdf", handle.read())
            count += 1
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        subject=run,
        detail={"file": filename, "rows": count, "path": request.path},
        request=request,
    )
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@can_change
def issue_for_run(request, run_id: int):
    run = get_object_or_404(CourseRun, pk=run_id)
    queued = services.certificates_issue_for_run(run=run)
    messages.success(
        request,
        _("%(count)d certificates are being issued. Reload this page to see the progress.")
        % {"count": queued},
    )
    return redirect("certificates_run", run_id=run.pk)


@require_POST
@can_change
def issue_by_hand(request, enrolment_id: int):
    enrolment = get_object_or_404(Enrolment.objects.select_related("user"), pk=enrolment_id)
    try:
        certificate = services.certificate_issue(
            enrolment=enrolment, by=request.user, reason=request.POST.get("reason", "")
        )
    except services.CertificateError as exc:
        messages.error(request, str(exc))
    except services.CertificatePdfError as exc:
        _pdf_pending(request, exc.certificate)
    else:
        if getattr(certificate, "just_issued", False):
            messages.success(request, _("Issued %(serial)s.") % {"serial": certificate.serial})
        else:
            messages.warning(
                request,
                _("%(name)s already has a certificate: %(serial)s.")
                % {"name": enrolment.user.get_full_name(), "serial": certificate.serial},
            )
    return redirect("certificates_run", run_id=enrolment.run_id)


@require_POST
@can_change
def revoke(request, certificate_id: int):
    certificate = get_object_or_404(
        Certificate.objects.select_related("enrolment"), pk=certificate_id
    )
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm the revocation."))
        return _back(certificate)
    try:
        services.certificate_revoke(
            certificate=certificate, by=request.user, reason=request.POST.get("reason", "")
        )
    except services.CertificateError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(serial)s was revoked.") % {"serial": certificate.serial})
    return _back(certificate)


@require_POST
@can_change
def reissue(request, certificate_id: int):
    certificate = get_object_or_404(
        Certificate.objects.select_related("enrolment"), pk=certificate_id
    )
    try:
        new = services.certificate_reissue(
            certificate=certificate, by=request.user, reason=request.POST.get("reason", "")
        )
    except services.CertificateError as exc:
        messages.error(request, str(exc))
    except services.CertificatePdfError as exc:
        _pdf_pending(request, exc.certificate)
    else:
        messages.success(
            request,
            _("%(old)s was replaced by %(new)s.") % {"old": certificate.serial, "new": new.serial},
        )
    return _back(certificate)


def _pdf_pending(request, certificate: Certificate) -> None:
    """Issued, but the PDF failed: the certificate stands and its PDF is made again later."""
    messages.warning(
        request,
        _(
            "Issued %(serial)s, but its PDF could not be made yet. It will be tried again "
            "automatically within about 20 minutes."
        )
        % {"serial": certificate.serial},
    )


def _back(certificate: Certificate):
    """To the run's certificates, or the register when the holder's account is gone."""
    if certificate.enrolment is not None:
        return redirect("certificates_run", run_id=certificate.enrolment.run_id)
    return redirect("wagtailsnippets_certificates_certificate:list")
