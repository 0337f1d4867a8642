"""The public KPI page: the public values first, then how many members' values are not public, then a
chart of the public values (with its table and downloads); withheld group statistics are counted, not
listed. Only public-level results reach the page, its chart and the chart's files."""

from __future__ import annotations

import csv
import io

import jsonschema
import pytest
from altair.vegalite.v6.schema import core

from pmm.charts import specs
from pmm.core.actors import SYSTEM
from pmm.results.models import PublishedResult
from test_public_site import FRA_PUBLIC, KEN_PUBLIC, _main, admin, published  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def _public_value(iso3: str, kpi: str) -> float:
    row = PublishedResult.objects.unrestricted().get(
        member__iso3=iso3, kpi=kpi, component="value", publication__number=1
    )
    return float(row.value)


@pytest.mark.usefixtures("published")
def test_public_values_come_first_then_the_count_of_the_others_then_the_chart(client, open_cycle):
    assert "D1.O1.K1" in KEN_PUBLIC and "D1.O1.K1" not in FRA_PUBLIC
    main = _main(client.get(f"/public/cycles/{open_cycle.pk}/kpis/D1.O1.K1/").content.decode())
    values = main.index("1 member has made its value public")
    not_public = main.index("1 of the 2 members in this publication has not made its value public.")
    chart = main.index('<figure class="chart" id="public-values"')
    assert values < not_public < chart
    if "Group statistics" in main:
        assert chart < main.index("Group statistics")
    assert "France" not in main  # its value is withheld from the public: not in the table nor the chart


@pytest.mark.usefixtures("published")
def test_the_chart_and_its_files_hold_only_the_public_values(client, open_cycle):
    url = f"/public/cycles/{open_cycle.pk}/kpis/D2.O1.K1/"  # public for both Kenya and France
    answer = client.get(url, {"chart": "public-values", "format": "csv"})
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    members = [r[0] for r in rows[1:]]
    assert sorted(members) == ["France", "Kenya"]
    # One KPI public for Kenya only: France is not in the chart's file.
    only_kenya = client.get(
        f"/public/cycles/{open_cycle.pk}/kpis/D1.O1.K1/", {"chart": "public-values", "format": "csv"}
    )
    lines = list(csv.reader(io.StringIO(only_kenya.content.decode("utf-8-sig"))))
    assert [r[0] for r in lines[1:]] == ["Kenya"]
    assert float(lines[1][1]) == pytest.approx(_public_value("KEN", "D1.O1.K1"))
    # A KPI no member made public has no chart, and no chart to download.
    withheld = next(code for code in ("D1.O4.K1", "D3.O2.K1") if code not in KEN_PUBLIC | FRA_PUBLIC)
    page = client.get(f"/public/cycles/{open_cycle.pk}/kpis/{withheld}/")
    assert page.status_code == 200 and "public-values" not in page.content.decode()
    assert "2 of the 2 members in this publication have not made their value public." in page.content.decode()
    missing = client.get(f"/public/cycles/{open_cycle.pk}/kpis/{withheld}/", {"chart": "public-values"})
    assert missing.status_code == 404


@pytest.mark.usefixtures("published")
def test_an_ordinal_kpi_charts_the_shares_per_answer(client, open_cycle):
    assert "D1.O1.K2" in KEN_PUBLIC  # an ordinal KPI: levels of alignment with the WCO Data Model
    answer = client.get(
        f"/public/cycles/{open_cycle.pk}/kpis/D1.O1.K2/", {"chart": "public-values", "format": "csv"}
    )
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0] == ["Answer", "Members", "Share of the members (%)"]
    assert len(rows) == 2 and rows[1][0].startswith("Level ") and rows[1][1] == "1"


def test_member_values_orders_and_validates() -> None:
    rows = [
        {"member": "Kenya", "value": 80.5},
        {"member": "Chile", "value": 61},
        {"member": "X", "value": None},
    ]
    spec = specs.member_values(rows, value_label="Electronic declarations", member_label="Member", unit="%")
    assert [d["member"] for d in spec["data"]["values"]] == ["Kenya", "Chile"]  # the order given
    assert spec["encoding"]["x"]["title"] == "Electronic declarations (%)"
    jsonschema.Draft7Validator(core.load_schema()).validate(spec)


@pytest.mark.usefixtures("published")
def test_the_public_values_chart_is_sorted_best_first(client, open_cycle, submitted_assessment):
    from pmm.results.services import publication_create

    for seed, iso3 in enumerate(["UGA", "TZA", "RWA"], start=5):
        submitted_assessment(open_cycle, iso3, seed=seed, disclosure={"D1.O1.K1": "public"})
    publication_create(actor=SYSTEM, cycle=open_cycle)
    answer = client.get(
        f"/public/cycles/{open_cycle.pk}/kpis/D1.O1.K1/", {"chart": "public-values", "format": "csv"}
    )
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))[1:]
    values = [float(r[1]) for r in rows]
    assert len(values) == 4 and values == sorted(values, reverse=True)  # higher is better: highest first
