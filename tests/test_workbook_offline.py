"""The workbook can be finished offline and printed: every warning has a cell for its explanation
(read back on import through the same service as the web form), every sheet prints landscape, one
page wide, with its column headers on every page, and numbers are formatted by their type."""

from __future__ import annotations

import re
import subprocess
from io import BytesIO
from typing import Any

import openpyxl
import pytest

from conftest import set_cells
from pmm.assessments.messages import issue_text
from pmm.assessments.models import Change, WarningJustification
from pmm.assessments.selectors import assessment_access, assessment_state
from pmm.assessments.services import ValueInput, justification_save, values_save
from pmm.assessments.validation import warning_keys
from pmm.assessments.workbook import importer
from pmm.assessments.workbook import layout as L
from pmm.assessments.workbook.printing import print_setup
from pmm.audit.models import AuditEvent
from pmm.core.actors import SYSTEM
from pmm.cycles.selectors import cycle_spec
from test_workbook import MEMBER, _soffice, export, field_messages, refused, run_import, stored, where

JUMPING = "REVENUE_CUSTOMS_TOTAL"  # an amount collected for T and T-1: a change beyond 50% is a warning
JUMP = f"jump:{JUMPING}"
RULE = "rule:CUSTOMS_REVENUE_LE_TAX_REVENUE"  # REVENUE_CUSTOMS_TOTAL <= REVENUE_TAX_GENERAL_GOV


def _save(cycle: Any, *items: ValueInput) -> None:
    assessment = assessment_access(SYSTEM, cycle, MEMBER)
    values_save(
        actor=SYSTEM, assessment=assessment, version=assessment.version, items=list(items), path="api"
    )


def explanation_cell(cycle: Any, key: str) -> tuple[str, str]:
    return L.WARNINGS, f"{L.WARNING_JUSTIFICATION}{L.layout_of(cycle_spec(cycle)).warning_row(key)}"


def explanations(cycle: Any) -> dict[str, str]:
    return dict(
        WarningJustification.objects.unrestricted()
        .filter(assessment__cycle=cycle, assessment__member__iso3=MEMBER)
        .values_list("issue_key", "text")
    )


@pytest.fixture
def filled(open_cycle):
    """KEN's assessment with a few values."""
    _save(open_cycle, ValueInput("DECL_TOTAL", "T", 120000), ValueInput("DECL_ELECTRONIC", "T", 90000))
    return open_cycle


@pytest.fixture
def jumped(open_cycle):
    """KEN's Customs revenue tripled from T-1 to T: a warning to explain."""
    _save(open_cycle, ValueInput(JUMPING, "T-1", 1000), ValueInput(JUMPING, "T", 3000))
    return open_cycle


# --------------------------------------------------------------------------------------------
# The Warnings sheet


@pytest.mark.django_db
def test_the_warnings_sheet_lists_every_warning_with_the_raised_ones_and_their_explanations(jumped):
    assessment = assessment_access(SYSTEM, jumped, MEMBER)
    justification_save(actor=SYSTEM, assessment=assessment, issue_key=JUMP, text="a new excise on fuel")
    book = openpyxl.load_workbook(BytesIO(export(jumped)))
    ws = book[L.WARNINGS]
    keys = warning_keys(cycle_spec(jumped))
    assert RULE in keys and JUMP in keys
    codes = [ws[f"A{L.FIRST_ROW + i}"].value for i in range(len(keys))]
    assert codes == [key.partition(":")[2] for key in keys]
    row = L.layout_of(cycle_spec(jumped)).warning_row(JUMP)
    assert ws[f"B{row}"].value == "change from T-1 to T"
    assert (
        "more than 50%" in ws[f"C{row}"].value and "Total revenue collected by Customs" in ws[f"C{row}"].value
    )
    raised = next(i for i in assessment_state(assessment, SYSTEM).issues if i.key == JUMP)
    assert ws[f"D{row}"].value == issue_text(raised)
    assert ws[f"E{row}"].value == "a new excise on fuel"
    assert ws[f"E{row}"].protection.locked is False and ws[f"D{row}"].protection.locked is True
    rule_row = L.layout_of(cycle_spec(jumped)).warning_row(RULE)
    assert ws[f"B{rule_row}"].value == "consistency" and ws[f"D{rule_row}"].value is None
    assert ws[f"C{rule_row}"].value.startswith("Revenue collected by Customs exceeds")
    assert ws.protection.sheet


@pytest.mark.django_db
def test_an_explanation_typed_offline_is_saved_through_the_service_and_audited(jumped):
    before = Change.objects.unrestricted().count()
    data = set_cells(export(jumped), {explanation_cell(jumped, JUMP): "  a new excise on fuel  "})
    report = run_import(jumped, data)
    assert [(c.cell, c.subject) for c in report.explanations] == [
        (L.cell_name(*explanation_cell(jumped, JUMP)), f"issue:{JUMP}")
    ]
    assert report.values == [] and "1 explanation of a warning saved." in report.summary()
    assert explanations(jumped) == {JUMP: "a new excise on fuel"}
    change = Change.objects.unrestricted().exclude(pk__lte=before).get(subject=f"issue:{JUMP}")
    assert (change.path, change.new) == ("workbook", "a new excise on fuel")
    event = AuditEvent.objects.unrestricted().filter(verb="assessment.warning_explained").latest("pk")
    assert event.after[f"issue:{JUMP}"] == {"justification": "a new excise on fuel"}
    state = assessment_state(assessment_access(SYSTEM, jumped, MEMBER), SYSTEM)
    assert JUMP not in {i.key for i in state.blocking}
    assert run_import(jumped, data).changed == 0  # once saved, the same workbook changes nothing


@pytest.mark.django_db
def test_a_value_and_the_explanation_of_the_warning_it_raises_in_one_workbook(filled):
    data = set_cells(
        export(filled),
        {
            where(filled, JUMPING, "T-1"): 1000,
            where(filled, JUMPING, "T"): 3000,
            explanation_cell(filled, JUMP): "a new excise on fuel",
            explanation_cell(filled, RULE): "not raised: nothing to explain",
        },
    )
    report = run_import(filled, data)
    assert {c.subject for c in report.values} == {f"{JUMPING}@T", f"{JUMPING}@T-1"}
    assert [c.subject for c in report.explanations] == [f"issue:{JUMP}"]
    assert [c.subject for c in report.unneeded] == [f"issue:{RULE}"]
    assert "1 explanation was not saved: its warning does not arise" in report.summary()
    assert explanations(filled) == {JUMP: "a new excise on fuel"}


@pytest.mark.django_db
def test_a_too_long_explanation_is_refused_naming_the_cell_and_nothing_is_saved(jumped):
    """Excel and LibreOffice keep at most 32,767 characters in a cell; a file holding more was not
    made by them (openpyxl itself cuts what it is given, so the text is put in unchecked)."""
    before, explained = stored(jumped), explanations(jumped)
    sheet, ref = explanation_cell(jumped, JUMP)
    book = openpyxl.load_workbook(BytesIO(set_cells(export(jumped), {where(jumped, JUMPING, "T"): 2900})))
    book[sheet][ref]._value, book[sheet][ref].data_type = "x" * (L.MAX_CELL_TEXT + 1), "s"
    out = BytesIO()
    book.save(out)
    error = refused(jumped, out.getvalue())
    assert field_messages(error) == {
        f"Sheet Warnings, cell {ref}": "holds 32768 characters; a cell holds at most 32767."
    }
    assert stored(jumped) == before and explanations(jumped) == explained


@pytest.mark.django_db
def test_a_control_character_in_an_explanation_is_refused_naming_the_cell(jumped, monkeypatch):
    before = stored(jumped)
    sheet, ref = explanation_cell(jumped, JUMP)
    real_load = importer.load_workbook

    def load_with_a_control_character(*args: Any, **kwargs: Any) -> Any:
        book = real_load(*args, **kwargs)
        book[sheet][ref]._value = "a new\x02excise"  # no XML file holds it; openpyxl refuses it via .value
        return book

    monkeypatch.setattr(importer, "load_workbook", load_with_a_control_character)
    error = refused(jumped, export(jumped))
    assert field_messages(error) == {
        f"Sheet Warnings, cell {ref}": "contains a control character (U+0002) at position 6"
    }
    assert stored(jumped) == before and explanations(jumped) == {}


@pytest.mark.django_db
def test_an_explanation_changed_on_the_platform_and_in_the_workbook_is_a_conflict(jumped):
    data = set_cells(export(jumped), {explanation_cell(jumped, JUMP): "a new excise on fuel"})
    assessment = assessment_access(SYSTEM, jumped, MEMBER)
    justification_save(actor=SYSTEM, assessment=assessment, issue_key=JUMP, text="the tariff changed")
    before = stored(jumped)
    error = refused(jumped, data)
    assert error.code == "conflict"
    assert list(field_messages(error)) == [L.cell_name(*explanation_cell(jumped, JUMP))]
    assert stored(jumped) == before and explanations(jumped) == {JUMP: "the tariff changed"}


@pytest.mark.django_db
def test_an_explanation_left_as_downloaded_keeps_the_newer_one_from_the_platform(jumped):
    data = set_cells(export(jumped), {where(jumped, "DECL_TOTAL"): 5})
    assessment = assessment_access(SYSTEM, jumped, MEMBER)
    justification_save(actor=SYSTEM, assessment=assessment, issue_key=JUMP, text="the tariff changed")
    report = run_import(jumped, data)
    assert [c.subject for c in report.values] == ["DECL_TOTAL@T"]
    assert report.explanations == [] and report.unneeded == []
    assert explanations(jumped) == {JUMP: "the tariff changed"}


@pytest.mark.django_db
def test_a_workbook_without_the_warnings_sheet_still_imports(filled):
    book = openpyxl.load_workbook(BytesIO(export(filled)))
    book.security = None
    del book[L.WARNINGS]
    book[where(filled, "DECL_TOTAL")[0]][where(filled, "DECL_TOTAL")[1]] = 5
    out = BytesIO()
    book.save(out)
    assert [c.subject for c in run_import(filled, out.getvalue()).values] == ["DECL_TOTAL@T"]


@pytest.mark.django_db
def test_the_api_answers_which_explanations_were_saved(client, jumped, make_user, bearer):
    ncp = bearer(make_user("ncp", MEMBER))
    url = f"/api/v1/cycles/{jumped.pk}/assessments/{MEMBER}"
    data = set_cells(
        client.get(f"{url}/workbook.xlsx", headers=ncp).content,
        {explanation_cell(jumped, JUMP): "a new excise on fuel", explanation_cell(jumped, RULE): "why not"},
    )
    response = client.post(f"{url}/workbook", {"file": _upload(data)}, headers=ncp)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [c["subject"] for c in body["explanations"]] == [f"issue:{JUMP}"]
    assert [c["subject"] for c in body["unneeded"]] == [f"issue:{RULE}"]
    assert body["changed"] == 1


def _upload(data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("ken.xlsx", data)


# --------------------------------------------------------------------------------------------
# Printing and number formats


@pytest.mark.django_db
def test_every_visible_sheet_prints_landscape_one_page_wide_with_repeated_headers(filled):
    book = openpyxl.load_workbook(BytesIO(export(filled)))
    visible = [ws for ws in book.worksheets if ws.sheet_state == "visible"]
    assert [ws.title for ws in visible] == [
        "Instructions",
        *cycle_spec(filled).dimensions,
        "KPIs",
        "Warnings",
    ]
    for ws in visible:
        setup = ws.page_setup
        assert (setup.orientation, int(setup.paperSize), setup.fitToWidth, setup.fitToHeight) == (
            "landscape",
            int(ws.PAPERSIZE_A4),
            1,
            0,
        ), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert ws.page_margins.left < 0.75 and ws.page_margins.top >= ws.page_margins.header
        assert ws.oddHeader.left.text == "Kenya (KEN)"
        assert ws.oddHeader.center.text == str(filled) and ws.oddHeader.right.text == "&A"
        assert ws.oddFooter.right.text == "Page &P of &N"
        expected_titles = None if ws.title == "Instructions" else f"${L.HEADER_ROW}:${L.HEADER_ROW}"
        assert ws.print_title_rows == expected_titles, ws.title


@pytest.mark.django_db
def test_a_french_workbook_has_french_warnings_and_page_numbers(jumped):
    french = openpyxl.load_workbook(BytesIO(export(jumped, language="fr")))
    row = L.layout_of(cycle_spec(jumped)).warning_row(JUMP)
    assert french[L.WARNINGS][f"B{row}"].value == "variation de T-1 à T"
    assert french[L.WARNINGS][f"{L.WARNING_JUSTIFICATION}{L.HEADER_ROW}"].value == "Explication"
    assert french["D1"].oddFooter.right.text == "Page &P sur &N"


@pytest.mark.django_db
def test_rows_of_wrapped_text_are_high_enough_for_their_lines(filled):
    book = openpyxl.load_workbook(BytesIO(export(filled)))
    instructions = book["Instructions"]
    long_rows = [c.row for c in instructions["A"] if isinstance(c.value, str) and len(c.value) > 150]
    assert long_rows
    for row in long_rows:
        text = instructions[f"A{row}"].value
        assert instructions.row_dimensions[row].height >= 15 * (len(text) // 140), row
    warnings = book[L.WARNINGS]
    rule_row = L.layout_of(cycle_spec(filled)).warning_row(RULE)
    assert warnings.row_dimensions[rule_row].height >= 30  # its message takes two lines of column C
    sheet, ref = where(filled, "DECL_TOTAL")  # its name fits on one line: the row keeps growing as typed
    assert book[sheet].row_dimensions[int(ref[1:])].height is None


@pytest.mark.django_db
def test_value_cells_are_formatted_by_the_element_type(filled):
    book = openpyxl.load_workbook(BytesIO(export(filled)))
    spec = cycle_spec(filled)
    expected = {
        "count": "#,##0",
        "amount": "#,##0.00",
        "hours": "#,##0.0#",
        "days": "#,##0.0#",
        "year": "0",
        "percent": "General",
    }
    seen: set[str] = set()
    for code in L.layout_of(spec).home:
        element = spec.elements[code]
        if element.value_type not in expected:
            continue
        for period in element.periods:
            sheet, ref = where(filled, code, period)
            assert book[sheet][ref].number_format == expected[element.value_type], (code, period)
        seen.add(element.value_type)
    assert seen == set(expected)


@pytest.mark.django_db
def test_a_percentage_typed_with_a_percent_sign_and_a_literal_percent_format(filled):
    """A cell formatted as a percentage (typed "65%": it holds 0.65) reads as 65; a % in quotes is
    only text of the format, and the number stays as typed."""
    spec = cycle_spec(filled)
    code = next(c for c in L.layout_of(spec).home if spec.elements[c].value_type == "percent")
    sheet, ref = where(filled, code)
    for typed, number_format, stored_value in [(0.65, "0%", 65), (40, '0" %"', 40)]:
        book = openpyxl.load_workbook(BytesIO(export(filled)))
        book[sheet][ref] = typed
        book[sheet][ref].number_format = number_format
        out = BytesIO()
        book.save(out)
        run_import(filled, out.getvalue())
        assert _value(filled, code) == stored_value


def _value(cycle: Any, code: str) -> Any:
    state = assessment_state(assessment_access(SYSTEM, cycle, MEMBER), SYSTEM)
    return state.values[(code, "T")].value


# --------------------------------------------------------------------------------------------
# LibreOffice prints it on a few pages


def _page_objects(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def _pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF: with pypdf if installed, else by counting its page objects."""
    try:
        from pypdf import PdfReader  # type: ignore[import-not-found]
    except ImportError:
        return _page_objects(pdf)
    return len(PdfReader(BytesIO(pdf)).pages)


MAX_PAGES = 12  # measured: 8 pages (36 before the print settings); a little room for longer texts


@pytest.mark.django_db
def test_libreoffice_prints_the_workbook_on_a_few_landscape_pages(filled, tmp_path):
    soffice = _soffice()
    source = tmp_path / "ken.xlsx"
    source.write_bytes(export(filled))
    outdir = tmp_path / "out"
    completed = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(source),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )
    pdf = outdir / "ken.pdf"
    assert completed.returncode == 0 and pdf.exists(), completed.stderr.decode(errors="replace")
    data = pdf.read_bytes()
    pages = _pdf_pages(data)
    assert 6 <= pages <= MAX_PAGES, pages  # at least the instructions, the four dimensions and the KPIs
    boxes = {
        (float(w), float(h)) for w, h in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    }
    assert boxes and all(width > height for width, height in boxes)  # landscape


def test_page_objects_are_counted_without_the_page_tree() -> None:
    pdf = b"<< /Type /Pages /Kids [3 0 R 4 0 R] >> << /Type /Page >> <</Type/Page/Parent 2 0 R>>"
    assert _page_objects(pdf) == 2


def test_an_ampersand_in_a_name_prints_as_itself() -> None:
    ws = openpyxl.Workbook().active
    assert ws is not None
    print_setup(ws, member="Trinidad & Tobago (TTO)", cycle="Cycle 3 & more", title_rows="4:4")
    assert ws.oddHeader.left.text == "Trinidad && Tobago (TTO)"  # "&" alone would start a code
    assert ws.oddHeader.center.text == "Cycle 3 && more"
