"""Assessment writes run a fixed number of queries, the same for one item as for many, through the API,
the form and the workbook: the unit of work reads what it compares once and writes in bulk."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import set_cells
from pmm.assessments.models import Assessment
from pmm.assessments.selectors import assessment_access
from pmm.assessments.services import ValueInput, values_save
from pmm.assessments.workbook import layout as L
from pmm.assessments.workbook import workbook_export, workbook_import
from pmm.core.actors import SYSTEM
from pmm.cycles.selectors import cycle_spec

ELEMENTS = ["DECL_TOTAL", "DECL_ELECTRONIC", "STAFF_TOTAL", "AEO_COUNT", "REVENUE_TOTAL", "SEIZURE_COUNT"]


def api(cycle, tail: str = "") -> str:
    return f"/api/v1/cycles/{cycle.pk}/assessments/KEN{tail}"


def counted(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def version_of(cycle) -> int:
    return Assessment.objects.get(cycle=cycle, member__iso3="KEN").version


@pytest.fixture
def ncp(make_user, bearer):
    return bearer(make_user("ncp", "KEN"))


@pytest.fixture
def started(open_cycle):
    assessment = assessment_access(SYSTEM, open_cycle, "KEN")
    values_save(
        actor=SYSTEM,
        assessment=assessment,
        version=0,
        items=[ValueInput("DECL_TOTAL", "T", 1)],
        path="api",
    )
    return open_cycle


def elements_in(cycle) -> list[str]:
    spec = cycle_spec(cycle)
    counts = [code for code, e in spec.elements.items() if e.value_type == "count" and e.derived is None]
    return [code for code in counts if "T" in spec.elements[code].periods][:8]


def put_values(client, cycle, headers, value: int, count: int) -> int:
    items = [{"element": code, "period": "T", "value": value} for code in elements_in(cycle)[:count]]

    def call():
        response = client.put(
            api(cycle, "/values"),
            data={"version": version_of(cycle), "values": items},
            content_type="application/json",
            headers=headers,
        )
        assert response.status_code == 200, response.content

    version = version_of(cycle)
    n = counted(call)
    assert version_of(cycle) == version + 1
    return n


@pytest.mark.django_db
def test_a_values_write_runs_the_same_queries_for_one_item_as_for_many(client, started, ncp):
    put_values(client, started, ncp, 5, 8)  # every row stored, the caches warm (roles, the spec)
    one = put_values(client, started, ncp, 10, 1)
    many = put_values(client, started, ncp, 20, 8)
    print("values write: one", one, "many", many)
    assert one == many


@pytest.mark.django_db
def test_a_page_save_runs_the_same_queries_for_one_entry_as_for_many(client, started, make_user):
    """The form saves a page's values, KPI choices and explanations in one write (one swap, one history
    flush, one audit event); entries as the page read them cost no query."""
    client.force_login(make_user("ncp", "KEN"))
    page = f"/cycles/{started.pk}/assessments/KEN/D1/"
    home = L.layout_of(cycle_spec(started)).home
    codes = [code for code in elements_in(started) if home[code][0] == "D1"][:4]
    assert len(codes) == 4

    def post(values: dict[str, int], expected: int) -> int:
        fields = {f"{code}__T__value": str(value) for code, value in values.items()}
        version = version_of(started)

        def call():
            response = client.post(page, {"version": version, **fields})
            assert response.status_code == 302, response.content

        n = counted(call)
        assert version_of(started) == version + expected
        return n

    post(dict.fromkeys(codes, 1), 1)  # every row stored, the caches warm
    one = post({**dict.fromkeys(codes, 1), codes[0]: 2}, 1)
    many = post(dict.fromkeys(codes, 3), 1)
    unchanged = post(dict.fromkeys(codes, 3), 0)
    assert one == many and unchanged < one


@pytest.mark.django_db
def test_a_workbook_import_runs_the_same_queries_for_one_cell_as_for_many(started):
    layout = L.layout_of(cycle_spec(started))

    def imported(value: int, count: int) -> int:
        data = workbook_export(assessment_access(SYSTEM, started, "KEN"), "en", SYSTEM)
        cells = {}
        for code in elements_in(started)[:count]:
            sheet, row = layout.home[code]
            cells[(sheet, f"{L.VALUE['T']}{row}")] = value
        edited = set_cells(data, cells)
        version = version_of(started)

        def call():
            workbook_import(
                actor=SYSTEM,
                assessment=assessment_access(SYSTEM, started, "KEN"),
                data=edited,
                filename="k.xlsx",
            )

        n = counted(call)
        assert version_of(started) == version + 1
        return n

    imported(5, 4)  # every row stored
    assert imported(6, 1) == imported(7, 4)
