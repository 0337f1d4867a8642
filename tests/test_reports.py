"""The country report: built from exactly what its edition's audience may see, as a print page and a
tagged PDF in English and French, through the pages, the API and the CLI; bad requests answer 4xx."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from conftest import cycle_of, write_results
from pmm.cli import app
from pmm.cycles.selectors import cycle_spec
from pmm.framework.models import Kpi
from pmm.members.models import Member
from pmm.results.formatting import units_of, value_text

pytestmark = pytest.mark.django_db
PEERS = ["UGA", "TZA", "RWA", "BDI", "ETH", "SOM"]
# KEN's values, one KPI at each disclosure level, each a number found nowhere else in the report.
KEN = {"public": 81.7, "wco": 72.3, "union": 63.9, "country": 54.1}
EARLIER, CHANGE = "70.2%", "11.5%"  # KEN's public KPI in 2022, and the change to 2024


def _numeric_kpis(cycle) -> list[Kpi]:
    spec = cycle_spec(cycle)
    found = [
        k
        for k in Kpi.objects.filter(outcome__dimension__framework=cycle.framework).order_by("position")
        if spec.kpis[k.code].unit == "percent" and spec.kpis[k.code].kind not in ("yes_no", "ordinal")
    ]
    return found[:4]


@pytest.fixture
def world(open_cycle):
    """KEN published with one KPI at each level; six peers with public values of the same KPIs."""
    kpis = _numeric_kpis(open_cycle)
    members = {m.iso3: m for m in Member.objects.filter(iso3__in=[*PEERS, "KEN"])}
    entries = {
        members["KEN"]: [
            (kpi, level, [{"component": c, "status": "computed", "value": KEN[level]} for c in kpi.formula])
            for kpi, level in zip(kpis, KEN, strict=True)
        ]
    }
    for i, iso3 in enumerate(PEERS):
        entries[members[iso3]] = [
            (kpi, "public", [{"component": c, "status": "computed", "value": 10.0 + i} for c in kpi.formula])
            for kpi in kpis
        ]
    write_results(open_cycle, 1, entries)
    earlier = cycle_of(2022)  # KEN's public KPI two years before, public too
    first = kpis[0]
    before = [
        (first, "public", [{"component": c, "status": "computed", "value": 70.2} for c in first.formula])
    ]
    write_results(earlier, 1, {members["KEN"]: before})
    return open_cycle


def texts_of(cycle) -> dict[str, str]:
    spec = cycle_spec(cycle)
    units = units_of(cycle.framework.document)
    kpi = spec.kpis[_numeric_kpis(cycle)[0].code]
    return {level: value_text(value, kpi, spec, units) for level, value in KEN.items()}


def pdf_text(body: bytes) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
    return re.sub(r"\s+", " ", text.replace("\xa0", " "))


def test_the_public_edition_shows_every_public_value_and_none_other(world, client):
    response = client.get(f"/api/v1/cycles/{world.pk}/members/KEN/report.pdf?edition=public&lang=en")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    expected = texts_of(world)
    assert expected["public"] in text
    for level in ("wco", "union", "country"):
        assert expected[level] not in text, level
    assert "Not shown in this edition" in text
    assert "Kenya" in text
    assert f"2022: {EARLIER}" in text and f"+{CHANGE}" in text  # the trend and the change since


def test_the_members_own_people_get_everything_and_can_make_the_public_edition(world, client, make_user):
    client.force_login(make_user("ncp", "KEN"))
    full = client.get(f"/cycles/{world.pk}/members/KEN/report/")
    assert full.status_code == 200
    page = full.content.decode()
    for text in texts_of(world).values():
        assert text in page
    public = client.get(f"/cycles/{world.pk}/members/KEN/report/?edition=public").content.decode()
    assert texts_of(world)["public"] in public and texts_of(world)["country"] not in public
    assert "report.pdf?edition=public" in public  # the download of the same edition


def test_another_member_sees_the_wco_level_but_not_the_country_level(world, client, make_user, bearer):
    headers = bearer(make_user("ncp", "FRA"))
    response = client.get(f"/api/v1/cycles/{world.pk}/members/KEN/report.pdf", headers=headers)
    assert response.status_code == 200
    text = pdf_text(response.content)
    expected = texts_of(world)
    assert expected["public"] in text and expected["wco"] in text
    assert expected["country"] not in text


def test_a_visitor_may_not_ask_for_an_edition_above_the_public(world, client):
    response = client.get(f"/api/v1/cycles/{world.pk}/members/KEN/report.pdf?edition=wco")
    assert response.status_code == 401  # sign in for more than the public edition
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("?lang=de", 400, "lang"),
        ("?edition=secret", 400, "edition"),
        ("?publication=abc", 400, ""),
        ("?publication=9", 404, ""),
    ],
)
def test_bad_requests_answer_in_plain_words(world, client, query, status, field):
    response = client.get(f"/api/v1/cycles/{world.pk}/members/KEN/report.pdf{query}")
    assert response.status_code == status
    error = response.json()["error"]
    if field:
        assert field in [f["field"] for f in error["fields"]]


def test_unknown_member_cycle_without_publication_and_member_without_results(world, client):
    assert client.get(f"/api/v1/cycles/{world.pk}/members/ZZZ/report.pdf").status_code == 404
    assert client.get(f"/api/v1/cycles/{world.pk}/members/MEX/report.pdf").status_code == 404
    empty = cycle_of(2020)
    assert client.get(f"/api/v1/cycles/{empty.pk}/members/KEN/report.pdf").status_code == 404
    assert client.get(f"/cycles/{empty.pk}/members/KEN/report/").status_code == 404


def test_the_pdf_is_tagged_titled_and_in_the_language_asked(world, client):
    response = client.get(f"/api/v1/cycles/{world.pk}/members/KEN/report.pdf?lang=fr")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "fr"
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert "Kenya" in reader.metadata.title and "2024" in reader.metadata.title
    text = pdf_text(response.content)
    assert "Résumé" in text and "Annexe" in text
    assert response["Content-Disposition"].endswith('-KEN-p1-public-fr.pdf"')


def test_the_print_page_is_a_document_of_its_own(world, client, page_problems):
    response = client.get(f"/cycles/{world.pk}/members/KEN/report/")
    assert response.status_code == 200
    html = response.content.decode()
    assert page_problems(html) == []
    assert 'href="/static/reports/report.css"' in html and "<style" not in html


def test_the_cli_writes_the_report(world, tmp_path):
    out = tmp_path / "ken.pdf"
    result = CliRunner().invoke(
        app,
        [
            "report",
            "country",
            "--cycle",
            str(world.pk),
            "--member",
            "KEN",
            "--edition",
            "public",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "public edition" in result.output
    text = pdf_text(out.read_bytes())
    assert texts_of(world)["public"] in text and texts_of(world)["wco"] not in text
    failed = CliRunner().invoke(
        app,
        ["report", "country", "--cycle", str(world.pk), "--member", "KEN", "--lang", "xx", "--out", str(out)],
    )
    assert failed.exit_code != 0 and "lang" in failed.output


def test_the_dashboard_and_the_public_member_page_lead_to_the_report(world, client, make_user):
    public = client.get(f"/public/cycles/{world.pk}/members/KEN/").content.decode()
    assert f"/cycles/{world.pk}/members/KEN/report.pdf?edition=public&amp;publication=1" in public
    client.force_login(make_user("ncp", "KEN"))
    board = client.get(f"/cycles/{world.pk}/members/KEN/dashboard/").content.decode()
    assert f"/cycles/{world.pk}/members/KEN/report/?publication=1" in board


@pytest.mark.parametrize(("query", "field"), [("?lang=de", "lang"), ("?edition=secret", "edition")])
@pytest.mark.parametrize("page", ["report/", "report.pdf"])
def test_the_print_pages_refuse_a_bad_parameter_in_plain_words(world, client, query, field, page):
    """A wrong language or edition on the pages: a 400 page that names the parameter, never a 500."""
    response = client.get(f"/cycles/{world.pk}/members/KEN/{page}{query}")
    assert response.status_code == 400
    text = response.content.decode()
    assert "Bad request" in text and f"<code>{field}</code>" in text
