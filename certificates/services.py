"""Issuing, revoking and reissuing certificates (issue #5).  Every write locks first: the
enrolment (so one enrolment never gets two certificates, however often or in parallel the task
runs) and the serial counter of the course kind and year (so numbers never repeat or skip)."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates import selectors
from certificates.codes import new_verification_code, serial_number
from certificates.models import Certificate, CertificateDesign, CertificateStatus, SerialCounter
from courses.models import Enrolment, EnrolmentStatus
from lms.models import User

DEFAULT_ISSUER = "兵庫県孤独・孤立対策官民連携プラットフォーム"
DEFAULT_SIGNER_TITLE = "事務局長"
DEFAULT_WORDING = "あなたは上記の研修の全課程を修了したことをここに証します。"
DEFAULT_WORDING_EN = "This is to certify that you have completed the course above."
LANGUAGES = ("ja", "en")


class CertificateError(Exception):
    """A certificate request that cannot be carried out; the message is for staff or holder."""


def _next_serial(kind: str, year: int) -> str:
    """Take the next number of ``kind`` in ``year`` under the counter's row lock.  It is taken
    in the issuing transaction, so a failed issue gives its number back (no gaps)."""
    SerialCounter.objects.bulk_create([SerialCounter(kind=kind, year=year)], ignore_conflicts=True)
    counter = SerialCounter.objects.select_for_update().get(kind=kind, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return serial_number(kind, year, counter.last_number)


def _new_certificate(enrolment: Enrolment, now: datetime) -> tuple[Certificate, object]:
    """What the certificate says, copied now from the person, the course and its design."""
    course, user = enrolment.run.course, enrolment.user
    if not user.full_name.strip():
        raise CertificateError(
            _("%(email)s has no name on their profile, so no certificate can be printed.")
            % {"email": user.email}
        )
    design = CertificateDesign.objects.filter(kind=course.kind).select_related("seal").first()
    language = user.preferred_language if user.preferred_language in LANGUAGES else "ja"
    if language == "en":
        wording = (design.wording_en if design else "") or DEFAULT_WORDING_EN
    else:
        wording = course.certificate_wording or (design.wording if design else DEFAULT_WORDING)
    certificate = Certificate(
        enrolment=enrolment,
        language=language,
        holder_name=user.full_name.strip(),
        holder_name_kana=user.full_name_kana,
        course_title=course.title,
        course_kind=course.kind,
        run_title=enrolment.run.title,
        starts_on=enrolment.run.starts_on,
        completed_on=timezone.localdate(enrolment.completed_at or now),
        learning_minutes=selectors.learning_minutes_for_enrolment(enrolment),
        issuer_name=design.issuer_name if design else DEFAULT_ISSUER,
        signer_name=design.signer_name if design else "",
        signer_title=design.signer_title if design else DEFAULT_SIGNER_TITLE,
        wording=wording,
        verification_code=new_verification_code(),
    )
    certificate.serial = _next_serial(course.kind, timezone.localdate(now).year)
    return certificate, design.seal if design else None


def _store_pdf(certificate: Certificate, seal) -> None:
    """Render and store the PDF (in private storage, under a name nobody can guess).  If the
    issuing transaction fails afterwards the file is deleted again."""
    # Imported here: WeasyPrint takes about a second to load, which web processes that never
    # render a certificate should not pay at start-up.
    from certificates.rendering import render_certificate_pdf, sha256

    data = render_certificate_pdf(certificate, seal=seal)
    name = f"{certificate.serial}-{secrets.token_hex(8)}.pdf"
    certificate.pdf.save(name, ContentFile(data), save=False)
    stored = certificate.pdf.name
    try:
        certificate.pdf_sha256 = sha256(data)
        certificate.save(update_fields=["pdf", "pdf_sha256"])
    except Exception:
        certificate.pdf.storage.delete(stored)
        raise


@transaction.atomic
def certificate_issue(
    *,
    enrolment: Enrolment,
    by: User | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> Certificate:
    """Issue the enrolment's certificate, or return the one it already has (safe to run twice
    or in parallel).  Automatic issue (``by`` empty) needs a completed enrolment; staff may
    issue by hand for anyone with a seat, giving a reason."""
    now = now or timezone.now()
    enrolment = (
        Enrolment.objects.select_for_update()
        .select_related("user", "run__course")
        .get(pk=enrolment.pk)
    )
    existing = (
        Certificate.objects.filter(enrolment=enrolment)
        .exclude(status=CertificateStatus.SUPERSEDED)
        .first()
    )
    if existing is not None:
        return existing  # ``just_issued`` stays unset: callers can tell
    if by is None and enrolment.status != EnrolmentStatus.COMPLETED:
        raise CertificateError(_("The course is not completed, so no certificate is issued."))
    if by is not None:
        reason = " ".join((reason or "").split())
        if not reason:
            raise CertificateError(_("Give the reason for issuing this certificate by hand."))
        if enrolment.status not in (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED):
            raise CertificateError(_("Only people with a seat can be given a certificate."))
    certificate, seal = _new_certificate(enrolment, now)
    certificate.issued_by, certificate.issue_reason = by, reason
    certificate.save()
    _store_pdf(certificate, seal)
    certificate.just_issued = True
    return certificate


@transaction.atomic
def certificate_revoke(
    *, certificate: Certificate, by: User, reason: str, now: datetime | None = None
) -> Certificate:
    """Revoke with a reason: the certificate stays, and its verification page says so."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise CertificateError(_("Give the reason for revoking this certificate."))
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.status != CertificateStatus.VALID:
        raise CertificateError(_("Only a valid certificate can be revoked."))
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at, certificate.revoked_by = now or timezone.now(), by
    certificate.revoked_reason = reason
    certificate.save(update_fields=["status", "revoked_at", "revoked_by", "revoked_reason"])
    return certificate


@transaction.atomic
def certificate_reissue(
    *, certificate: Certificate, by: User, reason: str, now: datetime | None = None
) -> Certificate:
    """A new certificate from today's data (e.g. after a name correction, or to replace one
    revoked by mistake), with a new serial; the old one is marked superseded (a revocation's
    date and reason are kept) and its verification page links to the new one."""
    now = now or timezone.now()
    reason = " ".join((reason or "").split())
    if not reason:
        raise CertificateError(_("Give the reason for reissuing this certificate."))
    enrolment = (
        Enrolment.objects.select_for_update()
        .select_related("user", "run__course")
        .get(pk=certificate.enrolment_id)
    )
    old = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if old.status == CertificateStatus.SUPERSEDED:
        raise CertificateError(_("This certificate was already replaced by a reissue."))
    old.status = CertificateStatus.SUPERSEDED
    old.save(update_fields=["status"])
    new, seal = _new_certificate(enrolment, now)
    new.issued_by, new.issue_reason = by, reason
    new.save()
    _store_pdf(new, seal)
    old.superseded_by = new
    old.save(update_fields=["superseded_by"])
    return new


def certificates_issue_for_run(*, run) -> int:
    """Staff issue for a whole run: one background task per completed enrolment that has no
    certificate yet (each task is safe to run twice).  Returns how many were queued."""
    from django_q.tasks import async_task

    enrolment_ids = list(
        Enrolment.objects.filter(run=run, status=EnrolmentStatus.COMPLETED)
        .exclude(certificates__status__in=[CertificateStatus.VALID, CertificateStatus.REVOKED])
        .values_list("pk", flat=True)
    )
    for enrolment_id in enrolment_ids:
        async_task(
            "certificates.tasks.issue_certificate",
            enrolment_id,
            task_name=f"certificate-{enrolment_id}",
            group=f"certificates-run-{run.pk}",
        )
    return len(enrolment_ids)


@transaction.atomic
def certificates_erase_for_holder(*, user: User) -> int:
    """The holder deletes their account: revoke their certificates, remove the names and delete
    the PDFs.  Returns how many certificates were erased."""
    erased = 0
    for certificate in Certificate.objects.select_for_update().filter(enrolment__user=user):
        if certificate.pdf:
            certificate.pdf.delete(save=False)
        certificate.holder_name = _("(deleted at the holder's request)")
        certificate.holder_name_kana = ""
        certificate.pdf_sha256 = ""
        if certificate.status == CertificateStatus.VALID:
            certificate.status = CertificateStatus.REVOKED
            certificate.revoked_at = timezone.now()
            certificate.revoked_reason = _("The holder deleted their account.")
        certificate.save()
        erased += 1
    return erased
