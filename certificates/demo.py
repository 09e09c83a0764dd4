"""Demo certificates: a design for joint trainings, the certificates of the finished demo run
(the demo supporter's among them), one revoked and one superseded by a reissue.  Idempotent."""

from __future__ import annotations

from certificates import services
from certificates.models import Certificate, CertificateDesign, CertificateStatus
from courses.models import CourseKind, Enrolment, EnrolmentStatus
from lms.models import User

DEMO_DESIGN = {
    "issuer_name": "兵庫県孤独・孤立対策官民連携プラットフォーム",
    "signer_name": "兵庫 つなぐ",
    "signer_title": "事務局長",
    "wording": "あなたは上記の研修の全課程を修了したことをここに証します。",
    "wording_en": "This is to certify that you have completed the course above.",
}


def load_demo_certificates() -> None:
    CertificateDesign.objects.get_or_create(kind=CourseKind.JOINT_TRAINING, defaults=DEMO_DESIGN)
    completed = Enrolment.objects.filter(status=EnrolmentStatus.COMPLETED).order_by("pk")
    for enrolment in completed:
        services.certificate_issue(enrolment=enrolment)  # returns the existing one if any
    if Certificate.objects.exclude(status=CertificateStatus.VALID).exists():
        return
    staff = User.objects.filter(email="coordinator@demo.hyogo.example").first()
    revoke = Certificate.objects.filter(enrolment__user__email="joint5@demo.hyogo.example").first()
    if revoke:
        services.certificate_revoke(
            certificate=revoke, by=staff, reason="出席記録の入力誤りが見つかったため（デモ）"
        )
    reissue = Certificate.objects.filter(enrolment__user__email="joint3@demo.hyogo.example").first()
    if reissue:
        services.certificate_reissue(
            certificate=reissue, by=staff, reason="氏名の表記を訂正したため（デモ）"
        )
