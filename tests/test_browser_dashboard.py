"""Real-browser journey of a member dashboard: the NCP opens it, sees the charts drawn (not empty
containers), switches to French, and downloads a chart's data.

It saves the page in English and French: into docs/screenshots/ with PMM_SCREENSHOTS=1 (see
tests/browser_support.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser_support import browser, screenshot_folder, sign_in  # noqa: F401 - the fixture, shared
from conftest import cycle_of, write_results
from pmm.framework.models import Kpi
from pmm.members.models import Member
from pmm.targets.services import target_set

PASSWORD = "correct-horse-battery-staple"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PEERS = ["UGA", "TZA", "RWA", "BDI", "ETH", "SOM", "SSD", "DJI", "ERI", "SDN", "MWI"]
CLIP = {"x": 0, "y": 0, "width": 1280, "height": 2300}  # the top of the page: charts, strengths
KPIS = ["D1.O1.K1", "D1.O1.K3", "D1.O4.K1", "D1.O6.K1", "D2.O2.K1", "D3.O1.K1", "D4.O2.K1"]


def _publish(cycle, shift: float) -> None:
    kpis = {k.code: k for k in Kpi.objects.filter(outcome__dimension__framework=cycle.framework)}
    members = {m.iso3: m for m in Member.objects.filter(iso3__in=["KEN", *PEERS])}
    entries = {}
    for i, iso3 in enumerate(["KEN", *PEERS]):
        value = (95.0 if iso3 == "KEN" else 30.0 + 4 * i) + shift
        entries[members[iso3]] = [
            (
                kpis[code],
                "wco",
                [{"component": c, "status": "computed", "value": value} for c in kpis[code].formula],
            )
            for code in KPIS
        ]
    write_results(cycle, 1, entries)


def test_ncp_sees_the_charts_switches_to_french_and_downloads_data(
    browser,  # noqa: F811
    live_server,
    reference_data,
    make_user,
    open_cycle,
    tmp_path,
):
    earlier = cycle_of(2022)
    _publish(earlier, -20.0)
    _publish(open_cycle, 0.0)
    ncp = make_user("ncp", "KEN")
    kenya = Member.objects.get(iso3="KEN")
    target_set(actor=ncp, member=kenya, cycle=open_cycle, kpi="D1.O4.K1", year=2026, value=20.0)

    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, live_server, ncp.username, PASSWORD)
    page.goto(f"{live_server.url}/cycles/{open_cycle.pk}/members/KEN/dashboard/?kpi=D1.O4.K1:value")
    charts = page.locator("figure.chart")
    expect(charts).to_have_count(3)
    for index in range(3):
        expect(charts.nth(index).locator("svg .role-mark").first).to_be_attached(timeout=15_000)
        assert charts.nth(index).locator("svg path").count() > 0
    expect(page.locator("text=Strengths and weaknesses")).to_be_visible()
    shots = screenshot_folder(tmp_path)
    page.screenshot(path=str(shots / "dashboard-en.png"), full_page=True, clip=CLIP)

    page.select_option("#language-select", "fr")
    page.click(".lang-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Tableau de bord du Kenya")
    expect(page.locator("figure.chart").first.locator("svg .role-mark").first).to_be_attached(timeout=15_000)
    page.screenshot(path=str(shots / "dashboard-fr.png"), full_page=True, clip=CLIP)

    with page.expect_download() as download_info:
        page.locator("#dimension-overview a[href*='format=csv']").click()
    download = download_info.value
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert download.suggested_filename.endswith(".csv")
    assert "Meilleur quart" in text.splitlines()[0] and "D1" in text  # French headers, the data
    assert not [e for e in errors if "Content Security Policy" in e or "unsafe-eval" in e], errors
    context.close()
