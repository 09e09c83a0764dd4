from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    """Completion certificates (issue #5): issued when an enrolment is completed, Japanese
    PDFs, verifiable by anyone from the QR code, revoked or reissued but never deleted."""

    name = "certificates"
    verbose_name = _("Certificates")

    def ready(self) -> None:
        from certificates import receivers  # noqa: F401  (connects to enrolment_completed)

    def erase_personal_data(self, user) -> None:
        """Before the account is deleted (lms.services.user_withdraw): the person's certificates
        are revoked, their names removed and their PDFs deleted.  Serials stay taken, and the
        verification page says the certificate was revoked at the holder's request."""
        from certificates.services import certificates_erase_for_holder

        certificates_erase_for_holder(user=user)

    def personal_data(self, user) -> dict:
        """The person's certificates, for the "download my data" export (lms.selectors)."""
        from certificates.models import Certificate

        return {
            "certificates": [
                {
                    "serial": c.serial,
                    "course": c.course_title,
                    "status": c.status,
                    "issued_at": c.issued_at.isoformat(),
                    "holder_name": c.holder_name,
                }
                for c in Certificate.objects.filter(enrolment__user=user).order_by("issued_at")
            ]
        }
