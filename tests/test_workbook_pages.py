"""The workbook from the assessment page: download, upload, problems listed, nothing half-saved."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import set_cells
from pmm.assessments.models import Change, DataValue
from pmm.assessments.workbook import layout as L
from pmm.cycles.selectors import cycle_spec

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell_of(cycle, element: str, period: str = "T") -> tuple[str, str]:
    sheet, row = L.layout_of(cycle_spec(cycle)).home[element]
    return sheet, f"{L.VALUE[period]}{row}"


@pytest.fixture
def ncp_client(client, make_user, open_cycle):
    client.force_login(make_user("ncp", "KEN"))
    client.post(f"/cycles/{open_cycle.pk}/assessments/KEN/start/")
    return client


def page(cycle, tail=""):
    return f"/cycles/{cycle.pk}/assessments/KEN/{tail}"


@pytest.mark.django_db
def test_download_and_upload_from_the_page(ncp_client, open_cycle):
    overview = ncp_client.get(page(open_cycle)).content.decode()
    assert f'href="/cycles/{open_cycle.pk}/assessments/KEN/workbook.xlsx"' in overview
    assert f'action="/cycles/{open_cycle.pk}/assessments/KEN/workbook/"' in overview
    download = ncp_client.get(page(open_cycle, "workbook.xlsx"))
    assert download["Content-Type"] == XLSX and "attachment" in download["Content-Disposition"]
    data = set_cells(download.content, {cell_of(open_cycle, "DECL_TOTAL"): 4321})
    response = ncp_client.post(
        page(open_cycle, "workbook/"),
        {"file": SimpleUploadedFile("ken.xlsx", data, content_type=XLSX)},
        follow=True,
    )
    assert "1 value and 0 KPI choices saved" in response.content.decode()
    value = DataValue.objects.unrestricted().get(
        assessment__member__iso3="KEN", element__code="DECL_TOTAL", period="T"
    )
    assert value.value == 4321
    assert Change.objects.unrestricted().filter(subject="DECL_TOTAL@T", path="workbook").exists()


@pytest.mark.django_db
def test_a_bad_workbook_lists_its_problems_and_saves_nothing(ncp_client, open_cycle):
    data = ncp_client.get(page(open_cycle, "workbook.xlsx")).content
    bad = set_cells(data, {cell_of(open_cycle, "DECL_TOTAL"): "lots", cell_of(open_cycle, "STAFF_TOTAL"): 50})
    before = list(DataValue.objects.unrestricted().values_list("element__code", "value"))
    response = ncp_client.post(page(open_cycle, "workbook/"), {"file": SimpleUploadedFile("ken.xlsx", bad)})
    assert response.status_code == 422
    body = response.content.decode()
    sheet, ref = cell_of(open_cycle, "DECL_TOTAL")
    assert "nothing was saved" in body and f"Sheet {sheet}, cell {ref}" in body
    assert list(DataValue.objects.unrestricted().values_list("element__code", "value")) == before
    not_xlsx = ncp_client.post(
        page(open_cycle, "workbook/"), {"file": SimpleUploadedFile("ken.xlsx", b"hello")}
    )
    assert not_xlsx.status_code == 422


@pytest.mark.django_db
def test_readers_download_but_cannot_upload(client, make_user, open_cycle, ncp_client):
    client.force_login(make_user("secretariat_analyst"))
    overview = client.get(page(open_cycle)).content.decode()
    assert "workbook.xlsx" in overview and "workbook/" not in overview.split("workbook.xlsx")[-1]
    response = client.post(page(open_cycle, "workbook/"), {"file": SimpleUploadedFile("x.xlsx", b"x")})
    assert response.status_code == 403
