"""Write a member's workbook: instructions, one sheet per dimension, KPI choices, hidden identity.

Every cell is written through `pmm.core.spreadsheet.safe_cell`: text that would run as a formula gets
a leading apostrophe (the import takes it off again, `reading.py`), characters a workbook cannot hold
become U+FFFD. The snapshot in `_meta` holds the texts as the cells show them, so an untouched
workbook imports without changes."""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.worksheet import Worksheet

from pmm.assessments.messages import issue_text
from pmm.assessments.models import Assessment, Disclosure
from pmm.assessments.selectors import AssessmentState, assessment_state
from pmm.assessments.workbook import layout as L
from pmm.assessments.workbook.checks import SheetChecks, protection
from pmm.assessments.workbook.printing import fit_rows, number_format, print_setup
from pmm.core.spreadsheet import clean_text, safe_cell
from pmm.core.translated import pick
from pmm.framework.kinds import ELEMENT_TYPE_LABELS
from pmm.framework.spec import ElementSpec

INPUT_FILL = PatternFill("solid", fgColor="FFF7D6")
GREY_FILL = PatternFill("solid", fgColor="D9D9D9")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
OUTCOME_FILL = PatternFill("solid", fgColor="F2F2F2")
BOLD, TITLE, MUTED = Font(bold=True), Font(bold=True, size=14), Font(italic=True, color="666666")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")  # beside a cell of wrapped text, on its first line
UNLOCKED = Protection(locked=False)


def workbook_export(assessment: Assessment, language: str, reader: Any) -> bytes:
    """The assessment's workbook (.xlsx) in `language`, with its current values as `reader` reads them."""
    with translation.override(language):
        return _Writer(assessment_state(assessment, reader), language).write()


class _Writer:
    def __init__(self, state: AssessmentState, language: str) -> None:
        self.state, self.spec, self.language = state, state.spec, language
        self.assessment = state.assessment
        self.layout = L.layout_of(state.spec)
        self.book = Workbook()
        self.lists: dict[str, str] = {}  # list name -> range on the _lists sheet

    def write(self) -> bytes:
        instructions = self.book.active
        assert instructions is not None
        instructions.title = L.INSTRUCTIONS
        self._lists_sheet()
        self._instructions(instructions)
        for code in self.spec.dimensions:
            self._dimension(self.book.create_sheet(code), code)
        self._kpis(self.book.create_sheet(L.KPIS))
        self._warnings(self.book.create_sheet(L.WARNINGS))
        self._meta(self.book.create_sheet(L.META))
        self._print_setup()
        self.book.move_sheet(L.LISTS, offset=len(self.book.sheetnames))
        self.book.security = WorkbookProtection(lockStructure=True)
        self.book.properties.creator = "WCO PMM platform"
        self.book.properties.title = _("PMM self-assessment workbook")
        buffer = BytesIO()
        self.book.save(buffer)
        return buffer.getvalue()

    def _print_setup(self) -> None:
        member, cycle = self.assessment.member, self.assessment.cycle
        for ws in self.book.worksheets:
            if ws.sheet_state == "visible":
                fit_rows(ws)
                print_setup(
                    ws,
                    member=f"{member.display_name} ({member.iso3})",
                    cycle=str(cycle),
                    title_rows=None if ws.title == L.INSTRUCTIONS else f"{L.HEADER_ROW}:{L.HEADER_ROW}",
                )

    # ----------------------------------------------------------------------------------------
    # Sheets

    def _instructions(self, ws: Worksheet) -> None:
        a, cycle, member = self.assessment, self.assessment.cycle, self.assessment.member
        t, t1 = cycle.reporting_year, cycle.reporting_year - 1
        lines: list[tuple[str, Font | None]] = [
            (_("WCO Performance Measurement Mechanism: self-assessment workbook"), TITLE),
            ("", None),
            (_("Member: %(name)s (%(iso3)s)") % {"name": member.display_name, "iso3": member.iso3}, None),
            (
                _("%(cycle)s, framework %(framework)s %(version)s")
                % {
                    "cycle": cycle,
                    "framework": pick(cycle.framework.title, self.language),
                    "version": cycle.framework.version,
                },
                None,
            ),
            (_("Reporting years: T = %(t)s, T-1 = %(t1)s") % {"t": t, "t1": t1}, None),
            (
                _("Downloaded on %(date)s, at version %(version)s of the assessment")
                % {"date": timezone.localdate().isoformat(), "version": a.version},
                None,
            ),
            ("", None),
            (_("How to fill in this workbook"), BOLD),
        ]
        steps = [
            _(
                "Each dimension has its own sheet (%(sheets)s), with the data elements grouped by expected "
                "outcome. Type your figures in the yellow cells only; grey cells are not collected."
            )
            % {"sheets": ", ".join(self.spec.dimensions)},
            _(
                "Column T is for the year %(t)s, column T-1 for the year %(t1)s. Type plain numbers: "
                "no units, no formulas. Amounts are in national currency."
            )
            % {"t": t, "t1": t1},
            _("For choices and yes/no questions, pick the answer from the drop-down list."),
            _(
                "If a figure is not available, choose “not available” in its State column, leave the value "
                "empty and say why in its “Reason or comment” column. Otherwise that column holds a comment."
            ),
            _(
                "On the KPIs sheet you may declare a KPI not applicable to your administration, with a "
                "justification, and choose who may see its results (only the National Contact Point may "
                "change the disclosure level)."
            ),
            _(
                "The Warnings sheet lists every warning the checks can raise, and those your figures "
                "raised when the workbook was downloaded. A warning must be explained before the assessment "
                "is submitted: write the explanation in its Explanation column. An explanation is saved "
                "when its warning arises from the figures saved."
            ),
            _(
                "Do not rename, move or delete sheets, rows or columns, and do not merge cells. Keep the "
                "file as .xlsx (not .xlsm or .xls). Excel and LibreOffice both work."
            ),
            _(
                "Upload the workbook on the platform. The import is all or nothing: if any cell has a "
                "problem, nothing is saved and the report names each problem by sheet and cell."
            ),
            _(
                "Only the cells you changed are saved. If someone changed the same value on the platform "
                "after you downloaded this workbook, the import is refused: download a new workbook and "
                "apply your change again. Values that others changed and you did not touch are kept."
            ),
            _(
                "Uploading does not submit the assessment: check the validation summary on the platform; "
                "then the National Contact Point submits it."
            ),
        ]
        lines += [(f"{number}. {text}", None) for number, text in enumerate(steps, start=1)]
        ws.column_dimensions["A"].width = 110
        for row, (text, font) in enumerate(lines, start=1):
            cell = ws.cell(row, 1, safe_cell(text or None))
            cell.alignment = WRAP
            if font is not None:
                cell.font = font
        ws.protection = protection()

    def _dimension(self, ws: Worksheet, code: str) -> None:
        spec, cycle = self.spec, self.assessment.cycle
        self._heading(
            ws,
            f"{code} · {pick(spec.dimensions[code].name, self.language)}",
            _("%(member)s · enter data in the yellow cells; see the Instructions sheet.")
            % {"member": self.assessment.member.display_name},
        )
        headers = {
            L.CODE: _("Code"),
            L.NAME: _("Data element"),
            L.UNIT: _("Unit"),
            L.VALUE["T"]: _("T (%(year)s)") % {"year": cycle.reporting_year},
            L.VALUE["T-1"]: _("T-1 (%(year)s)") % {"year": cycle.reporting_year - 1},
            L.STATE["T"]: _("State T"),
            L.STATE["T-1"]: _("State T-1"),
            L.TEXT["T"]: _("Reason or comment T"),
            L.TEXT["T-1"]: _("Reason or comment T-1"),
        }
        self._header(
            ws, headers, {"A": 30, "B": 60, "C": 22, "D": 16, "E": 16, "F": 16, "G": 16, "H": 40, "I": 40}
        )
        checks = SheetChecks(ws)
        for offset, sheet_row in enumerate(self.layout.sheets[code]):
            row = L.FIRST_ROW + offset
            if sheet_row.kind == "outcome":
                outcome = spec.outcomes[sheet_row.code]
                ws[f"A{row}"] = safe_cell(outcome.code)
                ws[f"B{row}"] = safe_cell(pick(outcome.name, self.language))
                for column in "ABCDEFGHI":
                    ws[f"{column}{row}"].font, ws[f"{column}{row}"].fill = BOLD, OUTCOME_FILL
                continue
            element = spec.elements[sheet_row.code]
            ws[f"A{row}"] = safe_cell(element.code)
            ws[f"B{row}"] = safe_cell(self._name(element))
            ws[f"C{row}"] = safe_cell(_unit(element))
            ws[f"B{row}"].alignment = WRAP
            ws[f"A{row}"].alignment = ws[f"C{row}"].alignment = TOP
            if sheet_row.kind == "reference":
                home_sheet, home_row = self.layout.home[element.code]
                ws[f"D{row}"] = safe_cell(
                    _("entered on sheet %(sheet)s, row %(row)s") % {"sheet": home_sheet, "row": home_row}
                )
                for column in "ABCD":
                    ws[f"{column}{row}"].font = MUTED
                continue
            for period in L.PERIODS:
                self._slot(ws, checks, element, period, row)
        ws.freeze_panes = f"D{L.FIRST_ROW}"
        ws.protection = protection()

    def _slot(self, ws: Worksheet, checks: SheetChecks, element: ElementSpec, period: str, row: int) -> None:
        cells = [f"{L.VALUE[period]}{row}", f"{L.STATE[period]}{row}", f"{L.TEXT[period]}{row}"]
        if period not in element.periods:
            for ref in cells:
                ws[ref].fill = GREY_FILL
            return
        stored = self.state.values.get((element.code, period))
        value, state, text = self._slot_of(element.code, period)
        value_ref, state_ref, text_ref = cells
        ws[value_ref] = safe_cell(self._cell_value(element, value))
        ws[state_ref] = safe_cell(str(L.STATE_LABELS[state]) if stored else None)  # empty means reported
        ws[text_ref] = safe_cell(text or None)
        for ref in cells:
            ws[ref].fill, ws[ref].protection = INPUT_FILL, UNLOCKED
        ws[text_ref].alignment = WRAP
        checks.add(self._list("state", L.STATE_LABELS.values()), state_ref)
        if element.value_type == "yes_no":
            checks.add(self._list("yes_no", L.YES_NO_LABELS.values()), value_ref)
        elif element.value_type == "choice":
            labels = [pick(element.option_labels.get(o), self.language) or o for o in element.options]
            checks.add(self._list(f"choice:{element.code}", labels), value_ref)
        elif element.value_type in L.NUMERIC_TYPES:
            checks.number(element, value_ref)
            ws[value_ref].number_format = number_format(element)

    def _kpis(self, ws: Worksheet) -> None:
        self._heading(
            ws,
            _("KPIs: applicability and disclosure"),
            _(
                "A KPI that does not apply to your administration needs a justification. The disclosure "
                "level says who may see the KPI's results: Public, WCO, Union or Country."
            ),
        )
        headers = {
            L.KPI_CODE: _("KPI"),
            L.KPI_NAME: _("Name"),
            L.KPI_OUTCOME: _("Outcome"),
            L.KPI_APPLICABLE: _("Applicable"),
            L.KPI_JUSTIFICATION: _("Justification if not applicable"),
            L.KPI_DISCLOSURE: _("Disclosure"),
        }
        self._header(ws, headers, {"A": 14, "B": 60, "C": 12, "D": 14, "E": 50, "F": 16})
        checks = SheetChecks(ws)
        yes_no = self._list("yes_no", L.YES_NO_LABELS.values())
        disclosures = self._list("disclosure", [d.label for d in Disclosure])
        for code in self.layout.kpis:
            row, kpi = self.layout.kpi_row(code), self.spec.kpis[code]
            applicable, justification, disclosure = self._kpi_choice(code)
            ws[f"A{row}"] = safe_cell(code)
            ws[f"B{row}"] = safe_cell(pick(kpi.name, self.language))
            ws[f"C{row}"] = safe_cell(kpi.outcome)
            ws[f"B{row}"].alignment = WRAP
            ws[f"D{row}"] = safe_cell(str(L.YES_NO_LABELS[applicable]))
            ws[f"E{row}"] = safe_cell(justification or None)
            ws[f"F{row}"] = safe_cell(str(Disclosure(disclosure).label))
            for column in L.KPI_INPUT_COLUMNS:
                ws[f"{column}{row}"].fill, ws[f"{column}{row}"].protection = INPUT_FILL, UNLOCKED
            ws[f"E{row}"].alignment = WRAP
            checks.add(yes_no, f"D{row}")
            checks.add(disclosures, f"F{row}")
        ws.freeze_panes = f"D{L.FIRST_ROW}"
        ws.protection = protection()

    def _warnings(self, ws: Worksheet) -> None:
        self._heading(
            ws,
            _("Warnings: explain what is not a mistake"),
            _(
                "Every warning the checks can raise. Column D shows those your figures raised when the "
                "workbook was downloaded. Each warning must be explained before submission."
            ),
        )
        headers = {
            L.WARNING_CODE: _("Code"),
            L.WARNING_KIND: _("Check"),
            L.WARNING_CHECK: _("What is checked"),
            L.WARNING_NOW: _("Raised at download"),
            L.WARNING_JUSTIFICATION: _("Explanation"),
        }
        self._header(ws, headers, {"A": 36, "B": 22, "C": 60, "D": 50, "E": 60})
        raised = {i.key: issue_text(i) for i in self.state.issues if i.needs_justification}
        for key in self.layout.warnings:
            row = self.layout.warning_row(key)
            kind, text = self._warning_check(key)
            ws[f"{L.WARNING_CODE}{row}"] = safe_cell(L.warning_code(key))
            ws[f"{L.WARNING_KIND}{row}"] = safe_cell(kind)
            ws[f"{L.WARNING_CHECK}{row}"] = safe_cell(text)
            ws[f"{L.WARNING_NOW}{row}"] = safe_cell(raised.get(key))
            explanation = ws[f"{L.WARNING_JUSTIFICATION}{row}"]
            explanation.value = safe_cell(self._justification(key)[0] or None)
            explanation.fill, explanation.protection = INPUT_FILL, UNLOCKED
            for column in (L.WARNING_CHECK, L.WARNING_NOW, L.WARNING_JUSTIFICATION):
                ws[f"{column}{row}"].alignment = WRAP
            ws[f"{L.WARNING_CODE}{row}"].alignment = ws[f"{L.WARNING_KIND}{row}"].alignment = TOP
        ws.freeze_panes = f"C{L.FIRST_ROW}"
        ws.protection = protection()

    def _warning_check(self, key: str) -> tuple[str, str]:
        """What the Warnings sheet says of a warning: its kind and what it checks."""
        code = L.warning_code(key)
        if key.startswith("rule:"):
            rule = next(r for r in self.spec.rules if r.code == code)
            return _("consistency"), pick(rule.message, self.language) or code
        return _("change from T-1 to T"), _(
            "%(name)s: a change of more than %(threshold)s%% from T-1 (%(t1)s) to T (%(t)s)"
        ) % {
            "name": self._name(self.spec.elements[code]),
            "threshold": f"{settings.PMM_JUMP_THRESHOLD_PERCENT:g}",
            "t1": self.assessment.cycle.reporting_year - 1,
            "t": self.assessment.cycle.reporting_year,
        }

    def _meta(self, ws: Worksheet) -> None:
        a, framework = self.assessment, self.assessment.cycle.framework
        values = {
            "template_version": L.TEMPLATE_VERSION,
            "cycle": a.cycle_id,
            "member": a.member.iso3,
            "framework": framework.code,
            "framework_version": framework.version,
            "framework_fingerprint": framework.fingerprint,
            "assessment_version": a.version,
            "language": self.language,
            "exported_at": timezone.now().isoformat(timespec="seconds"),
        }
        rows: list[tuple[str, Any]] = [(key, values[key]) for key in L.META_KEYS]
        for code in self.layout.home:
            for period in self.spec.elements[code].periods:
                slot = self._slot_of(code, period)
                rows.append((f"{L.VALUE_PREFIX}{code}@{period}", L.snapshot_dump(slot)))
        rows += [
            (f"{L.KPI_PREFIX}{code}", L.snapshot_dump(self._kpi_choice(code))) for code in self.layout.kpis
        ]
        rows += [
            (f"{L.ISSUE_PREFIX}{key}", L.snapshot_dump(self._justification(key)))
            for key in self.layout.warnings
        ]
        for index, (key, value) in enumerate(rows, start=1):
            ws.cell(index, 1, safe_cell(key))
            ws.cell(index, 2, safe_cell(value))
        ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 40, 70
        ws.sheet_state = "hidden"
        ws.protection = protection()

    def _lists_sheet(self) -> None:
        ws = self.book.create_sheet(L.LISTS)
        ws.sheet_state = "hidden"
        ws.protection = protection()

    # ----------------------------------------------------------------------------------------
    # Helpers

    def _list(self, name: str, labels: Iterable[Any]) -> str:
        """A drop-down list kept on the hidden _lists sheet; returns its range."""
        if name not in self.lists:
            ws = self.book[L.LISTS]
            column = get_column_letter(len(self.lists) + 1)
            texts = [str(label) for label in labels]
            for row, text in enumerate(texts, start=1):
                ws[f"{column}{row}"] = safe_cell(text)
            self.lists[name] = f"'{L.LISTS}'!${column}$1:${column}${len(texts)}"
        return self.lists[name]

    def _heading(self, ws: Worksheet, title: str, note: str) -> None:
        """A data sheet's title (A1) and the note under it (A2)."""
        ws["A1"], ws["A2"] = safe_cell(title), safe_cell(note)
        ws["A1"].font, ws["A2"].font = TITLE, MUTED

    def _header(self, ws: Worksheet, headers: dict[str, str], widths: dict[str, int]) -> None:
        for column, text in headers.items():
            cell = ws[f"{column}{L.HEADER_ROW}"]
            cell.value, cell.font, cell.fill, cell.alignment = safe_cell(text), BOLD, HEADER_FILL, WRAP
        for column, width in widths.items():
            ws.column_dimensions[column].width = width

    def _name(self, element: ElementSpec) -> str:
        return pick(element.name, self.language) or element.code

    def _cell_value(self, element: ElementSpec, value: Any) -> Any:
        if value is None:
            return None
        if element.value_type == "yes_no":
            return str(L.YES_NO_LABELS[bool(value)])
        if element.value_type == "choice":
            return pick(element.option_labels.get(value), self.language) or value
        return value

    def _slot_of(self, code: str, period: str) -> L.Slot:
        """The stored slot, its texts as the cells show them (characters a workbook cannot hold
        replaced), for the cells and the snapshot alike; the import compares the same way."""
        stored = self.state.values.get((code, period))
        if stored is None:
            return L.EMPTY_SLOT
        value, state, text = L.slot_of(stored.value, stored.state, stored.reason, stored.comment)
        return (clean_text(value) if isinstance(value, str) else value, state, clean_text(text))

    def _justification(self, key: str) -> tuple[str]:
        """A warning's stored explanation as the cell shows it."""
        stored = self.state.justifications.get(key)
        return (clean_text(stored.text.strip()) if stored else "",)

    def _kpi_choice(self, code: str) -> L.KpiChoice:
        response = self.state.responses.get(code)
        if response is None:
            return (True, "", self.spec.kpis[code].disclosure_default)
        return (response.applicable, clean_text(response.justification.strip()), response.disclosure)


def _unit(element: ElementSpec) -> str:
    label = str(ELEMENT_TYPE_LABELS.get(element.value_type, element.value_type))
    if element.currency:
        currency = _("national currency") if element.currency == "national" else element.currency
        return f"{label} ({currency})"
    return label
