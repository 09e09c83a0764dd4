"""Issuing, revoking and reissuing certificates (issues #5, #9).  Every write locks first: the
enrolment (so one enrolment never gets two certificates, however often or in parallel the task
runs) and the serial counter of the course kind and year (so numbers never repeat or skip).
Both locks last one short transaction that records the certificate (serial and everything it
certifies); the PDF is rendered and stored after the commit, outside any lock."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
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

logger = logging.getLogger(__name__)


class CertificateError(Exception):
    """A certificate request that cannot be carried out; the message is for staff or holder."""


class CertificatePdfError(Exception):
    """The certificate is issued (its row, serial and facts are recorded) but its PDF could not
    be rendered or stored; running the issue again, or the periodic ``render-missing-pdfs`` job,
    renders it.  ``certificate`` is the issued certificate."""

    def __init__(self, certificate: Certificate):
        super().__init__(f"The PDF of {certificate.serial} could not be made")
        self.certificate = certificate


def _next_serial(kind: str, year: int) -> str:
    """Take the next number of ``kind`` in ``year`` in one statement: the counter row is created
    if missing, incremented and read back, and stays locked until the issuing transaction ends.
    The number is taken in the same transaction that inserts the certificate using it, so a
    failed issue gives its number back (no gaps).  ``INSERT … ON CONFLICT DO UPDATE …
    RETURNING`` runs on PostgreSQL and on SQLite (3.35+)."""
    table = connection.ops.quote_name(SerialCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (kind, year, last_number) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (kind, year) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [kind, year],
        )
        (number,) = cursor.fetchone()
    return serial_number(kind, year, number)


def _design(kind: str) -> CertificateDesign | None:
    return CertificateDesign.objects.filter(kind=kind).select_related("seal").first()


def _new_certificate(
    enrolment: Enrolment, now: datetime
) -> tuple[Certificate, CertificateDesign | None]:
    """What the certificate says, copied now from the person, the course and its design."""
    course, user = enrolment.run.course, enrolment.user
    if not user.full_name.strip():
        raise CertificateError(
            _("%(email)s has no name on their profile, so no certificate can be printed.")
            % {"email": user.email}
        )
    design = _design(course.kind)
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
    return certificate, design


def _insert(certificate: Certificate, now: datetime) -> None:
    """Take the serial and insert the row, in the caller's transaction (together or not at
    all: no serial without its certificate).  The PDF comes after the commit."""
    certificate.serial = _next_serial(certificate.course_kind, timezone.localdate(now).year)
    certificate.save(force_insert=True)


def _locked_enrolment(enrolment_id: int) -> Enrolment:
    """The enrolment, locked (only its own row: not the run or course rows the join reads, which
    every certificate of the run shares)."""
    return (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("user", "run__course")
        .get(pk=enrolment_id)
    )


def _current_certificate(enrolment: Enrolment) -> Certificate | None:
    """Read in its own statement after the lock is held: a subquery in the locking statement
    would be evaluated against the snapshot taken before waiting for the lock, and miss the
    certificate the previous holder of the lock just committed."""
    return (
        Certificate.objects.filter(enrolment=enrolment)
        .exclude(status=CertificateStatus.SUPERSEDED)
        .first()
    )


def certificate_store_pdf(certificate: Certificate) -> Certificate:
    """Render the PDF of an issued certificate and store it (private storage, a name nobody can
    guess) with one UPDATE, outside any lock.  Safe to run twice or at once: only a valid
    certificate without a PDF gets one, and a PDF that lost the race is deleted again.  Raises
    CertificatePdfError when rendering or storing fails (the certificate stays, without PDF)."""
    return _store_pdf(certificate, _design(certificate.course_kind))


def _store_pdf(certificate: Certificate, design: CertificateDesign | None) -> Certificate:
    # Imported here: WeasyPrint takes about a second to load, which web processes that never
    # render a certificate should not pay at start-up.
    from certificates.rendering import render_certificate_pdf, sha256

    field = certificate.pdf
    try:
        data = render_certificate_pdf(certificate, seal=design.seal if design else None)
        name = field.field.generate_filename(
            certificate, f"{certificate.serial}-{secrets.token_hex(8)}.pdf"
        )
        stored = field.storage.save(name, ContentFile(data), max_length=field.field.max_length)
    except Exception as exc:
        logger.exception("Rendering the PDF of certificate %s failed", certificate.serial)
        raise CertificatePdfError(certificate) from exc
    digest = sha256(data)
    try:
        updated = Certificate.objects.filter(
            pk=certificate.pk, pdf="", status=CertificateStatus.VALID
        ).update(pdf=stored, pdf_sha256=digest)
    except Exception as exc:
        field.storage.delete(stored)
        logger.exception("Storing the PDF of certificate %s failed", certificate.serial)
        raise CertificatePdfError(certificate) from exc
    if updated:
        certificate.pdf, certificate.pdf_sha256 = stored, digest
    else:
        # Stored meanwhile by another run, or revoked or erased while rendering.
        field.storage.delete(stored)
        certificate.refresh_from_db(fields=["pdf", "pdf_sha256", "status"])
    return certificate


def certificate_issue(
    *,
    enrolment: Enrolment | None = None,
    enrolment_id: int | None = None,
    by: User | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> Certificate:
    """Issue the enrolment's certificate, or return the one it already has (safe to run twice
    or in parallel).  Automatic issue (``by`` empty) needs a completed enrolment; staff may
    issue by hand for anyone with a seat, giving a reason.

    Two steps.  One short transaction locks the enrolment, takes the serial and inserts the
    certificate with everything it certifies; after the commit the PDF is rendered and stored
    outside any lock, so workers issuing within one course kind and year no longer wait for each
    other's rendering.  If rendering fails the certificate stays without its PDF
    (CertificatePdfError); calling this again renders the missing PDF instead of issuing a
    second certificate."""
    now = now or timezone.now()
    with transaction.atomic():
        enrolment = _locked_enrolment(enrolment_id if enrolment is None else enrolment.pk)
        existing = _current_certificate(enrolment)
        if existing is not None:
            certificate, design = existing, None  # ``just_issued`` stays unset: callers can tell
        else:
            reason = _check_may_issue(enrolment, by, reason)
            certificate, design = _new_certificate(enrolment, now)
            certificate.issued_by, certificate.issue_reason = by, reason
            _insert(certificate, now)
            certificate.just_issued = True
    if certificate.status == CertificateStatus.VALID and not certificate.pdf:
        if existing is not None:
            return certificate_store_pdf(certificate)  # a retry: the PDF is still missing
        _store_pdf(certificate, design)
    return certificate


def _check_may_issue(enrolment: Enrolment, by: User | None, reason: str) -> str:
    """Raise CertificateError unless the enrolment may get a certificate; the tidied reason."""
    if by is None:
        if enrolment.status != EnrolmentStatus.COMPLETED:
            raise CertificateError(_("The course is not completed, so no certificate is issued."))
        return reason
    reason = " ".join((reason or "").split())
    if not reason:
        raise CertificateError(_("Give the reason for issuing this certificate by hand."))
    if enrolment.status not in (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED):
        raise CertificateError(_("Only people with a seat can be given a certificate."))
    return reason


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
    # The reason is free text (it may name the person): it stays on the certificate only.
    audit_record(actor=by, action=AuditAction.REVOKE_CERTIFICATE, subject=certificate)
    return certificate


def certificate_reissue(
    *, certificate: Certificate, by: User, reason: str, now: datetime | None = None
) -> Certificate:
    """A new certificate from today's data (e.g. after a name correction, or to replace one
    revoked by mistake), with a new serial; the old one is marked superseded (a revocation's
    date and reason are kept) and its verification page links to the new one.  Like issuing:
    the records in one short transaction, the new PDF after it (CertificatePdfError if that
    fails; the new certificate stays and its PDF is made again later)."""
    now = now or timezone.now()
    reason = " ".join((reason or "").split())
    if not reason:
        raise CertificateError(_("Give the reason for reissuing this certificate."))
    with transaction.atomic():
        enrolment = _locked_enrolment(certificate.enrolment_id)
        old = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if old.status == CertificateStatus.SUPERSEDED:
            raise CertificateError(_("This certificate was already replaced by a reissue."))
        old.status = CertificateStatus.SUPERSEDED
        old.save(update_fields=["status"])
        new, design = _new_certificate(enrolment, now)
        new.issued_by, new.issue_reason = by, reason
        _insert(new, now)
        old.superseded_by = new
        old.save(update_fields=["superseded_by"])
        audit_record(
            actor=by,
            action=AuditAction.REISSUE_CERTIFICATE,
            subject=old,
            detail={"new_certificate": new.pk},
        )
    _store_pdf(new, design)
    return new


def certificates_render_missing_pdfs(*, older_than_minutes: int = 5, batch: int = 50) -> int:
    """Render the PDFs of valid certificates issued more than a few minutes ago whose PDF is
    still missing (rendering failed, or the worker stopped between the commit and the store).
    At most ``batch`` per run, oldest first, so one run stays well inside the task timeout
    however large the backlog; the next run takes the next ones.  Returns how many were
    stored; one failure does not stop the others."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    stored = 0
    for certificate in Certificate.objects.filter(
        status=CertificateStatus.VALID, pdf="", issued_at__lt=cutoff
    ).order_by("issued_at", "pk")[:batch]:
        try:
            certificate_store_pdf(certificate)
        except CertificatePdfError:
            continue  # logged; tried again next time
        stored += bool(certificate.pdf)
    return stored


def certificates_issue_missing(*, older_than_minutes: int = 5, batch: int = 50) -> int:
    """Issue the certificates that completed enrolments should have by now but do not, because
    their task never ran: a Redis broker loses the tasks a killed worker had already taken, and
    a completion or a staff "issue for the run" may have queued while the broker was down.
    Only enrolments completed a few minutes ago (their own task had time to run) and whose
    holder has a name (without one the certificate cannot be printed; staff see why when they
    issue it).  At most ``batch`` per run, oldest completion first; each is the same locked,
    idempotent ``certificate_issue`` as the task.  Returns how many were issued."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    missing = (
        Enrolment.objects.filter(status=EnrolmentStatus.COMPLETED, completed_at__lt=cutoff)
        .exclude(Exists(Certificate.objects.filter(enrolment=OuterRef("pk"))))
        .exclude(user__full_name="")
        .order_by("completed_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    issued = 0
    for enrolment_id in list(missing):
        try:
            certificate = certificate_issue(enrolment_id=enrolment_id)
        except (Enrolment.DoesNotExist, CertificateError):
            continue  # deleted or no longer completed meanwhile
        except CertificatePdfError:
            issued += 1  # issued; its PDF comes with render_missing_pdfs
            continue
        issued += bool(getattr(certificate, "just_issued", False))
    return issued


# Enrolments per background task when staff issue for a whole run (issue #9).  Each task costs
# the ORM broker about 16 PostgreSQL transactions (fetch, lock, result row, pruning) and the
# worker a new database connection, as much CPU as rendering the certificate itself; a batch
# shares that.  20 certificates take a few seconds, far inside the cluster's 120 s timeout.
ISSUE_BATCH_SIZE = 20


def _batches(ids: list[int], size: int) -> list[list[int]]:
    """``ids`` in as few batches of at most ``size`` as possible, of even sizes (30 → 15 + 15,
    not 20 + 10), so the workers finish together."""
    if not ids:
        return []
    count = -(-len(ids) // size)
    per, extra = divmod(len(ids), count)
    batches, start = [], 0
    for number in range(count):
        end = start + per + (number < extra)
        batches.append(ids[start:end])
        start = end
    return batches


def certificates_issue_for_run(*, run) -> int:
    """Staff issue for a whole run: background tasks of up to ``ISSUE_BATCH_SIZE`` completed
    enrolments each that have no certificate yet, or whose valid certificate still lacks its
    PDF (the task then makes the PDF; every task is safe to run twice, and each certificate is
    its own transaction).  Returns how many enrolments were queued."""
    from lms.taskqueue import async_task

    done = Certificate.objects.filter(enrolment=OuterRef("pk")).filter(
        Q(status=CertificateStatus.REVOKED) | (Q(status=CertificateStatus.VALID) & ~Q(pdf=""))
    )
    enrolment_ids = list(
        Enrolment.objects.filter(run=run, status=EnrolmentStatus.COMPLETED)
        .exclude(Exists(done))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for batch in _batches(enrolment_ids, ISSUE_BATCH_SIZE):
        async_task(
            "certificates.tasks.issue_certificates",
            batch,
            task_name=f"certificates-{batch[0]}-{batch[-1]}",
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
