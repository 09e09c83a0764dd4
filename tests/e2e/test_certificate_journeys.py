"""Browser journey for certificates (issue #5): the demo supporter downloads the certificate of
the course she completed; an anonymous visitor opens its verification link and sees it valid;
after a coordinator revokes it in the admin, the same link says it was revoked."""

from playwright.sync_api import expect

from tests.e2e.journey_helpers import open_my_learning, sign_in

SUPPORTER = ("supporter@demo.hyogo.example", "demo-supporter-2026")  # 兵庫 花子
COORDINATOR = ("coordinator@demo.hyogo.example", "demo-coordinator-2026")
REASON = "受講記録の確認のため一時的に取り消します"


def test_download_verify_and_revoke_a_certificate(page, new_page, live_server, demo, axe):
    from certificates.models import Certificate, CertificateStatus

    certificate = Certificate.objects.get(
        enrolment__user__email=SUPPORTER[0], status=CertificateStatus.VALID
    )

    # The holder downloads the PDF from My learning.
    sign_in(page, live_server, *SUPPORTER)
    open_my_learning(page, live_server)
    link = page.locator(f"a[href='/certificates/{certificate.serial}/download/']")
    expect(link).to_be_visible()
    axe(page, "My learning with a certificate")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"{certificate.serial}.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    # An employer scans the QR code: the verification page says valid, with the name.
    visitor = new_page()
    verify_url = f"{live_server.url}/certificates/verify/{certificate.verification_code}/"
    visitor.goto(verify_url)
    result = visitor.locator(".verify-result")
    expect(result).to_have_class("verify-result verify-valid")
    expect(result).to_contain_text("兵庫 花子")
    expect(result).to_contain_text(certificate.serial)
    axe(visitor, "certificate verification (valid)")

    # A coordinator revokes it in the admin, with a reason.
    staff = new_page()
    sign_in(staff, live_server, *COORDINATOR)
    staff.goto(f"{live_server.url}/admin/certificates/runs/{certificate.enrolment.run_id}/")
    revoke_form = staff.locator(f"form[action='/admin/certificates/{certificate.pk}/revoke/']")
    staff.locator(f"#revoke-{certificate.pk}").fill(REASON)
    revoke_form.locator("input[name=confirm]").check()
    revoke_form.locator("button").click()
    expect(staff.locator(".messages")).to_contain_text(certificate.serial)
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED

    # The same link now says revoked, with the date and the reason.
    visitor.goto(verify_url)
    expect(result).to_have_class("verify-result verify-revoked")
    expect(result).to_contain_text(REASON)
    axe(visitor, "certificate verification (revoked)")
