"""Long pages made short (issue 14, item 8): the results in pages of 50 with their filters kept, the
status board by WCO region, a dimension's entry page one outcome at a time, and member filters that
take a name (suggested by a datalist) as well as an ISO3 code."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from browser_support import axe_violations, browser, session_context  # noqa: F401 (browser: a fixture)
from pmm.assessments.forms.blocks import KpiView, OutcomeView
from pmm.assessments.validation import Completeness
from pmm.assessments.views.outcome_sections import outcome_sections
from pmm.authz.roles import Role
from pmm.core.paging import list_page, page_url, requested_page
from pmm.members.selectors import member_choices, member_find
from test_browser_journeys import PASSWORD, sign_in

# --- the shared pieces -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,number",
    [(None, 1), ("", 1), ("abc", 1), ("0", 1), ("-1", 1), ("1.5", 1), ("٣", 1), ("2", 2), (" 3 ", 3)],
)
def test_a_page_number_that_is_no_positive_number_is_the_first_page(text, number):
    assert requested_page(text) == number


def test_a_page_past_the_end_is_the_last_page_and_the_links_keep_the_filters():
    query = QueryDict("kpi=D1.O1.K1&member=France&page=99999999999999999999999")
    listing = list_page(list(range(120)), query, per_page=50)
    assert (listing.number, listing.page_count, listing.total) == (3, 3, 120)
    assert (listing.first, listing.last, listing.items) == (101, 120, list(range(100, 120)))
    assert listing.next_url == "" and listing.previous_url == "?kpi=D1.O1.K1&member=France&page=2"
    assert [link.number for link in listing.links] == [1, 2, 3]
    assert listing.links[0].url == "?kpi=D1.O1.K1&member=France"  # page 1 needs no page parameter
    assert [link.current for link in listing.links] == [False, False, True]


def test_an_empty_list_is_one_empty_page():
    listing = list_page([], QueryDict("page=4"))
    assert (listing.number, listing.total, listing.first, listing.last, listing.several) == (
        1,
        0,
        0,
        0,
        False,
    )


def test_a_long_list_elides_the_far_pages():
    listing = list_page(list(range(1000)), QueryDict("page=10"), per_page=10)
    numbers = [link.number for link in listing.links]
    assert numbers[:2] == [1, None] and numbers[-2:] == [None, 100] and 10 in numbers
    assert page_url(QueryDict(""), 1) == "?"


@pytest.mark.django_db
def test_a_member_is_found_by_code_or_by_name_in_any_language(reference_data):
    france = member_find("FRA")
    assert france is not None and france.iso3 == "FRA"
    for typed in ("fra", "France", "  france ", "FRANCE", f"{france.display_name} (FRA)"):
        assert member_find(typed) == france, typed
    ivory = next(iso3 for iso3, name in member_choices() if name.startswith("Côte"))
    assert member_find("cote d'ivoire").iso3 == ivory  # accents and case aside
    assert member_find("Atlantis") is None and member_find("") is None
    names = [name for _iso3, name in member_choices()]
    assert len(names) > 100 and "France" in names


# --- the results -------------------------------------------------------------------------------------


def _rows(html: str) -> list[str]:
    return re.findall(r"<tr>\s*<td>(.*?)</td>", html.split("<tbody>", 1)[1], flags=re.S)


@pytest.mark.django_db
def test_the_results_come_in_pages_with_the_filters_kept(
    client, open_cycle, published, make_user, page_problems
):
    client.force_login(make_user(Role.SECRETARIAT_ADMIN))
    base = f"/cycles/{open_cycle.pk}/results/"
    everything = client.get(base, {"publication": "current"})
    html = everything.content.decode()
    total = int(re.search("Showing 1\u2013" + r"50 of (\d+)", html).group(1))
    assert total > 50 and len(_rows(html)) == 50 and not page_problems(html)
    assert 'href="?publication=current&amp;page=2" rel="next"' in html
    second = client.get(base, {"publication": "current", "page": "2"}).content.decode()
    assert f"Showing 51\u2013{min(100, total)} of {total}" in second
    assert 'aria-current="page"><span class="visually-hidden">Page </span>2<' in second
    # A filter is kept in the page links; a filtered list has its own count.
    kenya = client.get(base, {"publication": "current", "member": "Kenya"}).content.decode()
    shown = int(re.search("Showing 1\u2013" + r"\d+ of (\d+)", kenya).group(1))
    assert shown < total and "(FRA)" not in kenya and "(KEN)" in kenya
    if shown > 50:
        assert "member=Kenya&amp;page=2" in kenya
    for bad in ("0", "-1", "abc", "1e3", "99999999999999999999"):
        answer = client.get(base, {"publication": "current", "page": bad})
        assert answer.status_code == 200, bad
        assert "Showing " in answer.content.decode()


@pytest.mark.django_db
def test_the_results_member_filter_takes_a_name_suggested_by_a_datalist(
    client, open_cycle, published, make_user
):
    client.force_login(make_user(Role.NCP, "FRA"))
    base = f"/cycles/{open_cycle.pk}/results/"
    html = client.get(base).content.decode()
    assert '<label for="id_member">Member</label>' in html
    assert 'list="id_member-names"' in html and 'aria-describedby="id_member-help"' in html
    assert '<datalist id="id_member-names">' in html and '<option value="Kenya">KEN</option>' in html
    by_name = client.get(base, {"member": "france"}).content.decode()
    by_code = client.get(base, {"member": "FRA"}).content.decode()
    assert _rows(by_name) == _rows(by_code) and _rows(by_code)
    assert all("(FRA)" in row for row in _rows(by_name))
    unknown = client.get(base, {"member": "Atlantis"})
    assert unknown.status_code == 400
    assert "No member is called “Atlantis”" in unknown.content.decode()


@pytest.mark.django_db
def test_every_page_of_results_runs_the_same_number_of_queries(client, open_cycle, published, make_user):
    client.force_login(make_user(Role.SECRETARIAT_ADMIN))
    base = f"/cycles/{open_cycle.pk}/results/?publication=current"
    counts = []
    for page in ("1", "2", "abc"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{base}&page={page}").status_code == 200
        counts.append(len(queries))
    assert len(set(counts)) == 1, counts


@pytest.mark.django_db
def test_the_results_api_gives_a_slice_on_request(client, open_cycle, published, make_user, bearer):
    headers = bearer(make_user(Role.SECRETARIAT_ADMIN))
    url = f"/api/v1/cycles/{open_cycle.pk}/results"
    whole = client.get(url, headers=headers).json()
    assert whole["count"] == len(whole["results"]) > 10 and (whole["offset"], whole["limit"]) == (0, None)
    part = client.get(url, {"offset": 5, "limit": 4}, headers=headers).json()
    assert part["count"] == whole["count"] and (part["offset"], part["limit"]) == (5, 4)
    assert part["results"] == whole["results"][5:9]
    clamped = client.get(url, {"offset": -3, "limit": 0}, headers=headers).json()
    assert (clamped["offset"], clamped["limit"]) == (0, 1) and clamped["results"] == whole["results"][:1]
    beyond = client.get(url, {"offset": 10**6}, headers=headers).json()
    assert beyond["results"] == [] and beyond["count"] == whole["count"]
    assert client.get(url, {"limit": "many"}, headers=headers).status_code in (400, 422)


# --- the status board --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_board_is_grouped_by_region_with_counts(client, open_cycle, make_user, complete_assessment):
    from pmm.assessments.services import assessment_submit
    from pmm.core.actors import SYSTEM
    from pmm.members.models import Member

    assessment_submit(actor=SYSTEM, assessment=complete_assessment(open_cycle, "FRA"))
    client.force_login(make_user(Role.SECRETARIAT_ANALYST))
    html = client.get(f"/cycles/{open_cycle.pk}/board/").content.decode()
    sections = re.findall(r'<section class="board-region".*?</section>', html, flags=re.S)
    assert len(sections) >= 6
    europe = next(s for s in sections if ">Europe <" in s)
    in_europe = Member.objects.filter(groups__code="region-europe").count()
    assert f"{in_europe} members" in europe and "<strong>1</strong> submitted" in europe
    assert '<details class="board-rows">' in europe  # the whole board starts folded
    assert sum(len(re.findall(r"<tr><td>", s)) for s in sections) == Member.objects.count()
    filtered = client.get(f"/cycles/{open_cycle.pk}/board/", {"status": "submitted"}).content.decode()
    assert '<details class="board-rows" open>' in filtered


@pytest.mark.django_db
def test_the_board_filters_by_member_name_and_shows_one_date_format(client, open_cycle, make_user):
    from pmm.assessments.selectors import assessment_access
    from pmm.assessments.services import assessment_start
    from pmm.core.actors import SYSTEM

    assessment_start(actor=SYSTEM, assessment=assessment_access(SYSTEM, open_cycle, "KEN"))
    client.force_login(make_user(Role.SECRETARIAT_ADMIN))
    board = f"/cycles/{open_cycle.pk}/board/"
    html = client.get(board, {"member": "kenya"}).content.decode()
    assert re.findall(r'/assessments/(\w+)/">', html) == ["KEN"]
    assert '<datalist id="f-member-names">' in html and '<label for="f-member">Member</label>' in html
    dates = re.findall(r"<time datetime=\"[^\"]+\">([^<]+)</time>", html)
    assert len(dates) == 2  # the last activity and the deadline, in the one long date format
    assert all(re.fullmatch(r"[A-Z][a-z]+\.? \d{1,2}, \d{4}", d) for d in dates), dates
    french = client.get(board, {"member": "KEN"}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    dates = re.findall(r"<time datetime=\"[^\"]+\">([^<]+)</time>", french)
    assert len(dates) == 2 and all(re.fullmatch(r"\d{1,2} \w+ \d{4}", d) for d in dates), dates
    unknown = client.get(board, {"member": "Atlantis"})
    assert unknown.status_code == 400 and "No member is called “Atlantis”" in unknown.content.decode()
    assert client.get(f"/cycles/{open_cycle.pk}/board.csv", {"member": "Atlantis"}).status_code == 400
    csv = client.get(f"/cycles/{open_cycle.pk}/board.csv", {"member": "Kenya"}).content.decode("utf-8-sig")
    assert [line.split(",")[0] for line in csv.strip().splitlines()[1:]] == ["KEN"]


# --- a dimension's entry page ------------------------------------------------------------------------


def _outcome(code: str, filled: int, total: int, error: str = "") -> OutcomeView:
    kpi = KpiView(code + ".K1", "", "", [], "", True, "", "public", error=error)
    return OutcomeView(code, code, Completeness(filled, total), [kpi])


def test_the_outcome_to_work_on_is_unfolded_and_each_leads_to_the_next():
    outcomes = [_outcome("O1", 4, 4), _outcome("O2", 1, 4), _outcome("O3", 0, 4)]
    sections = outcome_sections(outcomes)
    assert [s.unfolded for s in sections] == [False, True, False]
    assert [s.next.code if s.next else None for s in sections] == ["O2", "O3", None]
    done = [_outcome("O1", 4, 4), _outcome("O2", 4, 4, error="bad justification")]
    assert [s.unfolded for s in outcome_sections(done)] == [False, True]
    assert [s.unfolded for s in outcome_sections([_outcome("O1", 4, 4), _outcome("O2", 4, 4)])] == [
        True,
        False,
    ]
    assert all(s.unfolded for s in outcome_sections(outcomes, unfold_all=True))
    assert outcome_sections([]) == []


@pytest.mark.django_db
def test_the_entry_page_has_a_table_of_contents_and_folded_outcomes(
    client, open_cycle, make_user, page_problems
):
    from pmm.assessments.selectors import assessment_access
    from pmm.assessments.services import assessment_start
    from pmm.core.actors import SYSTEM
    from pmm.cycles.selectors import cycle_spec

    version = assessment_start(actor=SYSTEM, assessment=assessment_access(SYSTEM, open_cycle, "KEN")).version
    client.force_login(make_user(Role.NCP, "KEN"))
    spec = cycle_spec(open_cycle)
    outcomes = spec.dimensions["D1"].outcomes
    page = f"/cycles/{open_cycle.pk}/assessments/KEN/D1/"
    html = client.get(page).content.decode()
    assert not page_problems(html)
    toc = re.search(r'<nav class="outcome-toc".*?</nav>', html, flags=re.S).group(0)
    assert re.findall(r'href="#outcome-([^"]+)"', toc) == list(outcomes)
    assert html.count('<details class="outcome-kpis" open>') == 1  # the first outcome with work left
    assert html.count('<details class="outcome-kpis"') == len(outcomes)
    assert f'href="#outcome-{outcomes[1]}">Next outcome: {outcomes[1]}' in html
    # Every field is still in the form: "Save all changes" posts the folded outcomes too.
    last_kpi = spec.outcomes[outcomes[-1]].kpis[-1]
    assert 'id="f-DECL_TOTAL-T-value"' in html and f'id="kpi-{last_kpi}-na"' in html
    missing = client.get(page, {"missing": "1"}).content.decode()
    assert '<details class="outcome-kpis">' not in missing  # only what is left to do: all unfolded
    # An autosave swaps the table of contents in again, with its figures.
    answer = client.post(
        page + "rows/DECL_TOTAL/",
        {"version": version, "DECL_TOTAL__T__value": "10"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert (
        '<nav class="outcome-toc" id="outcome-toc" aria-label="Outcomes of this dimension" '
        'hx-swap-oob="true">' in answer
    )


@pytest.mark.django_db
def test_a_refused_save_unfolds_every_outcome(client, open_cycle, make_user):
    from pmm.assessments.selectors import assessment_access
    from pmm.assessments.services import assessment_start
    from pmm.core.actors import SYSTEM

    version = assessment_start(actor=SYSTEM, assessment=assessment_access(SYSTEM, open_cycle, "KEN")).version
    client.force_login(make_user(Role.NCP, "KEN"))
    page = f"/cycles/{open_cycle.pk}/assessments/KEN/D1/"
    html = client.post(page, {"version": version, "DECL_TOTAL__T__value": "lots"}).content.decode()
    assert "could not be saved" in html and '<details class="outcome-kpis">' not in html


# --- in a browser ------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_folded_outcome_opens_from_the_contents_and_saves_as_it_did(
    browser,  # noqa: F811 (the fixture of test_browser_journeys)
    live_server,
    reference_data,
    make_user,
    open_cycle,
):
    from playwright.sync_api import expect

    from pmm.assessments.selectors import assessment_access
    from pmm.assessments.services import assessment_start
    from pmm.core.actors import SYSTEM
    from pmm.cycles.selectors import cycle_spec

    ncp = make_user(Role.NCP, "KEN")
    assessment_start(actor=SYSTEM, assessment=assessment_access(SYSTEM, open_cycle, "KEN"))
    spec = cycle_spec(open_cycle)
    outcomes = spec.dimensions["D1"].outcomes
    kpi = spec.outcomes[outcomes[-1]].kpis[0]
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(page, live_server, ncp.username, PASSWORD)
    entry = f"{live_server.url}/cycles/{open_cycle.pk}/assessments/KEN/D1/"
    page.goto(entry)
    height = page.evaluate("document.body.scrollHeight")
    assert height < 6000, height  # 14,777 px with every outcome unfolded (before issue 14)
    not_applicable = page.locator(f"[id='kpi-{kpi}-na']")
    expect(not_applicable).to_be_hidden()  # in a folded outcome
    page.click(f".outcome-toc a[href='#outcome-{outcomes[-1]}']")
    expect(not_applicable).to_be_visible()
    not_applicable.check()
    justification = page.locator(f"[id='kpi-{kpi}-justification']")
    justification.fill("No such data in our systems.")
    justification.press("Tab")
    expect(page.locator("#autosave-status")).to_contain_text("Saved")
    assert blocked == []
    # The page reached by an outcome's address opens that outcome.
    page.goto(f"{entry}#outcome-{outcomes[-2]}")
    expect(page.locator(f"[id='outcome-{outcomes[-2]}'] > details")).to_have_attribute("open", "")
    page.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_long_pages_pass_axe(
    browser,  # noqa: F811 (the shared fixture)
    live_server,
    reference_data,
    make_user,
    open_cycle,
    submitted_assessment,
    language,
):
    submitted_assessment(open_cycle, "KEN")
    submitted_assessment(open_cycle, "FRA", seed=3)
    base = f"{live_server.url}/cycles/{open_cycle.pk}"
    context = session_context(browser, live_server, make_user(Role.SECRETARIAT_ADMIN), language)
    page = context.new_page()
    found = []
    for path in (
        "/results/?publication=current&page=2",
        "/results/?publication=current&member=Atlantis",
        "/board/",
        "/board/?member=France",
        "/assessments/KEN/D1/",
    ):
        page.goto(base + path)
        assert page.locator("h1").count() == 1, path
        found += [f"{path}: {v['id']} {v['targets'][:3]}" for v in axe_violations(page)]
    context.close()
    assert found == []
