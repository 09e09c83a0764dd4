"""Steps the browser journeys share: signing in and out, finding links, forms and cards.

Controls are found by stable hooks (form actions, URLs, field names, status classes) rather
than by UI wording."""

import re

from playwright.sync_api import expect


def path_is(live_server, path: str) -> re.Pattern:
    """A URL pattern for ``expect(page).to_have_url`` that ignores the query string."""
    return re.compile("^" + re.escape(live_server.url + path) + r"(\?.*)?$")


def header_link(page, href: str):
    return page.locator(f"header.site-header a[href='{href}']")


def submit(page, form_selector: str = "main form") -> None:
    page.locator(form_selector).locator("button[type=submit]").click()


def form_button(page, action: str):
    """The submit button of the form posting to ``action`` (a path)."""
    return page.locator(f"form[action='{action}'] button[type=submit]")


def number(n: int) -> re.Pattern:
    """``n`` as a number of its own in a sentence, whatever the wording around it."""
    return re.compile(rf"(?<![0-9０-９]){n}(?![0-9０-９])")


def sign_in(page, live_server, email: str, password: str) -> None:
    page.goto(live_server.url + "/")
    header_link(page, "/accounts/login/").click()
    expect(page).to_have_url(path_is(live_server, "/accounts/login/"))
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    submit(page)
    expect(page).to_have_url(path_is(live_server, "/profile/"))
    expect(header_link(page, "/learning/")).to_be_visible()


def sign_out(page, live_server) -> None:
    header_link(page, "/accounts/logout/").click()
    expect(page).to_have_url(path_is(live_server, "/accounts/logout/"))
    submit(page)  # allauth asks before logging out (no logout on GET)
    expect(header_link(page, "/accounts/login/")).to_be_visible()


def open_my_learning(page, live_server) -> None:
    header_link(page, "/learning/").click()
    expect(page).to_have_url(path_is(live_server, "/learning/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def enrolment_card(page, course_title: str):
    """The card for one course on My learning."""
    return page.locator("main .card.enrolment").filter(
        has=page.get_by_role("link", name=course_title, exact=True)
    )
