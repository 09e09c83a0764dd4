"""Browser journeys for organisations' own activities (issue #12, item 3), on a phone.

An organisation admin posts a connection-making activity with a kanji title; it waits for the
secretariat; a coordinator publishes it from the admin; a resident, not signed in, finds it at
/activities/ by municipality and gets a map link.  axe-core checks the activity form (also
with errors) and the finder.  The database is checked after each step."""

import re

from playwright.sync_api import expect

from tests.e2e.journey_helpers import path_is, sign_in

COORDINATOR = ("coordinator@demo.hyogo.example", "demo-coordinator-2026")
ADMIN_EMAIL = "minsei.awaji@example.jp"
ADMIN_PASSWORD = "awaji-minsei-2026"
ORGANISATION = "awaji-minsei"
TITLE = "ふれあい喫茶「潮風」"


def test_an_organisation_posts_an_activity_staff_publish_it_and_a_resident_finds_it(
    page, new_page, live_server, demo, axe
):
    from cms.models import Activity, Organisation
    from lms.models import Municipality
    from organisations.models import ActivityVersion, Membership
    from tests.factories import UserFactory

    organisation = Organisation.objects.get(slug=ORGANISATION)
    assert organisation.trusted is False
    admin = UserFactory(email=ADMIN_EMAIL, full_name="淡路 﨑子", password=ADMIN_PASSWORD)
    Membership.objects.create(organisation=organisation, user=admin, role="admin")
    awaji = Municipality.objects.get(name="淡路市")
    form_path = f"/organisations/{ORGANISATION}/activities/new/"

    # --- The organisation's admin posts an activity, on a phone. ---
    sign_in(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(live_server.url + form_path)
    expect(page.locator("h1")).to_be_visible()
    axe(page, "activity form")

    # Sending it empty explains what is missing, next to the fields.
    page.locator(f"form[action='{form_path}'] button[type=submit]").click()
    expect(page.locator("#id_title_errors")).to_be_visible()
    expect(page.locator("#id_municipality_errors")).to_be_visible()
    expect(page.locator("input[name=title]")).to_have_attribute("aria-invalid", "true")
    axe(page, "activity form with errors")
    assert not Activity.objects.filter(organisation=organisation).exists()

    page.locator("input[name=title]").fill(TITLE)
    page.locator("textarea[name=description]").fill(
        "お茶を飲みながら、ご近所の方とおしゃべりする場です。"
    )
    page.locator("input[name=place]").fill("東浦サンパーク 交流室")
    page.locator("select[name=municipality]").select_option(label="淡路市")
    page.locator("input[name=weekdays][value='2']").check()
    page.locator("input[name=weekdays][value='6']").check()
    page.locator("input[name=schedule]").fill("毎週火・土曜日 10:00〜12:00")
    page.locator("input[name=audience]").fill("どなたでも（高齢の方歓迎）")
    page.locator("input[name=cost]").fill("1回100円（お茶代）")
    page.locator("input[name=accessibility]").fill("段差なし・車いす用トイレあり")
    page.locator("input[name=contact]").fill("0799-00-0000（担当：髙橋）")
    page.locator(f"form[action='{form_path}'] button[type=submit]").click()

    activities_path = f"/organisations/{ORGANISATION}/activities/"
    expect(page).to_have_url(path_is(live_server, activities_path))
    card = page.locator(".activity-status").filter(has_text=TITLE)
    expect(card.locator("[data-status=pending]")).to_be_visible()
    # The organisation's dashboard shows the same.
    page.goto(f"{live_server.url}/organisations/{ORGANISATION}/dashboard/")
    card = page.locator(".activity-status").filter(has_text=TITLE)
    expect(card.locator("[data-status=pending]")).to_be_visible()
    expect(card.locator("a[href$='/edit/']")).to_have_count(1)  # admins may edit
    activity = Activity.objects.get(organisation=organisation, title=TITLE)
    assert activity.is_published is False
    assert activity.weekdays == "2,6"
    assert activity.municipality == awaji
    version = ActivityVersion.objects.get(activity=activity)
    assert version.status == ActivityVersion.Status.PENDING
    assert version.edited_by == admin

    # Not public yet: a resident does not find it.
    resident = new_page()
    resident.goto(f"{live_server.url}/activities/?municipality={awaji.pk}")
    expect(resident.locator(".activity-card")).to_have_count(0)

    # --- A coordinator publishes it from the admin. ---
    staff = new_page()
    sign_in(staff, live_server, *COORDINATOR)
    staff.goto(live_server.url + "/admin/organisations/moderation/")
    item = staff.locator(f"section[data-version='{version.pk}']")
    expect(item).to_contain_text(TITLE)
    expect(item).to_contain_text("1回100円（お茶代）")
    item.locator(
        f"form[action='/admin/organisations/moderation/{version.pk}/publish/'] button"
    ).click()
    expect(staff.locator(f"section[data-version='{version.pk}']")).to_have_count(0)
    activity.refresh_from_db()
    version.refresh_from_db()
    assert activity.is_published is True
    assert version.status == ActivityVersion.Status.PUBLISHED
    assert version.reviewed_by.email == COORDINATOR[0]

    # --- A resident, not signed in, finds it by municipality on a phone. ---
    resident.goto(live_server.url + "/activities/")
    axe(resident, "activity finder")
    resident.locator("select[name=municipality]").select_option(label="淡路市")
    resident.locator("form.activity-filter button[type=submit]").click()
    expect(resident).to_have_url(re.compile(rf"/activities/\?.*municipality={awaji.pk}"))
    found = resident.locator(".activity-card").filter(has_text=TITLE)
    expect(found).to_have_count(1)
    expect(resident.locator(".activity-card")).to_have_count(1)
    expect(resident.locator("p.result-count[role=status]")).to_contain_text("1")
    expect(found).to_contain_text("毎週火・土曜日 10:00〜12:00")
    expect(found).to_contain_text("火曜日")
    expect(found).to_contain_text("段差なし・車いす用トイレあり")
    map_link = found.locator("a.map-link")
    expect(map_link).to_have_attribute(
        "href", re.compile(r"^https://www\.google\.com/maps/search/\?api=1&query=")
    )
    expect(map_link).not_to_have_attribute("target", "_blank")
    axe(resident, "activity finder with results")
