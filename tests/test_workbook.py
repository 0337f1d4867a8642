"""The workbook round trip: export, edit (openpyxl or LibreOffice), import; every bad input is
refused with a message naming the sheet and cell (or the problem), and nothing is saved."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.utils import timezone

from conftest import set_cells
from pmm.assessments.models import Assessment, Change, DataValue, KpiResponse
from pmm.assessments.selectors import assessment_access
from pmm.assessments.services import ValueInput, kpi_update, values_save
from pmm.assessments.workbook import TEMPLATE_VERSION, workbook_export, workbook_import
from pmm.assessments.workbook import layout as L
from pmm.core.actors import SYSTEM
from pmm.core.errors import ApplicationError
from pmm.cycles.selectors import cycle_spec
from pmm.cycles.services import cycle_create

MEMBER = "KEN"
# Data elements as messages name them (by their label).
TOTAL_LABEL = "“Total number of Customs goods declarations (import, export and transit)”"
SHARE_LABEL = "“Share of declaration data elements mapped to the WCO Data Model”"
RFI_LABEL = "“Requests for information received”"


# --------------------------------------------------------------------------------------------
# Helpers


def export(cycle: Any, iso3: str = MEMBER, language: str = "en") -> bytes:
    return workbook_export(assessment_access(SYSTEM, cycle, iso3), language, SYSTEM)


def run_import(cycle: Any, data: bytes, actor: Any = SYSTEM, iso3: str = MEMBER, filename: str = "ken.xlsx"):
    return workbook_import(
        actor=actor, assessment=assessment_access(actor, cycle, iso3), data=data, filename=filename
    )


def refused(cycle: Any, data: bytes, actor: Any = SYSTEM, filename: str = "ken.xlsx") -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        run_import(cycle, data, actor=actor, filename=filename)
    return caught.value


def edit(data: bytes, change: Callable[[openpyxl.Workbook], None]) -> bytes:
    book = openpyxl.load_workbook(BytesIO(data))
    change(book)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def where(cycle: Any, element: str, period: str = "T", column: dict[str, str] = L.VALUE) -> tuple[str, str]:
    """(sheet, cell) of an element's value (or state/text column) in the workbook."""
    sheet, row = L.layout_of(cycle_spec(cycle)).home[element]
    return sheet, f"{column[period]}{row}"


def kpi_where(cycle: Any, kpi: str, column: str) -> tuple[str, str]:
    return L.KPIS, f"{column}{L.layout_of(cycle_spec(cycle)).kpi_row(kpi)}"


def stored(cycle: Any, iso3: str = MEMBER) -> tuple[Any, ...]:
    """Everything the import could change, to assert that nothing did."""
    assessment = Assessment.objects.filter(cycle=cycle, member__iso3=iso3).first()
    if assessment is None:
        return (None,)
    return (
        assessment.version,
        assessment.status,
        sorted(
            DataValue.objects.unrestricted()
            .filter(assessment=assessment)
            .values_list("element__code", "period", "value", "state", "reason", "comment")
        ),
        sorted(
            KpiResponse.objects.unrestricted()
            .filter(assessment=assessment)
            .values_list("kpi__code", "applicable", "justification", "disclosure")
        ),
        Change.objects.unrestricted().filter(assessment=assessment).count(),
    )


def field_messages(error: ApplicationError) -> dict[str, str]:
    return {p.field: p.message for p in error.problems}


@pytest.fixture
def started(open_cycle):
    """KEN's assessment with a few values, at a known version."""
    assessment = assessment_access(SYSTEM, open_cycle, MEMBER)
    values_save(
        actor=SYSTEM,
        assessment=assessment,
        version=0,
        items=[
            ValueInput("DECL_TOTAL", "T", 120000),
            ValueInput("DECL_ELECTRONIC", "T", 90000, comment="from the clearance system"),
            ValueInput("AEO_COUNT", "T-1", None, "not_available", reason="register created in 2024"),
        ],
        path="api",
    )
    return open_cycle


# --------------------------------------------------------------------------------------------
# Export


@pytest.mark.django_db
def test_export_has_instructions_dimension_sheets_kpis_and_a_hidden_identity(started):
    book = openpyxl.load_workbook(BytesIO(export(started)))
    spec = cycle_spec(started)
    assert book.sheetnames[:6] == ["Instructions", *spec.dimensions, "KPIs"]
    assert book["_meta"].sheet_state == "hidden" and book["_lists"].sheet_state == "hidden"
    meta = {row[0]: row[1] for row in book["_meta"].iter_rows(values_only=True)}
    assessment = Assessment.objects.get(cycle=started, member__iso3=MEMBER)
    assert meta["template_version"] == TEMPLATE_VERSION
    assert (meta["cycle"], meta["member"], meta["assessment_version"]) == (
        started.pk,
        MEMBER,
        assessment.version,
    )
    assert meta["framework_fingerprint"] == started.framework.fingerprint
    d1 = book["D1"]
    assert d1["A1"].value.startswith("D1 · Trade Facilitation")
    assert d1.protection.sheet and book.security.lockStructure

    sheet, ref = where(started, "DECL_TOTAL")
    assert (sheet, book[sheet][ref].value) == ("D1", 120000)
    assert book[sheet][ref].protection.locked is False
    _sheet, text = where(started, "DECL_ELECTRONIC", column=L.TEXT)
    assert book[sheet][text].value == "from the clearance system"
    sheet, t1 = where(started, "DECL_TOTAL", "T-1")  # collected for T only: greyed and locked
    assert book[sheet][t1].protection.locked is True and book[sheet][t1].value is None
    sheet, state = where(started, "AEO_COUNT", "T-1", L.STATE)
    assert book[sheet][state].value == "not available"
    _sheet, reason = where(started, "AEO_COUNT", "T-1", L.TEXT)
    assert book[sheet][reason].value == "register created in 2024"

    validated = {str(ref) for dv in d1.data_validations.dataValidation for ref in dv.sqref.ranges}
    choice = where(started, "DATA_MODEL_ALIGNMENT")[1]
    assert {choice, where(started, "DECL_TOTAL", column=L.STATE)[1]} <= validated
    kpis = book["KPIs"]
    row = L.layout_of(cycle_spec(started)).kpi_row("D1.O1.K1")
    assert [kpis[f"{c}{row}"].value for c in "ADF"] == ["D1.O1.K1", "yes", "WCO"]


@pytest.mark.django_db
def test_each_element_has_one_input_row_and_reference_rows_elsewhere(open_cycle):
    book = openpyxl.load_workbook(BytesIO(export(open_cycle)))
    layout = L.layout_of(cycle_spec(open_cycle))
    spec = cycle_spec(open_cycle)
    assert set(layout.home) == set(spec.elements)  # every element, including those no KPI uses
    sheet, row = layout.home["DECL_TOTAL"]
    references = [
        (name, r)
        for name in spec.dimensions
        for r in range(L.FIRST_ROW, book[name].max_row + 1)
        if book[name][f"A{r}"].value == "DECL_TOTAL" and (name, r) != (sheet, row)
    ]
    assert references, "DECL_TOTAL is used by KPIs of two dimensions"
    for name, r in references:
        assert book[name][f"D{r}"].value == f"entered on sheet {sheet}, row {row}"
        assert book[name][f"D{r}"].protection.locked is True


@pytest.mark.django_db
def test_export_in_french(open_cycle):
    book = openpyxl.load_workbook(BytesIO(export(open_cycle, language="fr")))
    assert book["D1"]["A1"].value.startswith("D1 · Facilitation des échanges")
    sheet, ref = where(open_cycle, "DECL_TOTAL")
    assert book[sheet][f"B{ref[1:]}"].value.startswith("Nombre total de déclarations")


# --------------------------------------------------------------------------------------------
# Round trip


@pytest.mark.django_db
def test_round_trip_saves_the_edited_cells_with_the_workbook_path(started, make_user):
    ncp = make_user("ncp", MEMBER)
    data = set_cells(
        export(started),
        {
            where(started, "DECL_TOTAL"): 130000,
            where(started, "DATA_MODEL_ALIGNMENT"): "Partly aligned",
            where(started, "INTEGRITY_STRATEGY"): "yes",
            where(started, "PAYMENTS_TOTAL_VALUE"): 1234567.5,
            where(started, "AEO_COUNT", "T-1", L.STATE): "reported",
            where(started, "AEO_COUNT", "T-1"): 410,
            where(started, "AEO_COUNT", "T-1", L.TEXT): None,
            where(started, "RFI_COUNT", "T", L.STATE): "not available",
            where(started, "RFI_COUNT", "T", L.TEXT): "no register of requests",
            kpi_where(started, "D1.O2.K2", L.KPI_APPLICABLE): "no",
            kpi_where(started, "D1.O2.K2", L.KPI_JUSTIFICATION): "no AEO programme yet",
            kpi_where(started, "D1.O1.K1", L.KPI_DISCLOSURE): "Public",
        },
    )
    report = run_import(started, data, actor=ncp)

    values = {
        (code, period): (value, state, reason)
        for code, period, value, state, reason in DataValue.objects.unrestricted()
        .filter(assessment__cycle=started, assessment__member__iso3=MEMBER)
        .values_list("element__code", "period", "value", "state", "reason")
    }
    assert values[("DECL_TOTAL", "T")] == (130000, "reported", "")
    assert values[("DATA_MODEL_ALIGNMENT", "T")] == ("partial", "reported", "")
    assert values[("INTEGRITY_STRATEGY", "T")] == (True, "reported", "")
    assert values[("PAYMENTS_TOTAL_VALUE", "T")] == (1234567.5, "reported", "")
    assert values[("AEO_COUNT", "T-1")] == (410, "reported", "")
    assert values[("RFI_COUNT", "T")] == (None, "not_available", "no register of requests")
    assert values[("DECL_ELECTRONIC", "T")] == (90000, "reported", "")  # untouched
    responses = {
        r.kpi.code: r for r in KpiResponse.objects.unrestricted().filter(assessment__member__iso3=MEMBER)
    }
    assert (responses["D1.O2.K2"].applicable, responses["D1.O2.K2"].justification) == (
        False,
        "no AEO programme yet",
    )
    assert responses["D1.O1.K1"].disclosure == "public"

    assert report.changed == 8 and len(report.kpis) == 2
    assert {c.subject for c in report.values} >= {"DECL_TOTAL@T", "AEO_COUNT@T-1", "RFI_COUNT@T"}
    changes = Change.objects.unrestricted().filter(assessment__member__iso3=MEMBER, changed_by=ncp)
    assert changes.exists() and set(changes.values_list("path", flat=True)) == {"workbook"}
    change = changes.get(subject="DECL_TOTAL@T", field="value")
    assert (change.old, change.new) == (120000, 130000)
    assert report.version == Assessment.objects.get(member__iso3=MEMBER, cycle=started).version


@pytest.mark.django_db
def test_reimporting_an_unchanged_workbook_changes_nothing(started):
    data = export(started)
    before = stored(started)
    report = run_import(started, data)
    assert report.changed == 0 and report.version == before[0]
    assert "nothing to save" in report.summary()
    assert stored(started) == before


@pytest.mark.django_db
def test_a_french_workbook_imports_into_the_same_values(started):
    data = export(started, language="fr")
    before = stored(started)
    assert run_import(started, data).changed == 0
    assert stored(started) == before
    data = set_cells(data, {where(started, "INTEGRITY_STRATEGY"): "oui"})
    run_import(started, data)
    assert (
        DataValue.objects.unrestricted()
        .get(element__code="INTEGRITY_STRATEGY", assessment__member__iso3=MEMBER)
        .value
        is True
    )


@pytest.mark.django_db
def test_a_workbook_of_a_member_that_had_not_started_starts_it(open_cycle):
    data = set_cells(export(open_cycle), {where(open_cycle, "DECL_TOTAL"): 5000})
    assert stored(open_cycle) == (None,)
    report = run_import(open_cycle, data)
    assessment = Assessment.objects.get(cycle=open_cycle, member__iso3=MEMBER)
    assert assessment.status == "in_progress" and report.version == assessment.version
    assert (
        DataValue.objects.unrestricted().get(assessment=assessment, element__code="DECL_TOTAL").value == 5000
    )


@pytest.mark.django_db
def test_validation_problems_are_named_by_cell(started):
    percent_sheet, percent = where(started, "DATA_MODEL_ALIGNED_SHARE")
    reason_sheet, reason = where(started, "RFI_COUNT", "T", L.TEXT)
    data = set_cells(
        export(started),
        {
            (percent_sheet, percent): 150,
            where(started, "RFI_COUNT", "T", L.STATE): "not available",  # without a reason
            where(started, "DECL_TOTAL"): 1.5,  # a count must be whole
            kpi_where(started, "D1.O2.K2", L.KPI_APPLICABLE): "no",  # without a justification
        },
    )
    before = stored(started)
    error = refused(started, data)
    messages = field_messages(error)
    assert error.code == "invalid_values"
    assert messages[f"Sheet {percent_sheet}, cell {percent}"].startswith(
        f"{SHARE_LABEL} (year T) must be between 0 and 100, not 150"
    )
    reason_message = messages[f"Sheet {reason_sheet}, cell {reason}"]
    assert reason_message == f"say why {RFI_LABEL} is not available for year T"
    sheet, ref = where(started, "DECL_TOTAL")
    assert messages[f"Sheet {sheet}, cell {ref}"] == f"{TOTAL_LABEL} (year T) must be a whole number"
    sheet, ref = kpi_where(started, "D1.O2.K2", L.KPI_JUSTIFICATION)
    assert "explain why" in messages[f"Sheet {sheet}, cell {ref}"]
    assert stored(started) == before


@pytest.mark.django_db
def test_a_contributor_may_import_but_not_change_the_disclosure(started, make_user):
    contributor = make_user("contributor", MEMBER)
    data = set_cells(export(started), {where(started, "DECL_TOTAL"): 125000})
    assert run_import(started, data, actor=contributor).changed == 1
    before = stored(started)
    sheet, ref = kpi_where(started, "D1.O1.K1", L.KPI_DISCLOSURE)
    error = refused(started, set_cells(export(started), {(sheet, ref): "Country"}), actor=contributor)
    assert field_messages(error)[f"Sheet {sheet}, cell {ref}"] == (
        "only the National Contact Point may change the disclosure level."
    )
    assert stored(started) == before


@pytest.mark.django_db
def test_spreadsheet_habits_a_percent_sign_and_a_date(started):
    share = where(started, "DATA_MODEL_ALIGNED_SHARE")
    count = where(started, "DECL_IMPORT_TOTAL")

    def type_in(book: openpyxl.Workbook) -> None:
        book[share[0]][share[1]] = 0.65  # what Excel keeps when "65%" is typed
        book[share[0]][share[1]].number_format = "0%"

    run_import(started, edit(export(started), type_in))
    value = DataValue.objects.unrestricted().get(
        element__code="DATA_MODEL_ALIGNED_SHARE", assessment__member__iso3=MEMBER
    )
    assert value.value == 65
    before = stored(started)
    error = refused(started, set_cells(export(started), {count: datetime(2024, 1, 2)}))
    message = "holds a date or a time (2024-01-02T00:00:00); type a plain value."
    assert field_messages(error) == {f"Sheet {count[0]}, cell {count[1]}": message}
    assert stored(started) == before


# --------------------------------------------------------------------------------------------
# Versions


def _change_on_the_platform(cycle, element: str, value) -> None:
    """A colleague saves a value through the form after the workbook was downloaded."""
    assessment = assessment_access(SYSTEM, cycle, MEMBER)
    values_save(
        actor=SYSTEM,
        assessment=assessment,
        version=assessment.version,
        items=[ValueInput(element, "T", value)],
        path="form",
    )


@pytest.mark.django_db
def test_a_cell_changed_in_the_workbook_and_on_the_platform_is_a_conflict(started):
    data = export(started)
    _change_on_the_platform(started, "DECL_TOTAL", 121000)
    before = stored(started)
    error = refused(started, set_cells(data, {where(started, "DECL_TOTAL"): 119000}))
    assert error.code == "conflict"
    assert f"version {before[0] - 1}, now {before[0]}" in error.message
    sheet, ref = where(started, "DECL_TOTAL")
    assert field_messages(error) == {
        f"Sheet {sheet}, cell {ref}": "changed on the platform after the download (it is now 121000)."
    }
    assert stored(started) == before


@pytest.mark.django_db
def test_a_stale_workbook_saves_other_cells_and_keeps_newer_values(started):
    data = export(started)
    _change_on_the_platform(started, "DECL_TOTAL", 121000)
    report = run_import(started, set_cells(data, {where(started, "DECL_ELECTRONIC"): 95000}))
    values = dict(
        DataValue.objects.unrestricted()
        .filter(assessment__member__iso3=MEMBER, period="T")
        .values_list("element__code", "value")
    )
    assert values["DECL_TOTAL"] == 121000  # the newer value is not overwritten by the old cell
    assert values["DECL_ELECTRONIC"] == 95000
    assert [c.subject for c in report.kept] == ["DECL_TOTAL@T"] and "was kept" in report.summary()


@pytest.mark.django_db
def test_a_stale_kpi_choice_is_a_conflict(started):
    data = export(started)
    kpi_update(
        actor=SYSTEM,
        assessment=assessment_access(SYSTEM, started, MEMBER),
        kpi_code="D1.O1.K1",
        disclosure="union",
    )
    before = stored(started)
    error = refused(started, set_cells(data, {kpi_where(started, "D1.O1.K1", L.KPI_DISCLOSURE): "Country"}))
    assert error.code == "conflict"
    assert stored(started) == before


# --------------------------------------------------------------------------------------------
# Bad workbooks: a clear message, and nothing saved


@pytest.mark.django_db
def test_a_workbook_of_another_member_is_refused(started):
    data = set_cells(export(started, iso3="UGA"), {where(started, "DECL_TOTAL"): 1})
    before = stored(started)
    error = refused(started, data)
    assert field_messages(error) == {"Sheet _meta, cell B3": "this workbook is for member UGA, not KEN."}
    assert stored(started) == before


@pytest.mark.django_db
def test_a_workbook_of_another_cycle_is_refused(started):
    today = timezone.localdate()
    other = cycle_create(
        actor=SYSTEM,
        framework_code="pmm-v1",
        reporting_year=2022,
        opens_on=today - timedelta(days=5),
        closes_on=today + timedelta(days=5),
    )
    data = set_cells(export(other), {where(started, "DECL_TOTAL"): 1})
    before = stored(started)
    error = refused(started, data)
    assert field_messages(error) == {
        "Sheet _meta, cell B2": f"this workbook is for cycle {other.pk}, not cycle {started.pk}."
    }
    assert stored(started) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cell,value,expected",
    [
        (
            "B1",
            "pmm-workbook/0",
            f"this workbook was made with template version pmm-workbook/0; the platform now uses "
            f"{TEMPLATE_VERSION}. Download a new workbook.",
        ),
        ("B6", "0" * 64, "this workbook was made for another version of the framework than pmm-v1"),
    ],
)
def test_a_workbook_of_another_template_or_framework_version_is_refused(started, cell, value, expected):
    data = set_cells(export(started), {("_meta", cell): value, where(started, "DECL_TOTAL"): 1})
    before = stored(started)
    error = refused(started, data)
    assert field_messages(error)[f"Sheet _meta, cell {cell}"].startswith(expected)
    assert stored(started) == before


@pytest.mark.django_db
def test_a_renamed_sheet_is_refused(started):
    def rename(book: openpyxl.Workbook) -> None:
        book["D2"].title = "Revenue"

    data = edit(set_cells(export(started), {where(started, "DECL_TOTAL"): 1}), rename)
    before = stored(started)
    error = refused(started, data)
    assert field_messages(error) == {
        "Sheet D2": "is missing: sheets must not be renamed or deleted. "
        "This workbook has sheets the template does not know: Revenue."
    }
    assert stored(started) == before


@pytest.mark.django_db
@pytest.mark.parametrize("sheet", ["D3", "KPIs", "_meta"])
def test_a_missing_sheet_is_refused(started, sheet):
    def remove(book: openpyxl.Workbook) -> None:
        del book[sheet]

    data = edit(set_cells(export(started), {where(started, "DECL_TOTAL"): 1}), remove)
    before = stored(started)
    error = refused(started, data)
    assert field_messages(error)[f"Sheet {sheet}"].startswith("is missing")
    assert stored(started) == before


@pytest.mark.django_db
def test_a_formula_where_a_value_belongs_is_refused(started):
    sheet, ref = where(started, "DECL_ELECTRONIC")
    data = set_cells(export(started), {(sheet, ref): "=D6*0.75", where(started, "DECL_TOTAL"): 1})
    before = stored(started)
    error = refused(started, data)
    assert field_messages(error) == {
        f"Sheet {sheet}, cell {ref}": "holds a formula (=D6*0.75); type the value itself."
    }
    assert error.message == "The workbook has 1 problem; nothing was saved."
    assert stored(started) == before


@pytest.mark.django_db
def test_text_in_a_numeric_cell_is_refused(started):
    sheet, ref = where(started, "DECL_TOTAL")
    data = set_cells(export(started), {(sheet, ref): "about 120 000", where(started, "DECL_ELECTRONIC"): 1})
    before = stored(started)
    error = refused(started, data)
    assert field_messages(error) == {
        f"Sheet {sheet}, cell {ref}": f"“about 120 000” is text; {TOTAL_LABEL} (year T) needs a number."
    }
    assert stored(started) == before


@pytest.mark.django_db
def test_merged_cells_are_refused(started):
    sheet, ref = where(started, "DECL_TOTAL")
    row = ref[1:]

    def merge(book: openpyxl.Workbook) -> None:
        book[sheet].merge_cells(f"D{row}:E{row}")

    data = edit(set_cells(export(started), {where(started, "DECL_ELECTRONIC"): 1}), merge)
    before = stored(started)
    error = refused(started, data)
    assert field_messages(error) == {
        f"Sheet {sheet}, cells D{row}:E{row}": "are merged; unmerge them (merged cells lose all values but "
        "the first)."
    }
    assert stored(started) == before


@pytest.mark.django_db
def test_an_unknown_element_code_is_refused(started):
    sheet, ref = where(started, "DECL_TOTAL")
    data = set_cells(export(started), {(sheet, f"A{ref[1:]}"): "DECL_TOTALS"})
    before = stored(started)
    error = refused(started, data)
    assert field_messages(error) == {
        f"Sheet {sheet}, cell A{ref[1:]}": "unknown data element code DECL_TOTALS.",
        f"Sheet {sheet}": "the row of data element DECL_TOTAL is missing.",
    }
    assert stored(started) == before


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused(started, settings):
    data = set_cells(export(started), {where(started, "DECL_TOTAL"): 1})
    settings.PMM_WORKBOOK_MAX_BYTES = len(data) - 1
    before = stored(started)
    error = refused(started, data)
    assert error.problems[0].field == "file"
    assert error.problems[0].message.startswith("ken.xlsx is larger than the limit of")
    assert stored(started) == before


def _zip(entries: dict[str, bytes]) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "entries,expected",
    [
        (  # one highly compressible part
            {"xl/worksheets/sheet1.xml": b"<" + b"0" * 8 * 1024 * 1024},
            "has a part (xl/worksheets/sheet1.xml) compressed more than 100 times; it looks like a zip bomb.",
        ),
        (  # many parts, each too small for the ratio check, unpacking to more than 50 MB
            {f"xl/media/image{i}.bin": bytes(250 * 1024) for i in range(210)},
            "would unpack to",
        ),
    ],
    ids=["ratio", "total"],
)
def test_a_zip_bomb_disguised_as_xlsx_is_refused(started, settings, entries, expected):
    settings.PMM_WORKBOOK_MAX_BYTES = 100 * 1024 * 1024
    data = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>", **entries})
    before = stored(started)
    error = refused(started, data, filename="bomb.xlsx")
    assert error.problems[0].field == "file" and expected in error.problems[0].message
    assert stored(started) == before


@pytest.mark.django_db
def test_a_macro_enabled_workbook_is_refused(started):
    data = set_cells(export(started), {where(started, "DECL_TOTAL"): 1})
    with zipfile.ZipFile(BytesIO(data)) as source:
        entries = {info.filename: source.read(info) for info in source.infolist()}
    entries["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0 macro"
    before = stored(started)
    error = refused(started, _zip(entries))
    assert field_messages(error) == {
        "file": "ken.xlsx contains macros; macro-enabled workbooks are refused. Save it as .xlsx."
    }
    error = refused(started, data, filename="ken.xlsm")
    assert "macro-enabled" in error.problems[0].message
    assert stored(started) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data,expected",
    [
        (b"DECL_TOTAL;120000\n", "ken.xlsx is not an Excel workbook (.xlsx)."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "ken.xlsx is an old Excel 97-2003 (.xls) file"),
        (_zip({"readme.txt": b"hello"}), "ken.xlsx is a zip file but not an Excel workbook (.xlsx)."),
        (
            _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"not xml"}),
            "ken.xlsx could not be read as an Excel workbook",
        ),
    ],
    ids=["text", "xls", "zip", "damaged"],
)
def test_a_file_that_is_not_an_xlsx_is_refused(started, data, expected):
    before = stored(started)
    error = refused(started, data)
    assert error.problems[0].field == "file" and error.problems[0].message.startswith(expected)
    assert stored(started) == before


@pytest.mark.django_db
def test_someone_who_may_not_edit_is_refused_before_the_file_is_read(started, make_user):
    from pmm.core.errors import PermissionDenied

    analyst = make_user("secretariat_analyst")
    with pytest.raises(PermissionDenied):
        workbook_import(
            actor=analyst,
            assessment=assessment_access(analyst, started, MEMBER),
            data=export(started),
            filename="ken.xlsx",
        )


# --------------------------------------------------------------------------------------------
# LibreOffice


def _soffice() -> str | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None and os.environ.get("CI"):
        pytest.fail("LibreOffice (soffice) is required in CI: .ci/run installs libreoffice-calc-nogui")
    if found is None:
        pytest.skip("LibreOffice (soffice) is not installed; apt-get install libreoffice-calc-nogui")
    return found


def _libreoffice_resave(soffice: str, source: Path, tmp_path: Path) -> bytes:
    outdir = tmp_path / "out"
    outdir.mkdir()
    profile = (tmp_path / "lo-profile").as_uri()
    completed = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(outdir),
            str(source),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    converted = outdir / source.name
    assert completed.returncode == 0 and converted.exists(), completed.stderr.decode(errors="replace")
    return converted.read_bytes()


@pytest.mark.django_db
def test_a_workbook_saved_by_libreoffice_imports_cleanly(started, tmp_path):
    soffice = _soffice()
    source = tmp_path / "in" / "ken.xlsx"
    source.parent.mkdir()
    source.write_bytes(
        set_cells(
            export(started),
            {
                where(started, "DECL_TOTAL"): 131000,
                where(started, "PAYMENTS_TOTAL_VALUE"): 98765.25,
                where(started, "DATA_MODEL_ALIGNMENT"): "Fully aligned",
                where(started, "INTEGRITY_STRATEGY"): "no",
                where(started, "RFI_COUNT", "T", L.STATE): "not available",
                where(started, "RFI_COUNT", "T", L.TEXT): "not counted",
            },
        )
    )
    resaved = _libreoffice_resave(soffice, source, tmp_path)
    assert resaved != source.read_bytes()
    report = run_import(started, resaved, filename="ken.xlsx")
    assert {c.subject for c in report.values} == {
        "DECL_TOTAL@T",
        "PAYMENTS_TOTAL_VALUE@T",
        "DATA_MODEL_ALIGNMENT@T",
        "INTEGRITY_STRATEGY@T",
        "RFI_COUNT@T",
    }
    values = dict(
        DataValue.objects.unrestricted()
        .filter(assessment__member__iso3=MEMBER, period="T")
        .values_list("element__code", "value")
    )
    assert values["DECL_TOTAL"] == 131000 and values["PAYMENTS_TOTAL_VALUE"] == 98765.25
    assert values["DATA_MODEL_ALIGNMENT"] == "full" and values["INTEGRITY_STRATEGY"] is False
    before = stored(started)
    assert run_import(started, resaved).changed == 0  # and once saved, it is unchanged
    assert stored(started) == before


# --------------------------------------------------------------------------------------------
# API


def _url(cycle: Any, iso3: str = MEMBER) -> str:
    return f"/api/v1/cycles/{cycle.pk}/assessments/{iso3}"


def _upload(client: Any, cycle: Any, data: bytes, headers: dict[str, str], iso3: str = MEMBER) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("ken.xlsx", data, content_type=L.CONTENT_TYPE)
    return client.post(f"{_url(cycle, iso3)}/workbook", {"file": upload}, headers=headers)


@pytest.mark.django_db
def test_api_download_edit_and_upload(client, started, make_user, bearer):
    headers = bearer(make_user("ncp", MEMBER))
    response = client.get(f"{_url(started)}/workbook.xlsx", headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"] == L.CONTENT_TYPE
    assert response["Content-Disposition"] == f'attachment; filename="pmm-ken-2024-cycle{started.pk}.xlsx"'
    data = set_cells(response.content, {where(started, "DECL_TOTAL"): 140000})
    answer = _upload(client, started, data, headers)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    sheet, ref = where(started, "DECL_TOTAL")
    assert body["changed"] == 1
    assert body["values"] == [{"cell": f"Sheet {sheet}, cell {ref}", "subject": "DECL_TOTAL@T"}]
    assert body["version"] == Assessment.objects.get(cycle=started, member__iso3=MEMBER).version
    assert _upload(client, started, data, headers).json()["changed"] == 0


@pytest.mark.django_db
def test_api_download_in_french_and_unknown_languages(client, started, make_user, bearer):
    headers = bearer(make_user("contributor", MEMBER))
    french = client.get(f"{_url(started)}/workbook.xlsx?lang=fr", headers=headers)
    book = openpyxl.load_workbook(BytesIO(french.content))
    assert book["D1"]["A1"].value.startswith("D1 · Facilitation")
    unknown = client.get(f"{_url(started)}/workbook.xlsx?lang=xx", headers=headers)
    assert unknown.status_code == 422 and unknown.json()["error"]["fields"][0]["field"] == "lang"


@pytest.mark.django_db
def test_api_another_members_ncp_gets_404_and_anonymous_401(client, started, make_user, bearer):
    data = set_cells(export(started), {where(started, "DECL_TOTAL"): 1})
    before = stored(started)
    other = bearer(make_user("ncp", "UGA"))
    assert client.get(f"{_url(started)}/workbook.xlsx", headers=other).status_code == 404
    assert _upload(client, started, data, other).status_code == 404
    assert client.get(f"{_url(started)}/workbook.xlsx").status_code == 401
    assert _upload(client, started, data, {}).status_code == 401
    assert stored(started) == before


@pytest.mark.django_db
def test_api_a_contributor_may_import(client, started, make_user, bearer):
    headers = bearer(make_user("contributor", MEMBER))
    data = set_cells(export(started), {where(started, "DECL_ELECTRONIC"): 91000})
    assert _upload(client, started, data, headers).json()["changed"] == 1


@pytest.mark.django_db
def test_api_problems_answer_422_with_sheet_and_cell_fields(client, started, make_user, bearer):
    headers = bearer(make_user("ncp", MEMBER))
    sheet, ref = where(started, "DECL_TOTAL")
    data = set_cells(export(started), {(sheet, ref): "=1+1"})
    before = stored(started)
    answer = _upload(client, started, data, headers)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid_values"
    assert error["fields"] == [
        {"field": f"Sheet {sheet}, cell {ref}", "message": "holds a formula (=1+1); type the value itself."}
    ]
    assert _upload(client, started, b"plain text", headers).json()["error"]["fields"][0]["field"] == "file"
    assert stored(started) == before


@pytest.mark.django_db
def test_api_a_conflicting_workbook_answers_409(client, started, make_user, bearer):
    headers = bearer(make_user("ncp", MEMBER))
    data = set_cells(export(started), {where(started, "DECL_TOTAL"): 1})
    version = Assessment.objects.get(cycle=started, member__iso3=MEMBER).version
    put = client.put(
        f"{_url(started)}/values",
        {"version": version, "values": [{"element": "DECL_TOTAL", "period": "T", "value": 2}]},
        content_type="application/json",
        headers=headers,
    )
    assert put.status_code == 200
    before = stored(started)
    answer = _upload(client, started, data, headers)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "conflict"
    assert stored(started) == before
