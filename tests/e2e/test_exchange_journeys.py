"""Browser journeys for the members' exchange (情報交換), on a phone, in Japanese, on the demo.

The children's canteen network's admin (食堂 結衣) opens the exchange from "My organisations",
first sends the post form with a program renamed .pdf (told why, next to the field, nothing
saved), then shares a case report with a field and a PDF.  A member of another organisation
reads it, comments and downloads the PDF.  A signed-in resident who is not a member is shown
the "for members" page.  axe-core checks the list, the form (empty and with errors) and the
post page.  Controls are found by stable hooks (names, URLs, classes), not by wording."""

from playwright.sync_api import expect

from tests.e2e.journey_helpers import path_is, sign_in

ORG_ADMIN = ("org-admin@demo.hyogo.example", "demo-org-2026")  # 食堂 結衣
VOLUNTEER = ("volunteer@demo.hyogo.example", "demo-volunteer-2026")  # 髙橋 﨑子
READER_EMAIL = "engawa.amagasaki@example.jp"
READER_PASSWORD = "amagasaki-engawa-2026"
READER_ORGANISATION = "amagasaki-shotengai"
TITLE = "夏休みの昼食会で見えた、家庭の困りごと"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def test_a_member_shares_a_case_report_and_another_organisation_reads_comments_and_downloads(
    page, new_page, live_server, demo, axe
):
    from cms.models import Organisation
    from exchange.models import Attachment, Comment, Post
    from lms.models import Field
    from organisations.models import Membership
    from tests.factories import UserFactory

    reader = UserFactory(email=READER_EMAIL, full_name="縁側 千尋", password=READER_PASSWORD)
    Membership.objects.create(
        organisation=Organisation.objects.get(slug=READER_ORGANISATION), user=reader, role="member"
    )
    child_rearing = Field.objects.get(slug="child-rearing")
    posts_before = Post.objects.count()

    # --- The canteen's admin finds the exchange from her organisations. ---
    sign_in(page, live_server, *ORG_ADMIN)
    page.goto(live_server.url + "/organisations/mine/")
    page.locator(".exchange-link a[href='/members/']").click()
    expect(page).to_have_url(path_is(live_server, "/members/"))
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator(".notices li").first).to_be_visible()  # the secretariat's demo notice
    axe(page, "members' exchange list")

    page.locator("a[href='/members/posts/new/']").click()
    expect(page).to_have_url(path_is(live_server, "/members/posts/new/"))
    # One organisation: already chosen.
    expect(page.locator("input[name=organisation]")).to_be_checked()
    axe(page, "post form")

    # --- A program renamed .pdf is refused, next to the field; nothing is saved. ---
    page.locator("input[name=kind][value=case_report]").check()
    page.locator("input[name=title]").fill(TITLE)
    page.locator("textarea[name=body]").fill("本文")
    page.locator("input[name=attachment_1]").set_input_files(
        files=[{"name": "報告.pdf", "mimeType": "application/pdf", "buffer": EXECUTABLE}]
    )
    page.locator("form.post-form button[type=submit]").click()
    expect(page.locator("#id_attachment_1_errors")).to_be_visible()
    expect(page.locator("input[name=attachment_1]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".form-error-summary a[href='#id_attachment_1']")).to_be_visible()
    expect(page.locator(".form-error-summary .files-again")).to_be_visible()
    axe(page, "post form with an error")
    assert Post.objects.count() == posts_before
    assert not Attachment.objects.filter(original_name="報告.pdf").exists()

    # --- Then she shares it properly, with a PDF. ---
    expect(page.locator("input[name=title]")).to_have_value(TITLE)  # kept
    page.locator("textarea[name=body]").fill(
        "夏休みの昼食会に来た保護者から、仕事と介護の両立の悩みを聞きました。"
        "地域包括支援センターにつなぎ、今は月1回の相談につながっています。"
    )
    page.locator(f"input[name=fields][value='{child_rearing.pk}']").check()
    page.locator("input[name=attachment_1]").set_input_files(
        files=[{"name": "昼食会の記録.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.locator("form.post-form button[type=submit]").click()

    post = Post.objects.get(title=TITLE)
    detail_path = f"/members/posts/{post.pk}/"
    expect(page).to_have_url(path_is(live_server, detail_path))
    expect(page.locator(".messages .message-success")).to_be_visible()
    assert post.organisation.slug == "himeji-kodomo-shokudo"
    assert post.kind == "case_report" and list(post.fields.all()) == [child_rearing]
    attachment = post.attachments.get()
    assert (attachment.original_name, attachment.content_type) == (
        "昼食会の記録.pdf",
        "application/pdf",
    )
    axe(page, "post page")

    # --- A member of another organisation reads it, comments and downloads the PDF. ---
    other = new_page()
    sign_in(other, live_server, READER_EMAIL, READER_PASSWORD)
    other.goto(live_server.url + "/members/")
    card = other.locator(f"#post-{post.pk}")
    expect(card).to_contain_text(TITLE)
    card.locator(f"a[href='{detail_path}']").click()
    expect(other).to_have_url(path_is(live_server, detail_path))
    expect(other.locator(".post-body")).to_contain_text("地域包括支援センター")
    expect(other.locator(f"a[href='/members/posts/{post.pk}/edit/']")).to_have_count(0)

    comment_form = other.locator("form.comment-form")
    comment_form.locator("button[type=submit]").click()  # empty: told what to write
    expect(other.locator("#id_body_errors")).to_be_visible()
    axe(other, "post page with a comment error")
    other.locator("textarea[name=body]").fill(
        "うちの商店街の見守りでも同じ声を聞きます。参考になりました。"
    )
    other.locator("form.comment-form button[type=submit]").click()
    expect(other.locator(".comment-list .comment")).to_contain_text("参考になりました")
    assert Comment.objects.filter(post=post, author=reader).count() == 1

    with other.expect_download() as download_info:
        other.locator(f"a.download[href='/members/files/{attachment.pk}/']").click()
    download = download_info.value
    assert download.suggested_filename == "昼食会の記録.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read() == PDF

    # --- A signed-in resident who is not a member is told what the area is. ---
    outsider = new_page()
    sign_in(outsider, live_server, *VOLUNTEER)
    response = outsider.goto(live_server.url + detail_path)
    assert response.status == 403
    expect(outsider.locator(".members-only a[href='/organisations/apply/']")).to_be_visible()
    expect(outsider.locator("body")).not_to_contain_text(TITLE)
    axe(outsider, "members-only page")
