"""The public site: published public-level results by member and by KPI, participation per cycle and
WCO region; what anyone sees (also signed-in users), cached with an ETag, in English and French."""

from __future__ import annotations

import re
from datetime import timedelta

import polib
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.html import strip_tags

from pmm.assessments.models import Assessment, DataValue
from pmm.assessments.services import assessment_reopen, assessment_submit, values_save
from pmm.assessments.services.values import ValueInput
from pmm.authz.roles import Role
from pmm.core.actors import SYSTEM
from pmm.cycles.selectors import cycle_spec
from pmm.cycles.services import cycle_create
from pmm.members.models import Group, GroupKind, Member
from pmm.public.selectors import cycles_overview
from pmm.results.formatting import units_of, value_text
from pmm.results.models import PublishedResult
from pmm.results.services import publication_create

pytestmark = pytest.mark.django_db

# KEN makes these KPIs public and withholds the others at the wco, union or country level.
KEN_PUBLIC = {"D1.O1.K1", "D1.O1.K2", "D1.O2.K1", "D1.O2.K2", "D2.O1.K1", "D3.O1.K1", "D4.O3.K1"}
FRA_PUBLIC = {"D1.O1.K3", "D2.O1.K1"}
WITHHELD_LEVELS = ("wco", "union", "country")


def _levels(cycle, public: set[str]) -> dict[str, str]:
    codes = sorted(cycle_spec(cycle).kpis)
    return {c: "public" if c in public else WITHHELD_LEVELS[i % 3] for i, c in enumerate(codes)}


@pytest.fixture
def admin(make_user):
    return make_user(Role.SECRETARIAT_ADMIN)


@pytest.fixture
def published(open_cycle, submitted_assessment, admin):
    """Kenya and France submitted, with chosen disclosure levels for every KPI; publication 1."""
    submitted_assessment(open_cycle, "KEN", disclosure=_levels(open_cycle, KEN_PUBLIC))
    submitted_assessment(open_cycle, "FRA", seed=3, disclosure=_levels(open_cycle, FRA_PUBLIC))
    return publication_create(actor=admin, cycle=open_cycle)


def _text(row, cycle) -> str:
    spec = cycle_spec(cycle)
    return value_text(row.value, spec.kpis[row.kpi], spec, units_of(cycle.framework.document))


def _main(html: str) -> str:
    return re.search(r"<main\b.*?</main>", html, flags=re.S).group(0)


def _urls(cycle) -> list[str]:
    base = f"/public/cycles/{cycle.pk}"
    return [
        "/public/",
        f"{base}/members/",
        f"{base}/members/KEN/",
        f"{base}/members/FRA/",
        f"{base}/kpis/",
        f"{base}/kpis/D1.O1.K1/",
        f"{base}/kpis/D1.O1.K2/",
        f"{base}/kpis/D1.O2.K1/",
        f"{base}/kpis/D1.O2.K2/",  # a split KPI: imports, exports, combined
    ]


# --- what the public sees -----------------------------------------------------------------------


def test_anonymous_visitors_see_public_values_and_never_a_withheld_one(client, open_cycle, published):
    rows = list(PublishedResult.objects.unrestricted().filter(publication=published).select_related("member"))
    for iso3 in ("KEN", "FRA"):
        html = client.get(f"/public/cycles/{open_cycle.pk}/members/{iso3}/").content.decode()
        mine = [r for r in rows if r.member.iso3 == iso3]
        public = [r for r in mine if r.disclosure == "public"]
        withheld = [r for r in mine if r.disclosure != "public"]
        assert public and withheld
        shown = {_text(r, open_cycle) for r in public if r.status == "computed"}
        for row in public:
            assert f"/kpis/{row.kpi}/" in html
            if row.status == "computed":
                assert _text(row, open_cycle) in html, row
        for row in withheld:
            assert f"/kpis/{row.kpi}/" not in html, row.kpi  # the KPI's row is absent
            text = _text(row, open_cycle) if row.status == "computed" else ""
            if text and text not in shown and re.search(r"\d[.,]\d", text):
                assert text not in html, (row.kpi, text)
        assert "withheld" not in html.lower() and "not public" not in html.lower()


def test_a_kpi_page_lists_only_members_whose_value_is_public(client, open_cycle, published):
    rows = PublishedResult.objects.unrestricted().filter(publication=published).select_related("member")
    k3 = {r.member.iso3: r for r in rows if r.kpi == "D1.O1.K3"}  # public for France only
    html = client.get(f"/public/cycles/{open_cycle.pk}/kpis/D1.O1.K3/").content.decode()
    assert "/members/FRA/" in html and "/members/KEN/" not in html
    if k3["KEN"].status == "computed":
        assert _text(k3["KEN"], open_cycle) not in html
    k1 = client.get(f"/public/cycles/{open_cycle.pk}/kpis/D1.O1.K1/").content.decode()  # public for Kenya
    assert "/members/KEN/" in k1 and "/members/FRA/" not in k1


def test_the_kpi_list_counts_members_with_a_public_value(client, open_cycle, published):
    html = client.get(f"/public/cycles/{open_cycle.pk}/kpis/").content.decode()
    cells = dict(
        re.findall(r'/kpis/([A-Z0-9.]+)/">.*?<td class="figure">(\d+)</td>', html.replace("\n", " "))
    )
    counted = PublishedResult.objects.unrestricted().filter(
        publication=published, disclosure="public", status="computed"
    )
    expected: dict[str, set[str]] = {}
    for row in counted.select_related("member"):
        expected.setdefault(row.kpi, set()).add(row.member.iso3)
    assert len(cells) == len(cycle_spec(open_cycle).kpis)
    assert {k: int(v) for k, v in cells.items() if int(v)} == {k: len(v) for k, v in expected.items()}


def test_the_member_list_shows_members_with_public_results_and_links_to_downloads(
    client, open_cycle, published
):
    html = client.get(f"/public/cycles/{open_cycle.pk}/members/").content.decode()
    assert "/members/KEN/" in html and "/members/FRA/" in html
    assert f"/api/v1/cycles/{open_cycle.pk}/results.csv?publication=1" in html
    member = client.get(f"/public/cycles/{open_cycle.pk}/members/KEN/").content.decode()
    assert f"/api/v1/cycles/{open_cycle.pk}/results.csv?member=KEN&amp;publication=1" in member
    kpi = client.get(f"/public/cycles/{open_cycle.pk}/kpis/D1.O1.K1/").content.decode()
    assert f"/api/v1/cycles/{open_cycle.pk}/results.csv?kpi=D1.O1.K1&amp;publication=1" in kpi
    # The API gives the anonymous caller the same public rows.
    body = client.get(f"/api/v1/cycles/{open_cycle.pk}/results.csv?member=KEN&publication=1").content.decode()
    assert {line.split(",")[4] for line in body.splitlines()[1:]} == KEN_PUBLIC


def test_values_read_with_their_units_and_statuses_in_plain_words(client, open_cycle, published):
    rows = PublishedResult.objects.unrestricted().filter(
        publication=published, member__iso3="KEN", disclosure="public"
    )
    html = client.get(f"/public/cycles/{open_cycle.pk}/members/KEN/").content.decode()
    ordinal = rows.get(kpi="D1.O1.K2")  # an ordinal KPI: a level on a scale, with its label
    if ordinal.status == "computed":
        assert f"Level {int(ordinal.value)}:" in html
    percent = rows.get(kpi="D1.O1.K1")
    if percent.status == "computed":
        assert re.search(r"\d%", _text(percent, open_cycle))
    assert "computed" not in strip_tags(html)  # statuses are words, not codes
    assert "not_applicable" not in html and "not_computable" not in html


def test_not_applicable_kpis_show_the_members_justification(client, open_cycle, submitted_assessment, admin):
    from pmm.assessments.services import kpi_update

    assessment = submitted_assessment(open_cycle, "KEN", disclosure=_levels(open_cycle, KEN_PUBLIC))
    assessment_reopen(actor=admin, assessment=assessment, reason="declines a KPI")
    assessment.refresh_from_db()
    kpi_update(
        actor=SYSTEM,
        assessment=assessment,
        kpi_code="D1.O2.K1",
        applicable=False,
        justification="No such procedure in our legislation",
        disclosure="public",
        path="api",
    )
    assessment.refresh_from_db()
    assessment_submit(actor=SYSTEM, assessment=assessment)
    publication_create(actor=admin, cycle=open_cycle)
    html = client.get(f"/public/cycles/{open_cycle.pk}/members/KEN/").content.decode()
    assert "Not applicable" in html and "No such procedure in our legislation" in html


# --- the same for everyone ------------------------------------------------------------------------


def test_signed_in_users_see_exactly_what_the_public_sees(client, open_cycle, published, admin, make_user):
    anonymous = {url: _main(client.get(url).content.decode()) for url in _urls(open_cycle)}
    for user in (admin, make_user(Role.NCP, "KEN"), make_user(Role.BASIC)):
        client.force_login(user)
        for url, main in anonymous.items():
            assert _main(client.get(url).content.decode()) == main, (user, url)
        client.logout()


def test_pages_pass_the_structural_accessibility_checks(client, open_cycle, published, page_problems):
    for language in ("en", "fr"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for url in _urls(open_cycle):
            response = client.get(url)
            assert response.status_code == 200, url
            assert page_problems(response.content.decode()) == [], (language, url)


def _english_leftovers(html: str) -> list[str]:
    """Catalogue phrases (two words or more, no placeholder) still in English on a French page."""
    text = re.sub(r"<(script|style|pre|code|select)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"\s+", " ", strip_tags(text))
    po = polib.pofile(str(settings.LOCALE_PATHS[0] / "fr" / "LC_MESSAGES" / "django.po"))
    return [
        e.msgid
        for e in po.translated_entries()
        if "%" not in e.msgid and "{" not in e.msgid and e.msgid != e.msgstr and " " in e.msgid.strip()
        and re.search(rf"(?<![\w-]){re.escape(e.msgid)}(?![\w-])", text)
    ]  # fmt: skip


def test_every_page_is_french_in_french(client, open_cycle, published):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    for url in _urls(open_cycle):
        html = client.get(url).content.decode()
        assert '<html lang="fr"' in html, url
        assert _english_leftovers(html) == [], url
    kpi = client.get(f"/public/cycles/{open_cycle.pk}/kpis/D1.O1.K1/").content.decode()
    assert "Taux de déclarations électroniques" in kpi and "Rate of electronic declarations" not in kpi
    members = client.get(f"/public/cycles/{open_cycle.pk}/members/").content.decode()
    assert "Europe" in members or "Afrique" in members  # region names in French
    with translation.override("fr"):
        row = PublishedResult.objects.unrestricted().get(
            publication=published, member__iso3="KEN", kpi="D1.O1.K1"
        )
        if row.status == "computed":
            text = _text(row, open_cycle)
            assert "\u00a0%" in text
            assert text in client.get(f"/public/cycles/{open_cycle.pk}/members/KEN/").content.decode()


# --- caching --------------------------------------------------------------------------------------


def test_pages_are_cacheable_and_answer_a_conditional_get_with_304(client, open_cycle, published):
    for url in _urls(open_cycle):
        first = client.get(url)
        assert first.status_code == 200
        assert "public" in first["Cache-Control"] and "max-age=300" in first["Cache-Control"]
        vary = {v.strip().lower() for v in first["Vary"].split(",")}
        assert {"accept-language", "cookie"} <= vary
        etag = first["ETag"]
        assert etag.startswith('"') and not etag.startswith("W/")
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304, url
        assert again["ETag"] == etag and not again.content
        assert "max-age=300" in again["Cache-Control"]


def test_the_etag_changes_with_the_language_and_with_a_new_publication(
    client, open_cycle, published, submitted_assessment, admin
):
    url = f"/public/cycles/{open_cycle.pk}/members/"
    english = client.get(url)["ETag"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = client.get(url)["ETag"]
    assert english != french
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    index = client.get("/public/")["ETag"]
    submitted_assessment(open_cycle, "UGA", seed=5, disclosure=_levels(open_cycle, {"D1.O1.K1"}))
    publication_create(actor=admin, cycle=open_cycle)
    response = client.get(url, headers={"If-None-Match": english})
    assert response.status_code == 200 and response["ETag"] != english
    assert "/members/UGA/" in response.content.decode()
    assert client.get("/public/", headers={"If-None-Match": index}).status_code == 200


def test_signed_in_pages_are_private_to_the_browser(client, open_cycle, published, admin):
    client.force_login(admin)
    response = client.get("/public/")
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    assert client.get("/public/", headers={"If-None-Match": response["ETag"]}).status_code == 304


def test_participation_changes_change_the_index_etag(client, open_cycle, published, complete_assessment):
    etag = client.get("/public/")["ETag"]
    complete_assessment(open_cycle, "UGA")  # Uganda starts
    assert client.get("/public/", headers={"If-None-Match": etag}).status_code == 200


# --- participation --------------------------------------------------------------------------------


def _region(iso3: str):
    return Member.objects.get(iso3=iso3).groups.get(kind=GroupKind.WCO_REGION)


def test_participation_is_counted_per_cycle_and_region(client, open_cycle, published, complete_assessment):
    complete_assessment(open_cycle, "UGA")  # started, not submitted
    complete_assessment(open_cycle, "DEU")
    overview = next(o for o in cycles_overview() if o.cycle == open_cycle)
    assert overview.publication == published
    total = overview.total
    # Every member is invited (pmm.results.participation): a region's invited are all its members.
    members = Member.objects.count()
    assert (total.invited, total.started, total.submitted, total.published) == (members, 4, 2, 2)
    expected: dict[int, list[int]] = {}
    for iso3, submitted in [("KEN", 1), ("FRA", 1), ("UGA", 0), ("DEU", 0)]:
        counts = expected.setdefault(_region(iso3).pk, [0, 0, 0])
        counts[0] += 1
        counts[1] += submitted
        counts[2] += submitted
    got = {r.region.pk: [r.counts.started, r.counts.submitted, r.counts.published] for r in overview.regions}
    assert {k: v for k, v in got.items() if any(v)} == expected
    assert all(r.counts.invited == r.region.members.count() for r in overview.regions)
    assert len(got) == Group.objects.filter(kind=GroupKind.WCO_REGION).count()
    html = client.get("/public/").content.decode()
    assert _region("FRA").name["en"] in html


def test_a_cycle_without_publication_shows_participation_but_no_results_links(
    client, open_cycle, complete_assessment
):
    complete_assessment(open_cycle, "KEN")
    html = client.get("/public/").content.decode()
    assert str(open_cycle) in html
    assert f"/public/cycles/{open_cycle.pk}/members/" not in html
    assert "No results of this cycle have been published yet." in html
    overview = next(o for o in cycles_overview() if o.cycle == open_cycle)
    assert overview.publication is None and overview.total.started == 1 and overview.total.published == 0
    assert overview.total.invited == Member.objects.count()
    page = client.get(f"/public/cycles/{open_cycle.pk}/members/")
    assert (
        page.status_code == 200
        and "No results of this cycle have been published yet." in page.content.decode()
    )


def test_planned_cycles_are_not_public(client):
    today = timezone.localdate()
    planned = cycle_create(
        actor=SYSTEM,
        framework_code="pmm-v1",
        reporting_year=2026,
        opens_on=today + timedelta(days=30),
        closes_on=today + timedelta(days=90),
    )
    assert str(planned) not in client.get("/public/").content.decode()
    assert client.get(f"/public/cycles/{planned.pk}/members/").status_code == 404


# --- not found and earlier publications -------------------------------------------------------------


def test_unknown_cycles_members_kpis_and_publications_are_404(client, open_cycle, published):
    base = f"/public/cycles/{open_cycle.pk}"
    for url in [
        "/public/cycles/9999/members/",
        "/public/cycles/9999/kpis/",
        f"{base}/members/ZZZ/",
        f"{base}/members/UGA/",  # a member without published results
        f"{base}/kpis/D9.O9.K9/",
        f"{base}/members/?publication=9",
        f"{base}/kpis/?publication=x",
    ]:
        assert client.get(url).status_code == 404, url


def test_an_earlier_publication_shows_its_own_figures_and_a_notice(
    client, open_cycle, published, admin, make_user
):
    assessment = Assessment.objects.get(cycle=open_cycle, member__iso3="KEN")
    assessment_reopen(actor=admin, assessment=assessment, reason="recount")
    assessment.refresh_from_db()
    ncp = make_user(Role.NCP, "KEN")
    electronic = DataValue.objects.unrestricted().get(
        assessment=assessment, element__code="DECL_ELECTRONIC", period="T"
    )
    items = [ValueInput("DECL_ELECTRONIC", "T", electronic.value // 2)]
    values_save(
        actor=ncp,
        assessment=assessment,
        version=assessment.version,
        path="api",
        items=items,
        reason="recount",
    )
    assessment.refresh_from_db()
    assessment_submit(actor=ncp, assessment=assessment)
    second = publication_create(actor=admin, cycle=open_cycle)
    old = PublishedResult.objects.unrestricted().get(
        publication=published, member__iso3="KEN", kpi="D1.O1.K1"
    )
    new = PublishedResult.objects.unrestricted().get(publication=second, member__iso3="KEN", kpi="D1.O1.K1")
    assert old.value != new.value
    url = f"/public/cycles/{open_cycle.pk}/kpis/D1.O1.K1/"
    latest = client.get(url).content.decode()
    earlier = client.get(url + "?publication=1").content.decode()
    assert _text(new, open_cycle) in latest and _text(old, open_cycle) not in latest
    assert _text(old, open_cycle) in earlier and _text(new, open_cycle) not in earlier
    assert "A newer publication replaces it." in earlier and "A newer publication" not in latest
    assert "?publication=1" in earlier  # links keep to the earlier publication
    member = client.get(f"/public/cycles/{open_cycle.pk}/members/KEN/?publication=1").content.decode()
    assert _text(old, open_cycle) in member and "A newer publication replaces it." in member
    assert "A newer publication" not in client.get(url + "?publication=2").content.decode()


# --- query counts ---------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    client.get(url)  # warm up (caches of the framework spec and the code version)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def test_query_counts_do_not_grow_with_members_kpis_or_publications(
    client, open_cycle, submitted_assessment, admin, complete_assessment
):
    every = set(cycle_spec(open_cycle).kpis)
    submitted_assessment(open_cycle, "KEN", disclosure=_levels(open_cycle, {"D1.O1.K1"}))
    publication_create(actor=admin, cycle=open_cycle)
    before = {url: _queries(client, url) for url in _urls(open_cycle)[:3] + _urls(open_cycle)[4:]}
    for seed, iso3 in enumerate(["FRA", "BRA", "JPN", "UGA"], start=1):
        submitted_assessment(open_cycle, iso3, seed=seed, disclosure=_levels(open_cycle, every))
    complete_assessment(open_cycle, "DEU")
    publication_create(actor=admin, cycle=open_cycle)
    after = {url: _queries(client, url) for url in before}
    assert after == before


def test_the_kpi_page_shows_public_group_statistics_only_when_safe(client, open_cycle, submitted_assessment):
    """Five members share a public KPI: the global group is shown; withheld values keep groups back."""
    from pmm.results.services import publication_create

    for seed, iso3 in enumerate(["KEN", "UGA", "TZA", "RWA", "BDI", "FRA"]):
        level = "country" if iso3 == "FRA" else "public"
        submitted_assessment(open_cycle, iso3, seed=seed, disclosure={"D1.O1.K1": level})
    publication_create(actor=SYSTEM, cycle=open_cycle)
    html = client.get(f"/public/cycles/{open_cycle.pk}/kpis/D1.O1.K1/").content.decode()
    assert "Group statistics" in html
    # Six contribute to "All members", one of them withheld from the public: 1 < k, so it is held back:
    # withheld groups are counted in a sentence, not listed one by one.
    assert "All members" not in html
    assert re.search(r"The statistics of \d+ groups are not shown: too few members contribute, or they", html)
    api = client.get(f"/api/v1/cycles/{open_cycle.pk}/aggregates", {"kpi": "D1.O1.K1", "group": "global"})
    (everyone,) = api.json()["aggregates"]
    assert everyone["released"] is False and everyone["withheld_because"] == "few_withheld"
    assert everyone["mean"] is None and everyone["count"] is None
    # France opens its value up; the next publication shows the group, computed over all six.
    from pmm.assessments.models import Assessment
    from pmm.assessments.services import kpi_update

    france = Assessment.objects.get(cycle=open_cycle, member__iso3="FRA")
    kpi_update(
        actor=SYSTEM, assessment=france, kpi_code="D1.O1.K1", disclosure="public", reason="opens its value up"
    )
    publication_create(actor=SYSTEM, cycle=open_cycle)
    api = client.get(f"/api/v1/cycles/{open_cycle.pk}/aggregates", {"kpi": "D1.O1.K1", "group": "global"})
    (everyone,) = api.json()["aggregates"]
    assert everyone["released"] is True and everyone["count"] == 6
    values = [
        r["value"]
        for r in client.get(f"/api/v1/cycles/{open_cycle.pk}/results?kpi=D1.O1.K1").json()["results"]
    ]
    assert everyone["mean"] == pytest.approx(sum(values) / 6)
    assert "min" not in everyone and "max" not in everyone
