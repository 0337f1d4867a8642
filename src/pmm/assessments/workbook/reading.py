"""Read an uploaded workbook (already loaded by openpyxl) into plain data, naming every problem
by sheet and cell. Nothing here touches the database.

Text cells are read back through `pmm.core.spreadsheet.unguard_text`: the apostrophe the export put
in front of text that would run as a formula is taken off, so "=1+1" typed as a comment comes back
as "=1+1". A formula is told by the cell's type (openpyxl's data_type "f"), not by its first
character: text that Excel or LibreOffice keeps as text (typed with a leading apostrophe) is text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.worksheet.worksheet import Worksheet

from pmm.assessments.models import Assessment, Disclosure
from pmm.assessments.validation import coerce
from pmm.assessments.workbook import layout as L
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.core.spreadsheet import unguard_text, whole_number
from pmm.core.text import text_problem
from pmm.framework.names import named_element
from pmm.framework.spec import ElementSpec, FrameworkSpec


@dataclass
class SlotCells:
    """One (element, period) as the workbook has it."""

    element: str
    period: str
    sheet: str
    row: int
    raw: Any = None  # what goes to values_save as the value
    state: str = L.REPORTED
    text: str = ""
    parsed: L.Slot | None = None  # comparable form; None when the value is not valid (values_save says why)
    ok: bool = True  # False: a problem in its cells was already reported

    def cell(self, kind: str = "value") -> str:
        """The cell of the value, or of the `state`, `reason`/`comment` or `element` (code) column."""
        columns = {
            "state": L.STATE[self.period],
            "reason": L.TEXT[self.period],
            "comment": L.TEXT[self.period],
            "element": L.CODE,
        }
        return L.cell_name(self.sheet, f"{columns.get(kind, L.VALUE[self.period])}{self.row}")

    @property
    def subject(self) -> str:
        return f"{self.element}@{self.period}"


@dataclass
class KpiCells:
    code: str
    row: int
    choice: L.KpiChoice = (True, "", "")
    ok: bool = True

    def cell(self, field_name: str = "applicable") -> str:
        column = {"justification": L.KPI_JUSTIFICATION, "disclosure": L.KPI_DISCLOSURE}.get(
            field_name, L.KPI_APPLICABLE
        )
        return L.cell_name(L.KPIS, f"{column}{self.row}")


@dataclass
class WarningCells:
    """A warning's explanation as the Warnings sheet has it."""

    key: str  # the issue key, e.g. "rule:CODE" or "jump:ELEMENT"
    row: int
    text: str = ""
    ok: bool = True

    def cell(self) -> str:
        return L.cell_name(L.WARNINGS, f"{L.WARNING_JUSTIFICATION}{self.row}")


@dataclass
class Meta:
    version: int
    snapshot: dict[str, tuple[Any, ...]]


@dataclass
class Reading:
    slots: dict[tuple[str, str], SlotCells] = field(default_factory=dict)
    kpis: dict[str, KpiCells] = field(default_factory=dict)
    warnings: dict[str, WarningCells] = field(default_factory=dict)
    problems: list[FieldProblem] = field(default_factory=list)

    def problem(self, where: str, message: str) -> None:
        self.problems.append(FieldProblem(where, message))


# --------------------------------------------------------------------------------------------
# Identity and structure: refused at once, nothing else is worth reading


def read_meta(book: Workbook, assessment: Assessment) -> Meta:
    """Check that the workbook was made for this member, cycle, framework and template version."""
    if L.META not in book.sheetnames:
        raise ApplicationError(
            _("This file is not a workbook downloaded from the platform; nothing was saved."),
            code="invalid_values",
            problems=[FieldProblem(L.sheet_name(L.META), _("is missing: download the workbook again."))],
        )
    ws = book[L.META]
    values: dict[str, Any] = {}
    cells: dict[str, str] = {}
    for key_cell, value_cell in ws.iter_rows(min_col=1, max_col=2):
        if isinstance(key_cell.value, str):
            values[key_cell.value] = _unguarded(value_cell)
            cells[key_cell.value] = L.cell_name(L.META, value_cell.coordinate)
    problems = [
        FieldProblem(L.sheet_name(L.META), _("the entry %(key)s is missing.") % {"key": key})
        for key in L.META_KEYS
        if key not in values
    ]
    framework = assessment.cycle.framework
    expected: list[tuple[str, Any, Any, str]] = [
        (
            "template_version",
            values.get("template_version"),
            L.TEMPLATE_VERSION,
            _(
                "this workbook was made with template version %(found)s; the platform now uses %(expected)s. "
                "Download a new workbook."
            ),
        ),
        (
            "member",
            str(values.get("member") or "").strip().upper(),
            assessment.member.iso3,
            _("this workbook is for member %(found)s, not %(expected)s."),
        ),
        (
            "cycle",
            whole_number(values.get("cycle")),
            assessment.cycle_id,
            _("this workbook is for cycle %(found)s, not cycle %(expected)s."),
        ),
        (
            "framework_fingerprint",
            values.get("framework_fingerprint"),
            framework.fingerprint,
            _(
                "this workbook was made for another version of the framework than %(framework)s; "
                "download a new workbook."
            ),
        ),
    ]
    for key, found, wanted, message in expected:
        if key in values and found != wanted:
            problems.append(
                FieldProblem(
                    cells[key],
                    message
                    % {
                        "found": found,
                        "expected": wanted,
                        "framework": f"{framework.code} {framework.version}",
                    },
                )
            )
    version = whole_number(values.get("assessment_version"))
    if "assessment_version" in values and (version is None or version < 0):
        problems.append(FieldProblem(cells["assessment_version"], _("is not a version number.")))
    if problems:
        raise ApplicationError(
            _("This workbook does not belong to this assessment; nothing was saved."),
            code="invalid_values",
            problems=problems,
        )
    snapshot = {
        key: loaded
        for key, value in values.items()
        if key.startswith(L.SNAPSHOT_PREFIXES) and (loaded := L.snapshot_load(value)) is not None
    }
    return Meta(version or 0, snapshot)


def check_sheets(book: Workbook, spec: FrameworkSpec) -> None:
    required = [*spec.dimensions, L.KPIS]
    missing = [name for name in required if name not in book.sheetnames]
    if not missing:
        return
    known = {*required, L.INSTRUCTIONS, L.WARNINGS, L.META, L.LISTS}
    unknown = [n for n in book.sheetnames if n not in known]
    found = _(" This workbook has sheets the template does not know: %(names)s.") % {
        "names": ", ".join(unknown)
    }
    message = _("is missing: sheets must not be renamed or deleted.") + (found if unknown else "")
    raise ApplicationError(
        _("Some sheets of the workbook are missing; nothing was saved."),
        code="invalid_values",
        problems=[FieldProblem(L.sheet_name(name), message) for name in missing],
    )


# --------------------------------------------------------------------------------------------
# Cells


def _unguarded(cell: Cell | MergedCell) -> Any:
    """The cell's value; text without the formula guard the export put in front of it."""
    value = cell.value
    if isinstance(value, str) and cell.data_type != "f":
        return unguard_text(value)
    return value


def _value(cell: Cell | MergedCell, reading: Reading, sheet: str) -> tuple[Any, bool]:
    """A cell's content (text stripped, empty text as None) and whether it may be used."""
    value = _unguarded(cell)
    where = L.cell_name(sheet, cell.coordinate)
    if isinstance(value, ArrayFormula | DataTableFormula) or (cell.data_type == "f" and value is not None):
        shown = value.text if isinstance(value, ArrayFormula) else str(value)
        reading.problem(
            where,
            _("holds a formula (%(formula)s); type the value itself.") % {"formula": (shown or "")[:60]},
        )
        return None, False
    if cell.data_type == "e":
        reading.problem(
            where, _("holds an error value (%(error)s); type the value itself.") % {"error": value}
        )
        return None, False
    if isinstance(value, str):
        if (bad := text_problem(value)) is not None:
            reading.problem(where, bad)
            return None, False
        if len(value) > L.MAX_CELL_TEXT:
            reading.problem(
                where,
                _("holds %(length)s characters; a cell holds at most %(max)s.")
                % {"length": len(value), "max": L.MAX_CELL_TEXT},
            )
            return None, False
        value = value.strip() or None
    return value, True


def _percent_format(cell: Cell | MergedCell) -> bool:
    """Whether the cell's number format shows a fraction as a percentage ("0%": the cell holds 0.65
    for 65%). A % in quotes or after a backslash is mere text, as in the export's `0.0#" %"`."""
    code = re.sub(r'"[^"]*"|\\.', "", str(cell.number_format or ""))
    return "%" in code


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _merged(ws: Worksheet, sheet: str, columns: str, reading: Reading) -> set[int]:
    """Report merged cells that touch input columns below the header; return the rows concerned."""
    first, last = ord(columns[0]) - 64, ord(columns[-1]) - 64
    rows: set[int] = set()
    for merged in ws.merged_cells.ranges:
        if merged.max_row < L.FIRST_ROW or merged.max_col < first or merged.min_col > last:
            continue
        reading.problem(
            str(_("Sheet %(sheet)s, cells %(cells)s") % {"sheet": sheet, "cells": merged.coord}),
            _("are merged; unmerge them (merged cells lose all values but the first)."),
        )
        rows.update(range(merged.min_row, merged.max_row + 1))
    return rows


def read_dimension(
    ws: Worksheet, sheet: str, spec: FrameworkSpec, layout: L.Layout, reading: Reading
) -> None:
    """Read the input rows of one dimension sheet into `reading`."""
    bad_rows = _merged(ws, sheet, L.INPUT_COLUMNS, reading)
    found: dict[str, int] = {}
    for row in range(L.FIRST_ROW, ws.max_row + 1):
        code_cell = ws[f"{L.CODE}{row}"]
        code = _text(code_cell.value)
        if not code or code in spec.outcomes:
            continue
        home = layout.home.get(code)
        if home is None:
            reading.problem(
                L.cell_name(sheet, code_cell.coordinate),
                _("unknown data element code %(code)s.") % {"code": code},
            )
            continue
        if home[0] != sheet:
            continue  # a reference row: the value is entered on its home sheet
        if code in found:
            reading.problem(
                L.cell_name(sheet, code_cell.coordinate),
                _("%(code)s is also on row %(row)s; each data element has one row.")
                % {"code": code, "row": found[code]},
            )
            continue
        found[code] = row
        element = spec.elements[code]
        for period in L.PERIODS:
            slot = _read_slot(ws, sheet, element, period, row, reading)
            if slot is not None:
                slot.ok = slot.ok and row not in bad_rows
                reading.slots[(code, period)] = slot
    for code, (home_sheet, _row) in layout.home.items():
        if home_sheet == sheet and code not in found:
            reading.problem(
                L.sheet_name(sheet), _("the row of data element %(code)s is missing.") % {"code": code}
            )


def _read_slot(
    ws: Worksheet, sheet: str, element: ElementSpec, period: str, row: int, reading: Reading
) -> SlotCells | None:
    value_cell, state_cell, text_cell = (ws[f"{c[period]}{row}"] for c in (L.VALUE, L.STATE, L.TEXT))
    raw, raw_ok = _value(value_cell, reading, sheet)
    state_raw, state_ok = _value(state_cell, reading, sheet)
    text_raw, text_ok = _value(text_cell, reading, sheet)
    if period not in element.periods:
        if raw is not None:
            reading.problem(
                L.cell_name(sheet, value_cell.coordinate),
                _("%(element)s is not collected for %(period)s; leave this cell empty.")
                % {"element": element.code, "period": period},
            )
        return None
    slot = SlotCells(
        element.code, period, sheet, row, text=_text(text_raw), ok=raw_ok and state_ok and text_ok
    )
    if state_raw is not None:
        state = L.read_label("state", state_raw)
        if state is None:
            slot.ok = False
            reading.problem(
                slot.cell("state"),
                _("“%(text)s” is not a state: choose %(reported)s or %(not_available)s.")
                % {
                    "text": state_raw,
                    "reported": L.STATE_LABELS[L.REPORTED],
                    "not_available": L.STATE_LABELS[L.NOT_AVAILABLE],
                },
            )
        else:
            slot.state = state
    if element.value_type == "yes_no" and (answer := L.read_label("yes_no", raw)) is not None:
        raw = answer
    if isinstance(raw, datetime | date | time):
        if element.value_type != "text" and slot.ok:
            slot.ok = False
            reading.problem(
                slot.cell(),
                _("holds a date or a time (%(value)s); type a plain value.") % {"value": raw.isoformat()},
            )
        raw = raw.isoformat()
    if element.value_type == "percent" and isinstance(raw, int | float) and _percent_format(value_cell):
        raw = round(raw * 100, 10)  # typed as "65%": the spreadsheet keeps 0.65
    slot.raw = raw
    if slot.state == L.NOT_AVAILABLE:
        if raw is not None:
            slot.ok = False
            reading.problem(
                slot.cell(),
                _(
                    "a value is given although the state is “%(state)s”: "
                    "clear the value or choose “%(reported)s”."
                )
                % {"state": L.STATE_LABELS[L.NOT_AVAILABLE], "reported": L.STATE_LABELS[L.REPORTED]},
            )
        slot.parsed = (None, L.NOT_AVAILABLE, slot.text)
        return slot
    value, error = coerce(element, raw)
    if error and isinstance(raw, str) and element.value_type in L.NUMERIC_TYPES and slot.ok:
        slot.ok = False
        reading.problem(
            slot.cell(),
            _("“%(text)s” is text; %(element)s needs a number.")
            % {"text": raw[:60], "element": named_element(element, element.code, period)},
        )
    slot.parsed = None if error else (value, L.REPORTED, slot.text)
    return slot


def read_kpis(ws: Worksheet, spec: FrameworkSpec, reading: Reading) -> None:
    bad_rows = _merged(ws, L.KPIS, L.KPI_INPUT_COLUMNS, reading)
    for row in range(L.FIRST_ROW, ws.max_row + 1):
        code_cell = ws[f"{L.KPI_CODE}{row}"]
        code = _text(code_cell.value)
        if not code:
            continue
        where = L.cell_name(L.KPIS, code_cell.coordinate)
        if code not in spec.kpis:
            reading.problem(where, _("unknown KPI code %(code)s.") % {"code": code})
            continue
        if code in reading.kpis:
            reading.problem(where, _("%(code)s is listed twice; each KPI has one row.") % {"code": code})
            continue
        kpi = KpiCells(code, row, ok=row not in bad_rows)
        reading.kpis[code] = kpi
        applicable_raw, ok1 = _value(ws[f"{L.KPI_APPLICABLE}{row}"], reading, L.KPIS)
        justification_raw, ok2 = _value(ws[f"{L.KPI_JUSTIFICATION}{row}"], reading, L.KPIS)
        disclosure_raw, ok3 = _value(ws[f"{L.KPI_DISCLOSURE}{row}"], reading, L.KPIS)
        kpi.ok = kpi.ok and ok1 and ok2 and ok3
        applicable = True if applicable_raw is None else L.read_label("yes_no", applicable_raw)
        if applicable is None:
            kpi.ok = False
            reading.problem(
                kpi.cell("applicable"),
                _("answer %(yes)s or %(no)s.") % {"yes": L.YES_NO_LABELS[True], "no": L.YES_NO_LABELS[False]},
            )
        disclosure = L.read_label("disclosure", disclosure_raw)
        if disclosure is None and ok3:
            kpi.ok = False
            reading.problem(
                kpi.cell("disclosure"),
                _("choose one of: %(levels)s.") % {"levels": ", ".join(str(d.label) for d in Disclosure)},
            )
        kpi.choice = (bool(applicable), _text(justification_raw), str(disclosure or ""))
    for code in spec.kpis:
        if code not in reading.kpis:
            reading.problem(L.sheet_name(L.KPIS), _("the row of KPI %(code)s is missing.") % {"code": code})


def read_warnings(ws: Worksheet, layout: L.Layout, reading: Reading) -> None:
    """Read the explanation of each warning: one row per warning, in the order of `layout.warnings`."""
    bad_rows = _merged(ws, L.WARNINGS, L.WARNING_INPUT_COLUMNS, reading)
    for key in layout.warnings:
        row = layout.warning_row(key)
        code_cell = ws[f"{L.WARNING_CODE}{row}"]
        if _text(code_cell.value) != L.warning_code(key):
            reading.problem(
                L.cell_name(L.WARNINGS, code_cell.coordinate),
                _("should hold %(code)s: rows of this sheet must not be moved or deleted.")
                % {"code": L.warning_code(key)},
            )
            continue
        raw, ok = _value(ws[f"{L.WARNING_JUSTIFICATION}{row}"], reading, L.WARNINGS)
        reading.warnings[key] = WarningCells(key, row, _text(raw), ok=ok and row not in bad_rows)
