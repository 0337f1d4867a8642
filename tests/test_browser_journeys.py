"""Real-browser journeys: Debian's Chromium driven by Playwright against a live server.

In CI (CI=true) a missing Chromium fails these tests; elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
from collections.abc import Iterator

import openpyxl
import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from pmm.assessments.selectors import assessment_access
from pmm.assessments.services import ValueInput, values_save
from pmm.assessments.validation import needed_slots
from pmm.assessments.workbook.layout import VALUE, layout_of
from pmm.core.actors import SYSTEM
from pmm.cycles.selectors import cycle_spec

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct-horse-battery-staple"  # the conftest's make_user password
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API beside the live server


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM) or shutil.which("chromium") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield instance
        instance.close()


def totp_code(username: str) -> str:
    """The next code the user's authenticator app would show (conftest's make_user sets up TOTP for
    the roles that require it), skipping a time step the device has accepted already."""
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    totp = TOTP(bytes.fromhex(device.key))
    totp.drift = max(0, device.last_t + 1 - totp.t())
    return f"{totp.token():06d}"


def sign_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(rf"^{re.escape(live_server.url)}/(accounts/login/code/)?$"))
    if page.url.endswith("/accounts/login/code/"):  # two-factor authentication: the code step
        page.fill("#id_code", totp_code(username))
        page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_ncp_fills_validates_declares_not_applicable_uploads_and_submits(
    browser, live_server, reference_data, make_user, open_cycle, tmp_path
):
    ncp, contributor = make_user("ncp", "KEN"), make_user("contributor", "KEN")
    # Everything but the two values typed below is already explained as not available.
    typed = {("DECL_TOTAL", "T"), ("DECL_ELECTRONIC", "T")}
    items = [
        ValueInput(code, period, state="not_available", reason="not measured")
        for code, period in needed_slots(cycle_spec(open_cycle), [])
        if (code, period) not in typed
    ]
    values_save(
        actor=SYSTEM,
        assessment=assessment_access(SYSTEM, open_cycle, "KEN"),
        version=0,
        items=items,
        path="api",
    )
    base = f"{live_server.url}/cycles/{open_cycle.pk}/assessments/KEN"

    page = browser.new_page()
    blocked: list[str] = []  # what the browser refused under the Content-Security-Policy (htmx's styles)
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(page, live_server, ncp.username, PASSWORD)
    page.goto(f"{base}/D1/")
    page.fill("#f-DECL_TOTAL-T-value", "lots")
    page.press("#f-DECL_TOTAL-T-value", "Tab")
    page.wait_for_selector("#f-DECL_TOTAL-T-error:text('must be a number')")
    page.fill("#f-DECL_TOTAL-T-value", "120000")
    page.press("#f-DECL_TOTAL-T-value", "Tab")
    # Locator assertions, not wait_for_function: the Content-Security-Policy forbids evaluating strings.
    from playwright.sync_api import expect

    expect(page.locator("#issues-DECL_TOTAL")).not_to_contain_text("must be a number")
    page.fill("#f-DECL_ELECTRONIC-T-value", "119000")
    page.press("#f-DECL_ELECTRONIC-T-value", "Tab")
    expect(page.locator("#issues-DECL_ELECTRONIC")).not_to_contain_text("missing")

    page.check("#kpi-D1\\.O1\\.K2-na")
    page.fill("#kpi-D1\\.O1\\.K2-justification", "We have no national data model yet.")
    page.press("#kpi-D1\\.O1\\.K2-justification", "Tab")
    page.wait_for_selector("#histcount-D1\\.O1\\.K2:text('2 changes')")
    assert blocked == [], "autosave must not trip the Content-Security-Policy"

    # A workbook downloaded from the page, corrected in a spreadsheet, uploaded back.
    page.goto(base + "/")
    with page.expect_download() as download:
        page.click("a[href$='/workbook.xlsx']")
    workbook = tmp_path / "kenya.xlsx"
    download.value.save_as(workbook)
    book = openpyxl.load_workbook(workbook)
    sheet, row = layout_of(cycle_spec(open_cycle)).home["DECL_ELECTRONIC"]
    book[sheet][f"{VALUE['T']}{row}"] = 118500
    book.save(workbook)
    # A file that is no workbook: the error summary at the top takes the focus.
    not_a_workbook = tmp_path / "notes.xlsx"
    not_a_workbook.write_bytes(b"hello")
    page.set_input_files("form.workbook-upload input[type=file]", str(not_a_workbook))
    page.click("form.workbook-upload button[type=submit]")
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator(".error-summary")).to_contain_text("There is a problem")

    page.set_input_files("form.workbook-upload input[type=file]", str(workbook))
    page.click("form.workbook-upload button[type=submit]")
    page.wait_for_selector(".messages :text('1 value and 0 KPI choices saved')")

    # Submitting goes through a confirmation page; "Go back" leaves everything as it was.
    page.click("form[action$='/submit/'] button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Submit the self-assessment of")
    expect(page.locator("main")).to_contain_text("peer review")
    page.click("main a:text('Go back')")
    expect(page.locator("#submitted-state")).to_have_count(0)
    page.click("form[action$='/submit/'] button[type=submit]")
    page.click("form[method=post][action$='/submit/'] button[type=submit]")
    expect(page.locator("#submitted-state")).to_contain_text("Submitted to the WCO Secretariat.")
    expect(page.locator("#submitted-state")).to_contain_text(f"Submitted by {ncp.username}.")
    page.close()

    other = browser.new_page()
    sign_in(other, live_server, contributor.username, PASSWORD)
    other.goto(base + "/")
    assert other.locator("form[action$='/submit/'] button").count() == 0
    other.close()


def test_secretariat_sets_up_two_factor_then_signs_in_with_a_code_under_the_csp(
    browser, live_server, reference_data, make_user, open_cycle
):
    admin = make_user("secretariat_admin", totp=False)
    page = browser.new_page()
    blocked: list[str] = []  # what the browser refused under the Content-Security-Policy, or failed to run
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda error: blocked.append(str(error)))

    page.goto(f"{live_server.url}/accounts/login/?next=/audit/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/account/two-factor/\?next="))
    page.goto(f"{live_server.url}/cycles/")  # nothing else is open before enrolment
    page.wait_for_url(re.compile(r"/account/two-factor/"))
    qr_loaded = page.eval_on_selector("main img", "img => img.complete && img.naturalWidth > 0")
    assert qr_loaded, "the QR code (a data: SVG image) did not load"
    secret = page.text_content("#totp-secret").replace(" ", "").strip()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("#id_code", f"{TOTP(key).token():06d}")
    page.click("main button[type=submit]")
    page.wait_for_selector("#recovery-codes")
    assert page.locator("#recovery-codes li").count() == 10
    page.click("main a:text('continue')")
    page.wait_for_url(f"{live_server.url}/cycles/")  # the page asked for when enrolment was required
    for path in (
        "/cycles/",
        f"/cycles/{open_cycle.pk}/board/",
        "/audit/",
        "/account/",
        "/frameworks/pmm-v1/",
    ):
        page.goto(live_server.url + path)
        assert page.locator("h1").count() == 1, path

    page.click("header form[action$='/logout/'] button")
    page.wait_for_url(f"{live_server.url}/")
    sign_in(page, live_server, admin.username, PASSWORD)
    assert page.locator(f"header a:text('{admin.username}')").count() == 1
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector("#swagger-ui .info")
    assert blocked == []
    page.close()
