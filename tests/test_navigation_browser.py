"""The menu in Chromium at 1280 px: one line for the roles with the most links, in English and French;
"More" opens and closes from the keyboard; htmx adds no <style> of its own (the CSP would refuse it)."""

from __future__ import annotations

import pytest

from test_browser_journeys import PASSWORD, browser, sign_in  # noqa: F401 - the fixture, shared

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("role", "member"), [("secretariat_admin", None), ("ncp", "FRA")])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_menu_fits_one_line_at_1280_px(
    browser,  # noqa: F811
    live_server,
    reference_data,
    make_user,
    open_cycle,
    role: str,
    member: str | None,
    language: str,
) -> None:
    from playwright.sync_api import expect

    user = make_user(role, member)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_cookies([{"name": "pmm_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(page, live_server, user.username, PASSWORD)
    page.goto(f"{live_server.url}/dashboard/")
    assert page.locator("html").get_attribute("lang") == language

    items = page.locator(".main-nav > ul > li")
    assert items.count() >= 7
    boxes = [items.nth(i).bounding_box() for i in range(items.count())]
    tops = {round(box["y"]) for box in boxes}
    assert len(tops) == 1, f"the menu wraps: {[item for item in items.all_inner_texts()]}"
    assert max(box["x"] + box["width"] for box in boxes) <= 1280
    # The dashboard highlights "Dashboard", and nothing else.
    current = page.locator(".main-nav a[aria-current=page]")
    expect(current).to_have_count(1)
    expect(current).to_have_text("Dashboard" if language == "en" else "Tableau de bord")

    # "More" opens from the keyboard, shows its links, and Escape closes it with the focus on "More".
    summary = page.locator(".nav-more summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".nav-more ul a").first).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator(".nav-more ul a").first).to_be_hidden()
    expect(summary).to_be_focused()

    expect(page.locator("head style")).to_have_count(0)  # htmx read its settings from the meta tag
    assert blocked == []
    context.close()
