"""The global cycle report: built from exactly what its edition's audience may see, as a print page, a
tagged PDF and a workbook of its tables, in English and French, through the pages, the API and the CLI;
the full edition is the Secretariat's; bad requests answer 4xx naming the field and build nothing."""

from __future__ import annotations

import io
import re
import statistics

import pytest
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from conftest import cycle_of, write_results
from pmm.cli import app
from pmm.cycles.selectors import cycle_spec
from pmm.disclosure.policy import EVERYTHING, PUBLIC_AUDIENCE
from pmm.framework.models import Kpi
from pmm.members.models import Member
from pmm.reports import global_report as global_report_module
from pmm.reports.global_report import chosen_publication, global_report_for
from pmm.results.formatting import units_of, value_text
from pmm.results.group_stats import aggregates_for

pytestmark = pytest.mark.django_db
SIX = ["UGA", "TZA", "RWA", "BDI", "ETH", "KEN"]
# KPI "mixed": four public values and two WCO-level ones (ETH, KEN): its statistics are released to the
# Secretariat (and to holders of a PMM role), held back from the public (two hidden values: too few).
MIXED = [11.1, 22.2, 33.3, 44.4, 55.5, 66.6]
# KPI "public": six public values, in 2024 and in 2022: its statistics are released to everyone.
PUBLIC_NOW = [71.2, 72.4, 73.6, 74.8, 76.0, 77.2]
PUBLIC_BEFORE = [61.3, 62.5, 63.7, 64.9, 66.1, 67.3]
# A yes/no KPI linked to a WCO instrument (the WCO Time Release Study guide), answered yes by four
# members at WCO level only: the public edition counts none of them anywhere.
WCO_ONLY = "D1.O4.K3"
WCO_ONLY_MEMBERS = ["UGA", "TZA", "RWA", "BDI"]
INSTRUMENT = "Time Release Study"


def _percent_kpis(cycle) -> list[Kpi]:
    spec = cycle_spec(cycle)
    found = [
        k
        for k in Kpi.objects.filter(outcome__dimension__framework=cycle.framework).order_by("position")
        if spec.kpis[k.code].unit == "percent"
        and spec.kpis[k.code].kind not in ("yes_no", "ordinal")
        and len(spec.kpis[k.code].formulas) == 1
    ]
    return found[:2]


def _entry(kpi: Kpi, level: str, value: float):
    return (kpi, level, [{"component": c, "status": "computed", "value": value} for c in kpi.formula])


@pytest.fixture
def world(open_cycle):
    """Six East African members publish two percentage KPIs (one with two WCO-level values) and four a
    yes/no KPI at WCO level; the same members published the public KPI in 2022 (the previous cycle)."""
    mixed, public = _percent_kpis(open_cycle)
    members = {m.iso3: m for m in Member.objects.filter(iso3__in=SIX)}
    wco_only = Kpi.objects.get(outcome__dimension__framework=open_cycle.framework, code=WCO_ONLY)
    entries = {}
    for i, iso3 in enumerate(SIX):
        entries[members[iso3]] = [
            _entry(mixed, "wco" if iso3 in ("ETH", "KEN") else "public", MIXED[i]),
            _entry(public, "public", PUBLIC_NOW[i]),
        ] + ([_entry(wco_only, "wco", 1.0)] if iso3 in WCO_ONLY_MEMBERS else [])
    write_results(open_cycle, 1, entries)
    earlier = cycle_of(2022)
    write_results(
        earlier,
        1,
        {members[iso3]: [_entry(public, "public", PUBLIC_BEFORE[i])] for i, iso3 in enumerate(SIX)},
    )
    open_cycle.kpis = {"mixed": mixed.code, "public": public.code}
    return open_cycle


def _text(cycle, code: str, value: float) -> str:
    spec = cycle_spec(cycle)
    return value_text(value, spec.kpis[code], spec, units_of(cycle.framework.document))


def pdf_text(body: bytes) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
    return re.sub(r"\s+", " ", text.replace("\xa0", " "))


def sheets(body: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(body), read_only=True)
    found = {
        sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets
    }
    book.close()
    return found


def test_the_public_edition_holds_public_figures_and_none_the_public_may_not_see(
    world, client, make_user, bearer
):
    hidden_median = _text(world, world.kpis["mixed"], statistics.median(MIXED))
    public_median = _text(world, world.kpis["public"], statistics.median(PUBLIC_NOW))
    earlier_median = _text(world, world.kpis["public"], statistics.median(PUBLIC_BEFORE))
    response = client.get(f"/api/v1/cycles/{world.pk}/report.pdf?edition=public&lang=en")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('-global-p1-public-en.pdf"')
    public = pdf_text(response.content)
    assert public_median in public and earlier_median in public  # this cycle and the previous one
    assert hidden_median not in public
    assert "Global cycle report" in public and "Public edition" in public
    full = client.get(
        f"/api/v1/cycles/{world.pk}/report.pdf", headers=bearer(make_user("secretariat_analyst"))
    )
    assert full.status_code == 200
    assert full["Content-Disposition"].endswith('-full-en.pdf"')  # the Secretariat's by default
    secretariat = pdf_text(full.content)
    assert hidden_median in secretariat and public_median in secretariat
    assert "Secretariat edition" in secretariat


def test_a_kpi_of_wco_level_values_counts_in_no_public_figure(world, client, make_user, bearer):
    """Coverage and the instruments' sides count only the members whose value the edition shows."""
    public = sheets(client.get(f"/api/v1/cycles/{world.pk}/report.xlsx?edition=public").content)
    headers = bearer(make_user("secretariat_admin"))
    full = sheets(client.get(f"/api/v1/cycles/{world.pk}/report.xlsx", headers=headers).content)
    for book, expected in ((public, 0), (full, len(WCO_ONLY_MEMBERS))):
        coverage = next(r for r in book["Coverage"] if str(r[1]).startswith(WCO_ONLY + " "))
        assert coverage[0] == "Trade Facilitation and Economic Competitiveness"  # the part: its dimension
        assert coverage[2] == expected, coverage  # members with a value
        applied = next(r for r in book["Instruments applied"] if INSTRUMENT in str(r[1]))
        assert applied[3:5] == (expected, 0), applied  # applying it, not applying it
    assert not any(str(r[0]).startswith(WCO_ONLY) for r in public["Every group"])


def test_the_full_edition_is_the_secretariats(world, client, make_user, bearer):
    url = f"/api/v1/cycles/{world.pk}/report.pdf?edition=full"
    refused = client.get(url)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "not_authenticated"
    for role, member in (("basic", None), ("ncp", "KEN"), ("contributor", "KEN"), ("peer_reviewer", "CAN")):
        response = client.get(url, headers=bearer(make_user(role, member)))
        assert response.status_code == 403, role
        assert response.json()["error"]["code"] == "forbidden"
    ncp = bearer(make_user("ncp", "KEN"))
    wco = client.get(f"/api/v1/cycles/{world.pk}/report.pdf", headers=ncp)
    assert wco.status_code == 200 and wco["Content-Disposition"].endswith('-wco-en.pdf"')
    assert _text(world, world.kpis["mixed"], statistics.median(MIXED)) in pdf_text(wco.content)
    assert client.get(f"/api/v1/cycles/{world.pk}/report.xlsx?edition=wco").status_code == 401
    for role in ("secretariat_admin", "secretariat_analyst"):
        assert client.get(url, headers=bearer(make_user(role))).status_code == 200, role


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("?lang=de", 400, "lang"),
        ("?edition=secret", 400, "edition"),
        ("?publication=abc", 400, "publication"),
        ("?publication=9", 404, "publication"),
    ],
)
def test_bad_requests_name_the_field_and_build_nothing(world, client, monkeypatch, query, status, field):
    def refuse(*args, **kwargs):
        raise AssertionError("a report was built for a bad request")

    monkeypatch.setattr(global_report_module, "global_report_for", refuse)
    for kind in ("pdf", "xlsx"):
        response = client.get(f"/api/v1/cycles/{world.pk}/report.{kind}{query}")
        assert response.status_code == status, response.content
        assert field in [f["field"] for f in response.json()["error"]["fields"]]


def test_an_unknown_cycle_and_a_cycle_without_publication_answer_404(world, client, monkeypatch):
    monkeypatch.setattr(global_report_module, "global_report_for", None)  # never called
    for cycle in (999_999, cycle_of(2020).pk):
        response = client.get(f"/api/v1/cycles/{cycle}/report.pdf")
        assert response.status_code == 404
        assert response.json()["error"]["fields"][0]["field"] == "cycle"
        assert client.get(f"/cycles/{cycle}/report/").status_code == 404


def test_the_workbook_holds_the_reports_tables(world, client):
    response = client.get(f"/api/v1/cycles/{world.pk}/report.xlsx?edition=public&lang=fr")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-global-p1-public-fr.xlsx"')
    book = sheets(response.content)
    report = global_report_for(PUBLIC_AUDIENCE, "public", world, chosen_publication(world, None), "fr")
    names = list(book)
    assert names[0] == "À propos"
    shown = report.sections
    assert len(names) == len(shown) + 1
    for section, name in zip(shown, names[1:], strict=True):
        rows = book[name]
        assert rows[0] == (section.part_label, *section.columns), name
        expected = [
            (part.caption, *(cell.stored for cell in cells)) for part in section.parts for cells in part.rows
        ]
        assert rows[1:] == expected, name
    assert any("Tous les membres" in str(row) for row in book[names[1]])  # French data names


def test_the_pdf_is_tagged_in_the_language_asked_and_cached(world, client, monkeypatch):
    response = client.get(f"/api/v1/cycles/{world.pk}/report.pdf?lang=fr")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "fr"
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert "2024" in reader.metadata.title
    assert "Tous les membres" in pdf_text(response.content)
    made = []
    from pmm.reports import rendering

    monkeypatch.setattr(rendering, "pdf_of", lambda html: made.append(html) or b"%PDF-")
    again = client.get(f"/api/v1/cycles/{world.pk}/report.pdf?lang=fr")
    assert again.content == response.content and made == []  # from the cache


def test_the_print_page_offers_the_files_and_the_editions_the_reader_may_have(
    world, client, make_user, page_problems
):
    page = client.get(f"/cycles/{world.pk}/report/")
    assert page.status_code == 200
    html = page.content.decode()
    assert page_problems(html) == []
    assert f"/cycles/{world.pk}/report.pdf?edition=public" in html
    assert f"/cycles/{world.pk}/report.xlsx?edition=public" in html
    assert "edition=wco" not in html and "edition=full" not in html
    client.force_login(make_user("secretariat_admin"))
    html = client.get(f"/cycles/{world.pk}/report/").content.decode()
    assert "edition=wco" in html and "edition=public" in html
    assert f"/cycles/{world.pk}/report.pdf?edition=full" in html


def test_the_cycle_and_public_pages_lead_to_the_report(world, client, make_user):
    public = client.get("/public/").content.decode()
    assert f"/cycles/{world.pk}/report/?edition=public&amp;publication=1" in public
    client.force_login(make_user("secretariat_analyst"))
    cycle = client.get(f"/cycles/{world.pk}/").content.decode()
    assert f"/cycles/{world.pk}/report/?edition=full" in cycle
    assert f"/cycles/{world.pk}/report/?edition=public" in cycle
    unpublished = cycle_of(2020).pk
    assert f"/cycles/{unpublished}/report/" not in client.get(f"/cycles/{unpublished}/").content.decode()
    publications = client.get(f"/cycles/{world.pk}/publications/").content.decode()
    assert f"/cycles/{world.pk}/report.pdf?edition=public&amp;publication=1" in publications


def test_the_cli_writes_the_report_and_its_tables(world, tmp_path):
    out = tmp_path / "global.pdf"
    arguments = ["report", "global", "--cycle", str(world.pk), "--edition", "public", "--lang", "fr"]
    result = CliRunner().invoke(app, [*arguments, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "public edition" in result.output
    text = pdf_text(out.read_bytes())
    assert _text(world, world.kpis["mixed"], statistics.median(MIXED)) not in text
    assert "Tous les membres" in text
    tables = tmp_path / "global.xlsx"
    assert CliRunner().invoke(app, [*arguments, "--out", str(tables)]).exit_code == 0
    book = sheets(tables.read_bytes())
    assert "À propos" in book and any("Tous les membres" in str(row) for row in book["Participation"])
    failed = CliRunner().invoke(
        app, ["report", "global", "--cycle", str(world.pk), "--lang", "xx", "--out", str(out)]
    )
    assert failed.exit_code != 0 and "lang" in failed.output
    full = CliRunner().invoke(app, ["report", "global", "--cycle", str(world.pk), "--out", str(out)])
    assert full.exit_code == 0 and "full edition" in full.output  # the system sees everything


def test_each_edition_shows_exactly_the_statistics_released_to_its_audience(world):
    """The report lists the groups `aggregates_for` releases to the edition's audience, and no other."""
    publication = chosen_publication(world, None)
    for audience, edition in ((PUBLIC_AUDIENCE, "public"), (EVERYTHING, "full")):
        report = global_report_for(audience, edition, world, publication, "en")
        detail = next(s for s in report.sections if s.key == "statistics-detail")
        listed = {(part.caption.split()[0], row[0].text) for part in detail.parts for row in part.rows}
        released = {
            (a.kpi, a.group_name["en"])
            for a in aggregates_for(audience, world, publication)
            if a.released and not a.reviewed_only
        }
        assert listed == released, edition
        shown = {code for code, _group in listed}
        assert (world.kpis["mixed"] in shown) == (edition == "full")
        assert world.kpis["public"] in shown


def test_the_country_report_names_the_cycle_once_and_writes_figures_in_its_language(world, client):
    """The cover reads "Cycle 2026 (reporting year 2024)", not "Cycle Cycle 2026 (...)"; a French report
    writes its figures the French way whatever the request's language."""
    for language, wanted in (("en", "(reporting year 2024)"), ("fr", "(année de référence 2024)")):
        response = client.get(
            f"/api/v1/cycles/{world.pk}/members/UGA/report.pdf?edition=public&lang={language}"
        )
        text = pdf_text(response.content)
        assert wanted in text and "Cycle Cycle" not in text, language
        with translation.override(language):
            figure = _text(world, world.kpis["public"], PUBLIC_NOW[0]).replace("\xa0", " ")
        assert figure in text, (language, figure)


def test_a_reader_of_another_audience_gets_only_the_statistics_released_to_both(
    world, make_user, monkeypatch
):
    """A member's people asking for the WCO edition: a statistic released to the WCO audience but not to
    their own is withheld (set side by side with their own release, it could single out a value)."""
    from dataclasses import replace

    from pmm.disclosure.audience import audience_of
    from pmm.reports.global_report import global_report
    from pmm.results import group_stats
    from pmm.results.aggregates import Suppressed

    ncp = make_user("ncp", "KEN")
    mine = audience_of(ncp).key
    real = group_stats.aggregates_for

    def withheld_from_the_reader(audience, cycle, publication, *args, **filters):
        found = real(audience, cycle, publication, *args, **filters)
        if audience.key != mine or filters.get("reader") is not None:
            return found
        return [replace(a, result=Suppressed("differencing")) if a.group == "global" else a for a in found]

    # The NCP's own release withholds the statistics of all members: `aggregates_for` asks it for the
    # NCP (its own name, looked up in its module) when the edition's audience is another.
    monkeypatch.setattr(group_stats, "aggregates_for", withheld_from_the_reader)
    public_median = _text(world, world.kpis["public"], statistics.median(PUBLIC_NOW))
    with translation.override("en"):
        shared = global_report(ncp, world, edition="wco", language="en")
        wco_reader = global_report(make_user("secretariat_analyst"), world, edition="wco", language="en")

    def shown(report) -> str:  # the statistics of all members (the "global" group)
        (section,) = [s for s in report.sections if s.key == "statistics"]
        return " ".join(c.text for p in section.parts for row in p.rows for c in row)

    assert public_median in shown(wco_reader)  # released to the WCO audience
    assert public_median not in shown(shared)  # but not to the NCP's own: withheld in what they get
    assert shared.fingerprint != wco_reader.fingerprint  # and cached apart
