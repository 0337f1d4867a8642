"""The reports' charts and the country report's sections beyond its tables: the WCO instruments of the
weakest outcomes, the SDG contribution, targets and progress, data quality notes. Each is built for its
edition's audience: the public edition's text holds none of the member's Country-, Union- or WCO-level
values, justifications or targets; the charts are inline SVG drawn from the figures the tables show."""

from __future__ import annotations

import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from conftest import write_results
from pmm.core.translated import pick
from pmm.cycles.selectors import cycle_spec
from pmm.framework.models import Kpi
from pmm.members.models import Member
from pmm.results.formatting import units_of, value_text
from pmm.targets.models import Target

pytestmark = pytest.mark.django_db
PEERS = ["UGA", "TZA", "RWA", "BDI", "ETH", "SOM"]
# KEN's computed values: (KPI, level, value), each value found nowhere else in the report.
VALUES = [
    ("D1.O1.K1", "public", 81.7),  # a strength: the peers have 10 to 15
    ("D1.O1.K3", "public", 2.3),  # a weakness: D1.O1 is where to act
    ("D1.O3.K2", "wco", 72.3),
    ("D1.O4.K2", "union", 63.9),
    ("D1.O6.K1", "country", 54.1),
]
PUBLIC_REASON = "Public reason: the administration runs no inland clearance posts"
SECRET_REASON = "Country reason: an internal restructuring QX-771"
NOT_APPLICABLE = [("D1.O4.K1", "public", PUBLIC_REASON), ("D1.O5.K2", "country", SECRET_REASON)]
TARGET_NOTE = "Agreed with the minister: reach the regional best QZ-55"


def _row(kpi: Kpi, level: str, **fields):
    return (kpi, level, [{"component": c, **fields} for c in kpi.formula])


@pytest.fixture
def world(open_cycle):
    """KEN published with a value at each level, two KPIs not applicable (public and country level), one
    not computable, and a target; six peers with public values of the numeric KPIs."""
    kpis = {k.code: k for k in Kpi.objects.filter(outcome__dimension__framework=open_cycle.framework)}
    members = {m.iso3: m for m in Member.objects.filter(iso3__in=[*PEERS, "KEN"])}
    ken = [_row(kpis[code], level, status="computed", value=value) for code, level, value in VALUES]
    ken += [
        _row(kpis[code], level, status="not_applicable", detail=why) for code, level, why in NOT_APPLICABLE
    ]
    ken.append(_row(kpis["D1.O1.K2"], "public", status="not_computable", reason="input_not_available"))
    entries = {members["KEN"]: ken}
    for i, iso3 in enumerate(PEERS):
        entries[members[iso3]] = [
            _row(kpis[code], "public", status="computed", value=10.0 + i) for code, _level, _value in VALUES
        ]
    write_results(open_cycle, 1, entries)
    Target.objects.create(
        member=members["KEN"],
        framework_code=open_cycle.framework.code,
        kpi="D1.O1.K1",
        year=2027,
        value=93.7,
        note=TARGET_NOTE,
        set_at=timezone.now(),
    )
    return open_cycle


def texts(cycle) -> dict[str, str]:
    """KEN's values as the report writes them, by disclosure level (the public weakness aside)."""
    spec = cycle_spec(cycle)
    units = units_of(cycle.framework.document)
    return {level: value_text(value, spec.kpis[code], spec, units) for code, level, value in VALUES[1:]}


def target_text(cycle) -> str:
    spec = cycle_spec(cycle)
    return value_text(93.7, spec.kpis["D1.O1.K1"], spec, units_of(cycle.framework.document))


def pdf_text(body: bytes) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
    return re.sub(r"\s+", " ", text.replace("\xa0", " "))


def instrument_names(cycle, outcome: str) -> list[str]:
    document = cycle.framework.document
    names = {i["code"]: pick(i["name"]) for i in document["instruments"]}
    for dimension in document["dimensions"]:
        for found in dimension["outcomes"]:
            if found["code"] == outcome:
                return [names[code] for code in found["instruments"]]
    raise AssertionError(outcome)


def test_the_full_edition_has_every_new_section(world, client, make_user):
    client.force_login(make_user("ncp", "KEN"))
    response = client.get(f"/api/v1/cycles/{world.pk}/members/KEN/report.pdf?lang=en")
    assert response.status_code == 200, response.content[:300]
    text = pdf_text(response.content)
    assert "WCO instruments for the weakest outcomes" in text
    for name in instrument_names(world, "D1.O1"):
        assert name in text, name
    assert "Contribution to the SDGs" in text and "17.8" in text
    assert "Targets and progress" in text
    assert f"2027: {target_text(world)}" in text and TARGET_NOTE in text
    assert "Data quality notes" in text
    assert PUBLIC_REASON in text and SECRET_REASON in text
    assert "a figure it needs was reported as not available" in text
    for value in texts(world).values():
        assert value in text


def test_the_public_edition_shows_nothing_the_public_may_not_see(world, client, make_user):
    client.force_login(make_user("ncp", "KEN"))  # the member's own NCP makes it to share it
    response = client.get(f"/api/v1/cycles/{world.pk}/members/KEN/report.pdf?edition=public&lang=en")
    assert response.status_code == 200
    text = pdf_text(response.content)
    shown = texts(world)
    assert shown["public"] in text and PUBLIC_REASON in text
    for level in ("wco", "union", "country"):
        assert shown[level] not in text, level
    assert SECRET_REASON not in text
    assert target_text(world) not in text and TARGET_NOTE not in text
    assert "shown only in the full edition" in text  # the targets section says why it is empty
    page = client.get(f"/cycles/{world.pk}/members/KEN/report/?edition=public").content.decode()
    for secret in (shown["wco"], shown["union"], shown["country"], SECRET_REASON, TARGET_NOTE):
        assert secret not in page


def test_another_members_full_edition_has_no_targets_and_no_country_justification(world, client, make_user):
    client.force_login(make_user("ncp", "FRA"))
    page = client.get(f"/cycles/{world.pk}/members/KEN/report/").content.decode()
    assert texts(world)["wco"] in page and texts(world)["country"] not in page
    assert SECRET_REASON not in page and TARGET_NOTE not in page
    assert "shown only in the full edition" in page


def test_the_charts_are_inline_svg_with_a_caption_and_their_table(world, client, make_user, page_problems):
    client.force_login(make_user("ncp", "KEN"))
    response = client.get(f"/cycles/{world.pk}/members/KEN/report/")
    html = response.content.decode()
    figures = re.findall(r'<figure class="report-figure" id="([a-z0-9-]+)">(.*?)</figure>', html, re.S)
    # Each strength and weakness with released peer statistics: among them the summary's two.
    assert {"figure-ken-d1-o1-k1-peers", "figure-ken-d1-o1-k3-peers"} <= {f for f, _body in figures}
    assert len(figures) <= len(VALUES)
    for figure_id, body in figures:
        assert f'<figcaption id="{figure_id}-title">' in body
        assert re.search(r'<svg role="img" aria-label="[^"]+" aria-describedby="' + figure_id, body)
        # Its figures are its KPI's row of the table above (not printed twice).
        assert "<table" not in body and "row in the table above" in body
    assert "<img" not in html and "http" not in re.sub(r'xmlns(:\w+)?="[^"]*"', "", html)  # nothing to fetch
    assert page_problems(html) == []
    public = client.get(f"/cycles/{world.pk}/members/KEN/report/?edition=public").content.decode()
    drawn = re.findall(r'<figure class="report-figure".*?</figure>', public, re.S)
    assert len(drawn) == 2  # the public values only: the others' statistics are not released
    assert all("<svg" in figure for figure in drawn)


def test_the_pdf_with_charts_stays_tagged(world, client):
    response = client.get(f"/api/v1/cycles/{world.pk}/members/KEN/report.pdf?edition=public&lang=fr")
    reader = PdfReader(io.BytesIO(response.content))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    text = pdf_text(response.content)
    assert "Kenya et ses groupes de pairs" in text or "groupes de pairs" in text


def test_the_global_report_draws_participation_and_coverage(world, client):
    page = client.get(f"/cycles/{world.pk}/report/?edition=public&lang=en").content.decode()
    assert 'id="figure-participation"' in page and 'id="figure-coverage-1"' in page
    assert page.count("<svg") >= 2
    pdf = client.get(f"/api/v1/cycles/{world.pk}/report.pdf?edition=public&lang=en")
    assert pdf.status_code == 200
    assert "Participation by WCO region" in pdf_text(pdf.content)


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/cycles/{cycle}/members/KEN/report.pdf?lang=de", 400),
        ("/api/v1/cycles/{cycle}/members/KEN/report.pdf?edition=secret", 400),
        ("/api/v1/cycles/{cycle}/members/KEN/report.pdf?edition=full", 401),
        ("/api/v1/cycles/{cycle}/members/KEN/report.pdf?publication=9", 404),
        ("/api/v1/cycles/{cycle}/members/MEX/report.pdf", 404),
        ("/api/v1/cycles/{cycle}/report.pdf?edition=secret", 400),
        ("/cycles/{cycle}/members/ZZZ/report/", 404),
    ],
)
def test_bad_requests_answer_as_before_and_draw_nothing(world, client, monkeypatch, url, status):
    def refuse(*args, **kwargs):
        raise AssertionError("a chart was drawn for a bad request")

    monkeypatch.setattr("pmm.reports.figures.to_svg", refuse)
    response = client.get(url.format(cycle=world.pk))
    assert response.status_code == status
