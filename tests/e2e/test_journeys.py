"""Browser journeys through the public site, on a phone, in Japanese.

Each journey starts from the demo content (cms.demo) behind Django's live server and drives
Debian's Chromium with Playwright.  Elements are found the way people find them (links in the
header and menu, form fields) but by stable hooks (URLs, field names) rather than by UI
wording, which translators may change; the Japanese content itself (slogan, organisation and
activity names) is asserted exactly.
"""

import re

from playwright.sync_api import expect

from cms.demo import PILLARS_EN
from cms.models import SLOGAN
from cms.services import PILLARS

ORGANISATION = "ひょうご防災つながりネット"
ACTIVITY = "地域防災リーダー養成講座"
NEWS_TITLE = "地域防災リーダー養成講座の参加者を募集します"
ENGLISH_SLOGAN = "Toward a Hyogo where everyone has a place to belong"
NEW_PASSWORD = "Tsunagari-Hyogo-2026"
FACTORY_PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory

CONFIRM_URL_RE = re.compile(r"https?://[^\s/]+/accounts/confirm-email/[\w:.\-]+/")


def path_is(live_server, path: str) -> re.Pattern:
    """A URL pattern for ``expect(page).to_have_url`` that ignores the query string."""
    return re.compile("^" + re.escape(live_server.url + path) + r"(\?.*)?$")


def header_link(page, href: str):
    return page.locator(f"header.site-header a[href='{href}']")


def test_home_page_in_japanese(page, live_server, demo, axe, artifacts_dir):
    page.goto(live_server.url + "/")

    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=1)).to_have_text(SLOGAN)
    expect(page.locator("footer .slogan")).to_have_text(f"「{SLOGAN}」")

    pillars = page.locator("ol.pillars > li")
    expect(pillars).to_have_count(3)
    for pillar, (title, _text) in zip(pillars.all(), PILLARS, strict=True):
        expect(pillar).to_be_visible()
        expect(pillar).to_contain_text(title)

    # Nothing sticks out sideways on a 390px-wide phone.
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, f"the page scrolls sideways on a phone ({scroll_width}px wide)"

    axe(page, "home page (ja)")
    page.screenshot(path=artifacts_dir / "home-ja-phone.png", full_page=True)


def test_switch_language_to_english_and_back(page, live_server, demo, axe):
    page.goto(live_server.url + "/")

    page.locator("nav.lang-switch").get_by_role("link", name="English").click()

    expect(page).to_have_url(live_server.url + "/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(ENGLISH_SLOGAN)
    expect(page.locator("ol.pillars > li").first).to_contain_text(PILLARS_EN[0][0])
    # The menu follows the language: the directory's English page under /en/.
    expect(header_link(page, "/en/organisations/")).to_have_text("Participating organisations")
    axe(page, "home page (en)")

    page.locator("nav.lang-switch").get_by_role("link", name="日本語").click()

    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=1)).to_have_text(SLOGAN)


def fill_signup_form(page, *, email: str) -> None:
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=full_name]").fill("髙橋 﨑子")
    page.locator("input[name=full_name_kana]").fill("たかはし さきこ")
    page.locator("input[name=password1]").fill(NEW_PASSWORD)
    page.locator("input[name=password2]").fill(NEW_PASSWORD)
    page.locator("input[name=accept_privacy]").check()


def submit(page, form_selector: str = "main form") -> None:
    page.locator(form_selector).locator("button[type=submit]").click()


def test_sign_up_rejects_a_malformed_email(page, live_server, demo, axe):
    page.goto(live_server.url + "/accounts/signup/")
    email = page.locator("input[name=email]")

    # Something that is plainly not an address is stopped by the browser itself...
    fill_signup_form(page, email="takahashi.example.jp")
    assert email.evaluate("el => el.validity.typeMismatch")
    # A form without novalidate that fails checkValidity() is never sent by the browser.
    assert page.locator("main form").evaluate("f => !f.noValidate && !f.checkValidity()")
    submit(page)
    expect(page).to_have_url(live_server.url + "/accounts/signup/")

    # ...and what the browser lets through but is not deliverable is refused by the server,
    # with the message beside the field and the other answers kept.
    fill_signup_form(page, email="takahashi@example")
    with page.expect_response(lambda r: r.request.method == "POST") as response:
        submit(page)
    assert response.value.status == 200  # the form again, not a redirect
    page.wait_for_load_state()

    expect(page).to_have_url(live_server.url + "/accounts/signup/")
    expect(page.locator("main form input[name=password1]")).to_be_visible()
    # The message sits inside the email field's group, between its label and input, and screen readers
    # hear it with the field (aria-describedby), which is marked invalid.
    expect(email).to_have_attribute("aria-invalid", "true")
    described_by = (email.get_attribute("aria-describedby") or "").split()
    errors = [page.locator(f"[id='{id_}']") for id_ in described_by]
    errors = [error for error in errors if "errorlist" in (error.get_attribute("class") or "")]
    assert len(errors) == 1, f"the email field is not described by its error: {described_by}"
    expect(errors[0]).to_be_visible()
    expect(errors[0]).not_to_be_empty()
    field_with_error = page.locator(
        "main form .form-field.has-error", has=page.locator("input[name=email]")
    )
    expect(field_with_error.locator(".errorlist")).to_have_count(1)
    expect(page.locator("input[name=full_name]")).to_have_value("髙橋 﨑子")
    axe(page, "sign-up page with an error")

    from lms.models import User

    assert not User.objects.filter(email__startswith="takahashi").exists()


def test_sign_up_and_verify_email(page, live_server, demo, axe, mailoutbox):
    from lms.models import OutboundEmail, OutboundEmailStatus, User

    email = "takahashi.sakiko@example.jp"
    page.goto(live_server.url + "/")
    header_link(page, "/accounts/signup/").click()

    expect(page).to_have_url(live_server.url + "/accounts/signup/")
    axe(page, "sign-up page")
    fill_signup_form(page, email=email)
    submit(page)

    # allauth asks people to check their inbox; the message went through our notifications
    # service (recorded, then delivered by the django-q2 task, synchronous in tests).
    expect(page).to_have_url(live_server.url + "/accounts/confirm-email/")
    mine = [m for m in mailoutbox if m.to == [email]]  # the demo's own mail is in there too
    assert len(mine) == 1, [m.subject for m in mailoutbox]
    message = mine[0]
    recorded = OutboundEmail.objects.get(recipient=email)
    assert recorded.status == OutboundEmailStatus.SENT
    assert recorded.language == "ja"
    match = CONFIRM_URL_RE.search(message.body)
    assert match, f"no confirmation link in:\n{message.body}"
    confirm_url = match.group(0)
    assert confirm_url.startswith(live_server.url), confirm_url

    page.goto(confirm_url)
    expect(page.locator("main")).to_contain_text(email)
    axe(page, "email confirmation page")
    submit(page)  # ACCOUNT_CONFIRM_EMAIL_ON_GET is off: a button press confirms.

    # Confirming logs the person in (same browser session) and lands on the profile page.
    expect(page).to_have_url(path_is(live_server, "/profile/"))
    expect(header_link(page, "/profile/")).to_be_visible()
    expect(header_link(page, "/accounts/signup/")).to_have_count(0)
    expect(page.locator("input[name=full_name]")).to_have_value("髙橋 﨑子")
    expect(page.locator("input[name=full_name_kana]")).to_have_value("たかはし さきこ")
    axe(page, "profile page")

    user = User.objects.get(email=email)
    assert user.full_name == "髙橋 﨑子"  # the compatibility ideograph 﨑 survives NFKC
    assert user.preferred_language == "ja"
    assert user.emailaddress_set.get(email=email).verified


def test_log_in_and_out(page, live_server, demo):
    from tests.factories import UserFactory

    user = UserFactory()
    page.goto(live_server.url + "/")
    header_link(page, "/accounts/login/").click()

    expect(page).to_have_url(live_server.url + "/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(FACTORY_PASSWORD)
    submit(page)

    expect(page).to_have_url(path_is(live_server, "/profile/"))
    expect(page.locator("main")).to_contain_text(user.email)
    expect(page.locator("input[name=full_name]")).to_have_value(user.full_name)

    header_link(page, "/accounts/logout/").click()
    expect(page).to_have_url(live_server.url + "/accounts/logout/")
    submit(page)  # allauth asks before logging out (no logout on GET)

    expect(header_link(page, "/accounts/login/")).to_be_visible()
    expect(header_link(page, "/profile/")).to_have_count(0)
    page.goto(live_server.url + "/profile/")
    expect(page).to_have_url(path_is(live_server, "/accounts/login/"))


def test_find_an_organisation_in_the_directory(page, live_server, demo, axe):
    page.goto(live_server.url + "/")
    page.locator("nav.main-nav").get_by_role("link", name="参加団体", exact=True).click()

    expect(page).to_have_url(live_server.url + "/organisations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("参加団体")
    cards = page.locator("main .card-list > li.card")
    expect(cards).not_to_have_count(0)
    axe(page, "organisation directory")

    page.locator("select[name=field]").select_option(label="防災")
    submit(page, "form.filter-form")

    expect(page).to_have_url(re.compile(r"[?&]field=disaster-prevention(&|$)"))
    expect(cards).to_have_count(1)
    expect(cards.get_by_role("heading")).to_have_text(ORGANISATION)
    axe(page, "organisation directory filtered by field")

    cards.get_by_role("link", name=ORGANISATION).click()

    expect(page).to_have_url(live_server.url + "/organisations/hyogo-bosai-npo/")
    expect(page.get_by_role("heading", level=1)).to_have_text(ORGANISATION)
    expect(page.get_by_role("heading", level=3, name=ACTIVITY)).to_be_visible()
    axe(page, "organisation detail page")


def test_site_search_finds_japanese_words(page, live_server, demo, axe):
    page.goto(live_server.url + "/search/")

    search_box = page.locator("form[role=search] input[name=q]")
    search_box.fill("防災")
    search_box.press("Enter")

    expect(page).to_have_url(re.compile(r"/search/\?q=%E9%98%B2%E7%81%BD"))
    result = page.locator("main .result-list").get_by_role("link", name=NEWS_TITLE)
    expect(result).to_be_visible()
    axe(page, "search results")

    result.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NEWS_TITLE)


def test_every_public_page_type_passes_axe_on_a_phone(page, live_server, demo, axe):
    """Each kind of public page, in both languages, has no serious or critical axe violation."""
    paths = [
        "/news/",
        "/news/news-2026-05-20/",
        "/case-studies/",
        "/case-studies/case-1/",
        "/about/",
        "/privacy/",
        "/organisations/?field=no-such-field",
        "/search/?q=つながり",
        "/accounts/login/",
        "/accounts/password/reset/",
        "/en/news/",
        "/en/organisations/",
        "/en/accounts/signup/",
    ]
    for path in paths:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        expected_lang = "en" if path.startswith("/en/") else "ja"
        expect(page.locator("html")).to_have_attribute("lang", expected_lang)
        axe(page, path)
