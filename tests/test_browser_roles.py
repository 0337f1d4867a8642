"""Each role's main job in a real browser, in English and French, from its home page.

Every walk signs in through the sign-in form (with the two-factor code where the role requires it),
starts at the home page, switches to the language (the language form in the header, for French) and
then follows links and buttons as a person would: no typed addresses. The outcomes asserted are the
texts the person reads, in the page's language (taken from the French catalogue).

- NCP: opens the self-assessment from the home page, enters a value (saved), reaches the submission's
  confirmation page and submits;
- contributor: opens the self-assessment from the home page and enters a value (saved);
- peer reviewer: opens the review assigned to them from the home page and raises a query, which shows;
- Secretariat: opens the cycle's status board from the home page, then the cycle's analytics;
- basic user: reaches the cycle's results from the home page (WCO-level results only);
- anonymous visitor: the published results, a cycle's results by KPI, a KPI's page.

Screenshots of the key pages go to docs/screenshots/ with PMM_SCREENSHOTS=1 (browser_support.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import expect

from browser_support import PASSWORD, VIEWPORT, browser, screenshot_folder, sign_in  # noqa: F401
from conftest import accredited_reviewer, submit_generated
from pmm.assessments.selectors import assessment_access
from pmm.assessments.services import ValueInput, values_save
from pmm.assessments.validation import needed_slots
from pmm.authz.roles import Role
from pmm.core.actors import SYSTEM
from pmm.cycles.selectors import cycle_spec
from pmm.members import phrases
from pmm.members.models import Member
from pmm.results.services import publication_create
from pmm.reviews.services import review_assign, review_move, review_request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LANGUAGES = ["en", "fr"]
TYPED = ("DECL_TOTAL", "T")  # the value the NCP and the contributor type


def say(language: str, text: str, **values: Any) -> str:
    """`text` as the page shows it in `language` (the catalogue's translation, values put in)."""
    with translation.override(language):
        translated = translation.gettext(text)
    return translated % values if values else translated


def of_member(language: str, iso3: str) -> str:
    """A member's name after "of" as the pages say it: "of Kenya", "du Kenya"."""
    with translation.override(language):
        return phrases.of_member(Member.objects.get(iso3=iso3))


def name_of(language: str, iso3: str) -> str:
    with translation.override(language):
        return Member.objects.get(iso3=iso3).display_name


class Walk:
    """One person's browser page, in one language, with screenshots named after the role."""

    def __init__(self, chromium: Any, live_server: Any, language: str, role: str, shots: Path) -> None:
        self.context = chromium.new_context(viewport=VIEWPORT, locale="en-GB")
        self.page = self.context.new_page()
        self.live_server, self.language, self.role, self.shots = live_server, language, role, shots
        self.problems: list[str] = []
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.page.on(  # what the browser refused under the Content-Security-Policy
            "console",
            lambda m: self.problems.append(m.text) if "Content Security Policy" in m.text else None,
        )

    def say(self, text: str, **values: Any) -> str:
        return say(self.language, text, **values)

    def start(self, username: str | None, *, home_shot: bool = True) -> None:
        """Sign in (anonymous: just arrive), land on the home page, and switch to the walk's language."""
        page = self.page
        if username is None:
            page.goto(self.live_server.url + "/")
        else:
            sign_in(page, self.live_server, username, PASSWORD)
        if self.language != "en":
            page.select_option("#language-select", self.language)
            page.click(".lang-form button[type=submit]")
            page.wait_for_url(self.live_server.url + "/")
        expect(page.locator("html")).to_have_attribute("lang", self.language)
        expect(page.locator("h1")).to_have_text(self.say("WCO Performance Measurement Mechanism"))
        if home_shot:
            self.shot("home")

    def follow(self, href: str, within: str = "main") -> None:
        """Click the first link to `href` (or to a part of it: `href#part`) in `within` (the page's main
        part by default)."""
        self.page.locator(f"{within} a[href='{href}'], {within} a[href^='{href}#']").first.click()
        self.page.wait_for_url(self.live_server.url + href + "*")

    def heading(self, text: str) -> None:
        expect(self.page.locator("h1")).to_contain_text(text)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{self.role}-{name}-{self.language}.png"))

    def close(self) -> None:
        self.context.close()
        assert self.problems == [], f"script errors or refusals on the pages: {self.problems}"


@pytest.fixture
def walk(browser, live_server, tmp_path) -> Iterator[Callable[[str, str], Walk]]:  # noqa: F811
    walks: list[Walk] = []

    def make(language: str, role: str) -> Walk:
        walks.append(Walk(browser, live_server, language, role, screenshot_folder(tmp_path)))
        return walks[-1]

    yield make
    for opened in walks:
        opened.close()


def _kenya_in_progress(cycle) -> str:
    """Kenya's self-assessment with every needed value explained as not available but one, which the
    walk types; the assessment's address."""
    items = [
        ValueInput(code, period, state="not_available", reason="not measured")
        for code, period in needed_slots(cycle_spec(cycle), [])
        if (code, period) != TYPED
    ]
    assessment = assessment_access(SYSTEM, cycle, "KEN")
    values_save(actor=SYSTEM, assessment=assessment, version=assessment.version, items=items, path="api")
    return f"/cycles/{cycle.pk}/assessments/KEN/"


def _enter_a_value(w: Walk, assessment: str) -> None:
    """From the home page: open the self-assessment, its first dimension, type the missing value."""
    w.follow(assessment)
    w.heading(w.say("Self-assessment %(of_member)s", of_member=of_member(w.language, "KEN")))
    w.follow(assessment + "D1/")
    field = f"#f-{TYPED[0]}-{TYPED[1]}-value"
    w.page.fill(field, "120000")
    w.page.press(field, "Tab")
    expect(w.page.locator("#autosave-status")).to_contain_text(w.say("Saved"))
    w.shot("entry")


@pytest.mark.parametrize("language", LANGUAGES)
def test_ncp_enters_a_value_and_submits(walk, live_server, reference_data, make_user, open_cycle, language):
    ncp = make_user(Role.NCP, "KEN")
    assessment = _kenya_in_progress(open_cycle)
    w = walk(language, "ncp")
    w.start(ncp.username)
    _enter_a_value(w, assessment)
    w.follow(assessment, within="")  # back to the self-assessment (its breadcrumbs)
    w.page.click("form[action$='/submit/'] button[type=submit]")
    w.heading(w.say("Submit the self-assessment %(of_member)s", of_member=of_member(language, "KEN")))
    expect(w.page.locator("main")).to_contain_text(w.say("What submitting means"))
    w.shot("submit")
    w.page.click("form[method=post][action$='/submit/'] button[type=submit]")
    expect(w.page.locator("#submitted-state")).to_contain_text(w.say("Submitted to the WCO Secretariat."))
    w.shot("submitted")


@pytest.mark.parametrize("language", LANGUAGES)
def test_contributor_enters_a_value(walk, live_server, reference_data, make_user, open_cycle, language):
    contributor = make_user(Role.CONTRIBUTOR, "KEN")
    assessment = _kenya_in_progress(open_cycle)
    w = walk(language, "contributor")
    w.start(contributor.username, home_shot=False)  # the NCP's home page, nearly
    _enter_a_value(w, assessment)
    expect(w.page.locator("form[action$='/submit/'] button")).to_have_count(0)  # the NCP submits


@pytest.mark.parametrize("language", LANGUAGES)
def test_reviewer_opens_the_assigned_review_and_raises_a_query(
    walk, live_server, reference_data, make_user, open_cycle, submitted_assessment, language
):
    assessment = submitted_assessment(open_cycle, "KEN")
    review = review_request(actor=make_user(Role.NCP, "KEN"), assessment=assessment)
    review_move(actor=SYSTEM, review=review, action="accept")
    lead = accredited_reviewer(make_user, "CAN")
    review_assign(actor=SYSTEM, review=review, reviewer=lead, lead=True, accept_warnings=True)
    review_move(actor=SYSTEM, review=review, action="start")
    w = walk(language, "reviewer")
    w.start(lead.username)
    w.follow(f"/cycles/{open_cycle.pk}/assessments/KEN/review/")  # the home page's next action
    w.heading(w.say("Peer review %(of_member)s", of_member=of_member(language, "KEN")))
    w.page.select_option("#id_raise-kpi", "D1.O1.K1")
    w.page.fill("#id_raise-text", "Electronic declarations look low: please check.")
    w.page.click("form[action$='/queries/'] button[type=submit]")
    expect(w.page.locator("main")).to_contain_text(
        w.say("The query was added; it goes to the member with the next round.")
    )
    expect(w.page.locator("#query-1")).to_contain_text("Electronic declarations look low")
    w.shot("query")


def _published(cycle) -> None:
    """France and Brazil submitted and published (D1.O1.K1 public, the rest at their default levels)."""
    submit_generated(cycle, "FRA", seed=3, disclosure={"D1.O1.K1": "public"})
    submit_generated(cycle, "BRA", seed=5, disclosure={"D1.O1.K1": "public"})
    publication_create(actor=SYSTEM, cycle=cycle)


@pytest.mark.parametrize("language", LANGUAGES)
def test_secretariat_opens_the_status_board_and_the_analytics(
    walk, live_server, reference_data, make_user, open_cycle, django_capture_on_commit_callbacks, language
):
    with django_capture_on_commit_callbacks(execute=True):
        _published(open_cycle)
    analyst = make_user(Role.SECRETARIAT_ANALYST)
    w = walk(language, "secretariat")
    w.start(analyst.username)
    board = f"/cycles/{open_cycle.pk}/board/"
    w.follow(board)
    w.heading(w.say("Status board"))
    w.shot("board")
    w.page.select_option("#f-status", "submitted")  # who has submitted?
    w.page.click("main form.filters button[type=submit]")
    rows = w.page.locator("main table tbody tr")
    expect(rows.filter(has_text=name_of(language, "FRA"))).to_have_count(1)
    expect(rows.filter(has_text=name_of(language, "KEN"))).to_have_count(0)
    w.follow(f"/cycles/{open_cycle.pk}/", within=".breadcrumbs")
    w.follow(f"/cycles/{open_cycle.pk}/analytics/")
    w.heading(w.say("Analytics of %(cycle)s", cycle=_cycle_name(language, open_cycle)))
    w.shot("analytics")


def _cycle_name(language: str, cycle) -> str:
    with translation.override(language):
        return str(cycle)


@pytest.mark.parametrize("language", LANGUAGES)
def test_basic_user_reaches_the_cycle_results(
    walk, live_server, reference_data, make_user, open_cycle, django_capture_on_commit_callbacks, language
):
    with django_capture_on_commit_callbacks(execute=True):
        _published(open_cycle)
    basic = make_user(Role.BASIC)
    w = walk(language, "basic")
    w.start(basic.username)
    results = f"/cycles/{open_cycle.pk}/results/"
    w.follow(results)  # the home page's latest results
    w.heading(w.say("Results of %(cycle)s", cycle=_cycle_name(language, open_cycle)))
    expect(w.page.locator("main")).to_contain_text("D1.O1.K1")
    w.shot("results")


@pytest.mark.parametrize("language", LANGUAGES)
def test_anonymous_visitor_reads_the_public_results_of_a_kpi(
    walk, live_server, reference_data, open_cycle, django_capture_on_commit_callbacks, language
):
    with django_capture_on_commit_callbacks(execute=True):
        _published(open_cycle)
    w = walk(language, "anonymous")
    w.start(None)
    w.follow("/public/", within="header nav")
    w.heading(w.say("Published results"))
    w.shot("public")
    w.follow(f"/public/cycles/{open_cycle.pk}/kpis/")
    w.heading(w.say("Results by KPI: %(cycle)s", cycle=_cycle_name(language, open_cycle)))
    w.follow(f"/public/cycles/{open_cycle.pk}/kpis/D1.O1.K1/")
    expect(w.page.locator("h1")).to_contain_text("D1.O1.K1")
    expect(w.page.locator("main")).to_contain_text(name_of(language, "FRA"))
    w.shot("kpi")
