"""axe-core on every page, in English and French: no violation of the WCAG 2.0 and 2.1 rules of levels
A and AA (axe-core 4.12, bundled by axe-playwright-python).

The pages come from the disclosure sweep (tests/read_paths.py): its rich world (a published cycle and
an earlier one, a review under way with queries, evidence, targets, notifications) is built by the same
builder as tests/test_disclosure_sweep.py, and the URLs are filled from that world: the first URL of
each page route. Each reader below (one of every role, and the public) asks each of them, without
following redirects; a page it may see (an HTML answer) is opened in Chromium with its headers (the
Content-Security-Policy too) and axe-core runs on it, in English; in French too the first time the page
is seen (the words change, not the structure; checking every reader in both languages takes twice as
long). The error pages (404, 403) are checked too.

A failure lists every violation: the page, the reader and the language, the rule, and the elements
that break it (their CSS selectors). Run with -s to see the time taken and the slowest pages.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

import read_paths
from browser_support import axe_violations, browser, session_context  # noqa: F401 - the fixture, shared
from conftest import TOTP_KEY
from pmm.accounts.services import RoleSpec, user_create
from pmm.authz.roles import Role
from pmm.core.actors import SYSTEM
from test_disclosure_sweep import Builder, SweepWorld, _build

# The accessibility of a page is its HTML's, whatever database holds the data: .ci/run checks it once, in
# its SQLite pass, not again on PostgreSQL (five minutes of a 30-minute budget).
pytestmark = [pytest.mark.browser, pytest.mark.database_independent, pytest.mark.django_db(transaction=True)]

# The sweep's readers of each role, and a Secretariat administrator (pages only administrators open).
READERS = ["anonymous", "basic", "ncp_A", "contributor_A", "reviewer_now", "analyst", "admin"]
LANGUAGES = ["en", "fr"]
# Pages no route of the sweep gives: the error pages, asked by these readers.
ERROR_PAGES = [("anonymous", "/no-such-page/", 404), ("basic", "/audit/", 403)]


@pytest.fixture
def world(reference_data, django_capture_on_commit_callbacks, tmp_path) -> Iterator[SweepWorld]:
    """The disclosure sweep's world, committed (the live server reads it), and an administrator."""
    with override_settings(PMM_EVIDENCE_DIR=tmp_path / "evidence"):
        with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
            built = _build(Builder())
        admin = user_create(
            actor=SYSTEM,
            username="axe-admin",
            email="axe-admin@example.org",
            password=None,
            roles=[RoleSpec(Role.SECRETARIAT_ADMIN, None)],
        )
        TOTPDevice.objects.create(user=admin, name="test", key=TOTP_KEY, confirmed=True)  # no enrolment
        built.users["admin"] = admin
        yield built


# Pages that leave by themselves: a report's "preparing" page goes on to the file's download once its
# job has run, which the tests' queue does at once, so the browser never settles on it here. Its axe
# check runs in tests/test_reports_jobs.py, with the job still waiting.
FOLLOWED_ELSEWHERE = {"reports:country_preparing", "reports:global_preparing"}


def pages_of(world: SweepWorld) -> list[tuple[str, str]]:
    """(route, URL): the first URL of each swept page route (the current cycle, the member most is
    known of, no query string), except the routes that only write (POST)."""
    found: dict[str, str] = {}
    for swept in read_paths.urls(world.paths):
        if swept.api or read_paths.ROUTES[swept.route] is read_paths.POST_ONLY:
            continue
        if swept.route in FOLLOWED_ELSEWHERE:
            continue
        if swept.route not in found:
            found[swept.route] = swept.url
    return list(found.items())


def violations_on(page: Any, where: str) -> list[str]:
    return [
        f"{where}: {v['id']} ({v['impact']}) {v['help']}: {', '.join(v['targets'][:5])}"
        + (f" and {len(v['targets']) - 5} more" if len(v["targets"]) > 5 else "")
        for v in axe_violations(page)
    ]


def fetch(context: Any, url: str) -> tuple[int, Any]:
    """Ask `url` as the context's reader without following a redirect: its status, and the answer when
    it is an HTML page (None for a file, a redirect or an answer without a page)."""
    response = context.request.get(url, max_redirects=0, fail_on_status_code=False)
    html = (response.headers.get("content-type") or "").startswith("text/html")
    return response.status, response if html and not 300 <= response.status < 400 else None


def show(page: Any, url: str, answer: Any) -> None:
    """Open `url` in the page with the answer already fetched (the server renders each page once), with
    its headers (the Content-Security-Policy among them); styles and scripts load from the server."""
    headers, body = answer.headers, answer.body()
    page.route(url, lambda route: route.fulfill(status=answer.status, headers=headers, body=body))
    page.goto(url)
    page.unroute(url)


def test_axe_finds_no_violation_on_any_page_in_english_and_french(
    browser,  # noqa: F811
    live_server,
    world,
    reports_laid_out_as_html,
):
    """A report's PDF is not a page: it is \"laid out\" as its HTML (its print page is checked)."""
    started = time.perf_counter()
    problems: list[str] = []
    checked = 0
    timings: list[tuple[float, float, str]] = []
    in_french: set[str] = set()
    routes = pages_of(world)
    for reader in READERS:
        user = world.users[reader]
        contexts = {lang: session_context(browser, live_server, user, lang) for lang in LANGUAGES}
        pages = {lang: context.new_page() for lang, context in contexts.items()}
        visits = [(url, 200) for _route, url in routes]
        visits += [(url, status) for name, url, status in ERROR_PAGES if name == reader]
        for path, expected in visits:
            url = live_server.url + path
            languages = LANGUAGES if path not in in_french else LANGUAGES[:1]
            for language in languages:
                page = pages[language]
                where = f"{path} [{reader}, {language}]"
                status, answer = fetch(contexts[language], url)
                if status >= 500:
                    problems.append(f"{where}: answered {status}")
                if status != expected or answer is None:
                    break  # not for this reader (a redirect to sign in, 403, 404), or a file
                shown = time.perf_counter()
                show(page, url, answer)
                if page.locator("html").get_attribute("lang") != language:
                    problems.append(f"{where}: the page is not in {language}")
                axed = time.perf_counter()
                problems += violations_on(page, where)
                timings.append((time.perf_counter() - shown, axed - shown, where))
                checked += 1
                if language != "en":
                    in_french.add(path)
        for context in contexts.values():
            context.close()
        print(f"{reader}: {checked} pages so far, {time.perf_counter() - started:.0f} s")
    slowest = sorted(timings, reverse=True)[:8]
    print("slowest (s, of which showing):", [(f"{t:.1f}", f"{o:.1f}", w) for t, o, w in slowest])
    assert checked > 150, f"only {checked} pages checked: is the sweep's world reachable?"
    assert not problems, f"{len(problems)} accessibility problems:\n" + "\n".join(problems)
