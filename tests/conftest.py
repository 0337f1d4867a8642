"""Shared fixtures: the test database holds the shipped PMM v.1 framework and all 187 members,
loaded once per run; each test gets users made by `make_user`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from pmm.accounts.models import User
from pmm.accounts.services import RoleSpec, token_create, user_create
from pmm.core.actors import SYSTEM
from pmm.framework.services import framework_load
from pmm.members.services import members_load

PASSWORD = "correct-horse-battery-staple"
# Pages anyone can open without signing in (accessibility and security-header checks walk them).
PUBLIC_PAGES = [
    "/",
    "/frameworks/",
    "/frameworks/pmm-v1/",
    "/frameworks/pmm-v1/kpis/D1.O2.K2/",
    "/frameworks/pmm-v1/elements/",
    "/members/",
    "/members/KEN/",
    "/groups/",
    "/groups/union-eu/",
    "/accounts/login/",
]
# The TOTP secret of test users whose role requires two-factor authentication (RFC 6238's test key).
TOTP_KEY = "3132333435363738393031323334353637383930"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        framework_load(actor=SYSTEM, text=settings.PMM_DEFAULT_FRAMEWORK_FILE.read_text())
        members_load(actor=SYSTEM, text=settings.PMM_DEFAULT_MEMBERS_FILE.read_text())


@pytest.fixture
def reference_data(db) -> None:
    """Transactional tests empty the database afterwards: load the framework and members again."""
    framework_load(actor=SYSTEM, text=settings.PMM_DEFAULT_FRAMEWORK_FILE.read_text())
    members_load(actor=SYSTEM, text=settings.PMM_DEFAULT_MEMBERS_FILE.read_text())


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(
        role: str | None = None,
        member: str | None = None,
        username: str | None = None,
        totp: bool | None = None,
    ) -> User:
        """A user with `role`; with TOTP (key TOTP_KEY) when `totp`, by default when the role requires it."""
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from pmm.authz.roles import TWO_FACTOR_ROLES

        name = username or f"{role or 'norole'}-{member or 'x'}-{next(counter)}".lower()
        roles = [RoleSpec(role, member)] if role else []
        if not roles:
            user = User.objects.create_user(name, f"{name}@example.org", PASSWORD)
        else:
            user = user_create(
                actor=SYSTEM, username=name, email=f"{name}@example.org", password=PASSWORD, roles=roles
            )
        if totp or (totp is None and role in TWO_FACTOR_ROLES):
            TOTPDevice.objects.create(user=user, name="test", key=TOTP_KEY, confirmed=True)
        return user

    return make


@pytest.fixture
def bearer(make_user) -> Callable[[User], dict[str, str]]:
    def headers(user: User) -> dict[str, str]:
        _token, secret = token_create(actor=SYSTEM, user=user, name="test")
        return {"Authorization": f"Bearer {secret}"}

    return headers


@pytest.fixture
def api_client() -> Client:
    return Client()


def cycle_of(year: int):
    """A cycle of pmm-v1 for reporting year `year`, open since 10 days, closing in 60 days."""
    from datetime import timedelta

    from django.utils import timezone

    from pmm.cycles.services import cycle_create

    today = timezone.localdate()
    return cycle_create(
        actor=SYSTEM,
        framework_code="pmm-v1",
        reporting_year=year,
        opens_on=today - timedelta(days=10),
        closes_on=today + timedelta(days=60),
    )


@pytest.fixture
def open_cycle(db):
    """A cycle of pmm-v1 for reporting year 2024, open since 10 days, closing in 60 days."""
    return cycle_of(2024)


def fill_everything_not_available(cycle, iso3: str):
    """An assessment that can be submitted: every needed value explained as not available."""
    from pmm.assessments.selectors import assessment_access
    from pmm.assessments.services import ValueInput, values_save
    from pmm.assessments.validation import needed_slots
    from pmm.cycles.selectors import cycle_spec

    assessment = assessment_access(SYSTEM, cycle, iso3)
    items = [
        ValueInput(code, period, state="not_available", reason="not measured")
        for code, period in needed_slots(cycle_spec(cycle), [])
    ]
    return values_save(
        actor=SYSTEM, assessment=assessment, version=assessment.version, items=items, path="api"
    )


@pytest.fixture
def complete_assessment():
    """`complete_assessment(cycle, iso3)`: an assessment ready to submit (every value explained)."""
    return fill_everything_not_available


def submit_generated(cycle, iso3: str, seed: int = 7, disclosure: dict[str, str] | None = None):
    """A submitted assessment with plausible generated values (the demo's generator), every rule kept.

    `disclosure` overrides the generated disclosure choices: {KPI code: level}.
    """
    from pmm.cycles.selectors import cycle_spec
    from pmm.demo import carry_out_plan, member_info
    from pmm.demo_data import KpiChoice, complete_plan
    from pmm.members.models import Member

    spec = cycle_spec(cycle)
    plan = complete_plan(spec, member_info(Member.objects.get(iso3=iso3)), seed, cycle.reporting_year)
    if disclosure is not None:
        plan.kpi_choices = [c for c in plan.kpi_choices if c.disclosure is None]
        plan.kpi_choices += [KpiChoice(kpi, disclosure=level) for kpi, level in disclosure.items()]
    return carry_out_plan(plan, cycle, {})


@pytest.fixture
def submitted_assessment(django_capture_on_commit_callbacks):
    """`submitted_assessment(cycle, iso3, seed=7, disclosure=None)`, with its results job run."""

    def make(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return submit_generated(*args, **kwargs)

    return make


def write_results(cycle, number: int, entries) -> None:
    """A publication and the members' current results, written straight into the tables (no services),
    for tests that need many members fast. `entries`: {member: [(kpi, level, [fields of each
    component: component, status, value, detail, and optionally reviewed])]}."""
    from django.utils import timezone

    from pmm.assessments.models import Assessment, AssessmentStatus, KpiResponse
    from pmm.results.models import KpiResult, Publication, PublishedResult, ResultSet

    publication = Publication.objects.create(
        cycle=cycle,
        number=number,
        published_at=timezone.now(),
        framework_code=cycle.framework.code,
        framework_version=cycle.framework.version,
        framework_fingerprint=cycle.framework.fingerprint,
        computation_version="1",
        inputs_fingerprint=str(number),
        member_count=len(entries),
    )
    published, current = [], []
    for member, kpis in entries.items():
        assessment = Assessment.objects.create(cycle=cycle, member=member, status=AssessmentStatus.SUBMITTED)
        result_set = ResultSet.objects.create(
            assessment=assessment,
            assessment_version=1,
            inputs_fingerprint="x",
            computation_version="1",
            computed_at=timezone.now(),
        )
        for kpi, level, components in kpis:
            KpiResponse.objects.create(assessment=assessment, kpi=kpi, disclosure=level)
            for fields in components:
                row = {"kpi": kpi.code, **fields}
                published.append(
                    PublishedResult(publication=publication, member=member, disclosure=level, **row)
                )
                row.pop("reviewed", None)
                current.append(KpiResult(result_set=result_set, **row))
    PublishedResult.objects.bulk_create(published)
    KpiResult.objects.bulk_create(current)


def publish_values(cycle, values, levels=None, number: int = 1) -> None:
    """`write_results` in short: {iso3: {KPI code: value}}, every component of a KPI given the value,
    at WCO level unless `levels` says otherwise ({iso3: level})."""
    from pmm.framework.models import Kpi
    from pmm.members.models import Member

    members = {m.iso3: m for m in Member.objects.filter(iso3__in=values)}
    kpis = {k.code: k for k in Kpi.objects.filter(outcome__dimension__framework=cycle.framework)}
    entries = {
        members[iso3]: [
            (
                kpis[code],
                (levels or {}).get(iso3, "wco"),
                [{"component": c, "status": "computed", "value": v} for c in kpis[code].formula],
            )
            for code, v in by_kpi.items()
        ]
        for iso3, by_kpi in values.items()
    }
    write_results(cycle, number, entries)


def tamper_published_inputs(recorded, inputs: dict) -> None:
    """Change a publication's recorded inputs behind the application's back (they are append-only)."""
    import json

    from django.db import connection

    table = recorded._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET inputs = %s WHERE id = %s", [json.dumps(inputs), recorded.pk])  # noqa: S608


@pytest.fixture
def published(open_cycle, submitted_assessment, make_user):
    """Kenya and France submitted and published; D1.O1.K1 is public for Kenya and WCO-level for France,
    D1.O1.K3 country-level for Kenya and public for France."""
    from pmm.results.services import publication_create

    submitted_assessment(open_cycle, "KEN", disclosure={"D1.O1.K1": "public", "D1.O1.K3": "country"})
    submitted_assessment(open_cycle, "FRA", seed=3, disclosure={"D1.O1.K1": "wco", "D1.O1.K3": "public"})
    return publication_create(actor=make_user("secretariat_admin"), cycle=open_cycle)


@pytest.fixture(autouse=True)
def empty_cache():
    """Tests roll their data back, so ids come back: what one test cached must not reach the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def english_by_default():
    """Each test starts in English, whatever language an earlier test's page switched to."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


# --- accessibility structure of a page --------------------------------------------------------


class PageStructure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.html_lang = None
        self.h1 = 0
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.controls: list[dict[str, str | None]] = []
        self.links: list[str] = []
        self.th_without_scope = 0
        self.images_without_alt = 0
        self._in_thead = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"] or "")
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "label" and a.get("for"):
            self.label_for.add(a["for"] or "")
        elif tag in {"input", "select", "textarea"} and a.get("type") not in {"hidden", "submit"}:
            self.controls.append(a)
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        elif tag == "thead":
            self._in_thead = True
        elif tag == "th" and self._in_thead and not a.get("scope"):
            self.th_without_scope += 1
        elif tag == "img" and a.get("alt") is None:
            self.images_without_alt += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_thead = False


def structure_problems(html: str) -> list[str]:
    """Language, one h1, skip link, labelled controls, scoped headers, alt texts, unique ids."""
    page = PageStructure()
    page.feed(html)
    problems = []
    if page.html_lang not in {"en", "fr"}:
        problems.append(f"html lang is {page.html_lang!r}")
    if page.h1 != 1:
        problems.append(f"{page.h1} h1 headings")
    if "#main" not in page.links or "main" not in page.ids:
        problems.append("no skip link to <main id=main>")
    for control in page.controls:
        if not (control.get("id") in page.label_for or control.get("aria-label")):
            problems.append(f"unlabelled control {control.get('name')!r}")
    if page.th_without_scope:
        problems.append(f"{page.th_without_scope} column headers without scope")
    if page.images_without_alt:
        problems.append("images without alt")
    duplicates = {i for i in page.ids if page.ids.count(i) > 1}
    if duplicates:
        problems.append(f"duplicate ids {sorted(duplicates)[:5]}")
    return problems


@pytest.fixture
def page_problems() -> Callable[[str], list[str]]:
    """`page_problems(html)`: the page's structural accessibility problems (an empty list when fine)."""
    return structure_problems


def accredited_reviewer(make_user, member: str) -> User:
    """A peer reviewer from `member`, accredited in the pool (read fresh: no cached rights)."""
    from pmm.authz.roles import Role
    from pmm.reviews.services import reviewer_save

    user = make_user(Role.PEER_REVIEWER, member)
    reviewer_save(actor=SYSTEM, user=user, accreditation="accredited")
    return User.objects.get(pk=user.pk)


@dataclass
class ReviewUnderWay:
    """A review in progress (see the `started` fixture) and its people."""

    assessment: Any
    review: Any
    ncp: User
    lead: User
    second: User
    admin: User

    def fresh(self) -> Any:
        self.review.refresh_from_db()
        return self.review


@pytest.fixture
def started(open_cycle, submitted_assessment, make_user) -> ReviewUnderWay:
    """KEN's submitted self-assessment under review: lead from CAN, a second reviewer from BRA."""
    from pmm.authz.roles import Role
    from pmm.reviews.services import review_assign, review_move, review_request

    assessment = submitted_assessment(open_cycle, "KEN")
    ncp, admin = make_user(Role.NCP, "KEN"), make_user(Role.SECRETARIAT_ADMIN)
    review = review_request(actor=ncp, assessment=assessment)
    review_move(actor=admin, review=review, action="accept")
    lead, second = accredited_reviewer(make_user, "CAN"), accredited_reviewer(make_user, "BRA")
    review_assign(actor=admin, review=review, reviewer=lead, lead=True, accept_warnings=True)
    review_assign(actor=admin, review=review, reviewer=second, accept_warnings=True)
    review_move(actor=admin, review=review, action="start")
    review.refresh_from_db()
    return ReviewUnderWay(assessment, review, User.objects.get(pk=ncp.pk), lead, second, admin)


def queries_of(client, url: str, headers=None, *, cold: bool = True) -> int:
    """How many queries a GET of `url` runs (it must answer 200); `cold`: with the cache emptied first,
    to count the work of a first answer rather than a cached one."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers or {})
    assert response.status_code == 200, (url, response.content[:300])
    return len(queries)


def set_cells(data: bytes, cells: dict[tuple[str, str], Any]) -> bytes:
    """A workbook (.xlsx bytes) with some cells changed: {(sheet, cell): value}."""
    from io import BytesIO

    import openpyxl

    book = openpyxl.load_workbook(BytesIO(data))
    for (sheet, ref), value in cells.items():
        book[sheet][ref] = value
    out = BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def reports_laid_out_as_html(monkeypatch):
    """Reports "laid out" as their HTML instead of WeasyPrint's PDF (read_paths.html_layout): the sweeps
    ask for reports as every reader, and a real layout takes seconds each; they search the same text."""
    import read_paths
    from pmm.reports import global_rendering, rendering

    monkeypatch.setattr(rendering, "pdf_of", read_paths.html_layout)
    monkeypatch.setattr(global_rendering, "pdf_of", read_paths.html_layout)


@pytest.fixture
def charts_drawn_as_data(monkeypatch):
    """The reports' charts "drawn" as their Vega-Lite spec (read_paths.chart_as_data) instead of
    vl-convert's SVG (a tenth of a second each): the disclosure sweeps search what a chart is drawn
    from, every number of it; the real drawings are checked by tests/test_charts.py and the reports'."""
    import read_paths
    from pmm.reports import figures

    monkeypatch.setattr(figures, "to_svg", read_paths.chart_as_data)
