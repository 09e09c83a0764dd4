"""Certificates (issue #5).  A certificate is a record of what was certified, copied at issue
time (name, course, dates, hours, signer), so later edits never change an issued document; its
PDF is rendered once and kept with its SHA-256.  Certificates are revoked or superseded, never
deleted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel

from certificates.codes import grouped
from courses.models import CourseKind


def private_storage():
    """Certificate PDFs live outside MEDIA_ROOT and are served only by the download view."""
    from django.core.files.storage import storages

    return storages["private"]


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")
    SUPERSEDED = "superseded", _("Superseded by a reissue")


class CertificateDesign(models.Model):
    """What staff edit per course kind: who issues and signs, and the certifying sentence."""

    kind = models.CharField(
        _("course kind"), max_length=20, choices=CourseKind.choices, unique=True
    )
    issuer_name = models.CharField(_("issuing organisation"), max_length=150)
    signer_name = models.CharField(_("signer's name"), max_length=100)
    signer_title = models.CharField(_("signer's title"), max_length=100)
    wording = models.TextField(
        _("certifying sentence (Japanese)"),
        help_text=_("Used when the course page has no wording of its own."),
    )
    wording_en = models.TextField(_("certifying sentence (English)"), blank=True)
    seal = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("seal or logo"),
    )

    panels = [
        FieldPanel("kind"),
        FieldPanel("issuer_name"),
        FieldPanel("signer_name"),
        FieldPanel("signer_title"),
        FieldPanel("wording"),
        FieldPanel("wording_en"),
        FieldPanel("seal"),
    ]

    class Meta:
        verbose_name = _("certificate design")
        verbose_name_plural = _("certificate designs")

    def __str__(self) -> str:
        return self.get_kind_display()


class SerialCounter(models.Model):
    """The last serial number used per course kind and year; its row is locked while a number
    is taken, so numbers are sequential without gaps or duplicates."""

    kind = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="certificates_one_counter")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last_number}"


class Certificate(models.Model):
    # Empty once the holder deleted their account (the certificate is then revoked and
    # anonymised, see CertificatesConfig.erase_personal_data).
    enrolment = models.ForeignKey(
        "courses.Enrolment",
        on_delete=models.SET_NULL,
        null=True,
        related_name="certificates",
        verbose_name=_("enrolment"),
    )
    serial = models.CharField(_("serial number"), max_length=32, unique=True)
    verification_code = models.CharField(
        _("verification code"), max_length=32, unique=True, editable=False
    )
    status = models.CharField(
        _("status"), max_length=12, choices=CertificateStatus.choices, default="valid"
    )
    language = models.CharField(_("language"), max_length=8, default="ja")
    # What was certified, as printed.
    holder_name = models.CharField(_("name"), max_length=100)
    holder_name_kana = models.CharField(_("name in kana"), max_length=100, blank=True)
    course_title = models.CharField(_("course"), max_length=255)
    course_kind = models.CharField(_("course kind"), max_length=20, choices=CourseKind.choices)
    run_title = models.CharField(_("run"), max_length=150)
    starts_on = models.DateField(_("first day"))
    completed_on = models.DateField(_("completed on"))
    learning_minutes = models.PositiveIntegerField(_("learning minutes"))
    issuer_name = models.CharField(_("issuing organisation"), max_length=150)
    signer_name = models.CharField(_("signer's name"), max_length=100)
    signer_title = models.CharField(_("signer's title"), max_length=100)
    wording = models.TextField(_("certifying sentence"))
    # The document.
    pdf = models.FileField(
        _("PDF"), upload_to="certificates/%Y/", storage=private_storage, blank=True
    )
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
        help_text=_("Empty when issued automatically on completion."),
    )
    issue_reason = models.TextField(_("reason for issuing by hand"), blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoked_reason = models.TextField(_("reason for revoking"), blank=True)
    superseded_by = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supersedes",
        verbose_name=_("superseded by"),
    )

    # Not in Wagtail's reference index: a certificate's links (enrolment, staff, the reissue)
    # are never shown as "usage", and indexing them cost four statements per certificate.
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            # Exactly one current certificate per enrolment (a reissue supersedes the old one).
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=~Q(status="superseded"),
                name="certificates_one_current_per_enrolment",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["valid", "revoked", "superseded"]),
                name="certificates_known_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.serial} {self.holder_name}"

    @property
    def grouped_code(self) -> str:
        return grouped(self.verification_code)

    @property
    def verification_url(self) -> str:
        from django.urls import reverse

        return settings.SITE_URL + reverse("certificates:verify", args=[self.verification_code])
