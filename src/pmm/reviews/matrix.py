"""The comment-response matrix of a peer review: every query with its thread, the member's answers,
corrections (before → after) and evidence, the reviewers' follow-ups and the outcome (the query's
status, the verdict on its KPI).

Built only from what `review_queries` lets the actor see (the member never sees queries not sent yet),
as plain rows (`matrix_rows`, no database) that the printable page, the workbook, the API and the
command line share. Interface text follows the active language."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pmm.assessments.models import ValueState
from pmm.core.downloads import XLSX_TYPE, attachment
from pmm.core.spreadsheet import safe_cell
from pmm.core.translated import pick
from pmm.cycles.selectors import cycle_spec
from pmm.framework.spec import ElementSpec, FrameworkSpec
from pmm.results.formatting import number_text
from pmm.reviews.models import KpiVerdict, MessageKind, QueryStatus, Review, ReviewStatus, Verdict
from pmm.reviews.selectors import QueryThread, review_queries

CONTENT_TYPE = XLSX_TYPE
ARROW = "→"
MEMBER_KINDS = frozenset({MessageKind.ANSWER, MessageKind.CORRECTION, MessageKind.EVIDENCE})
FOLLOW_UP_KINDS = frozenset({MessageKind.CLOSE, MessageKind.REOPEN})


@dataclass(frozen=True)
class Change:
    """One corrected value: "DECL_TOTAL T: 120 → 135"."""

    element: str
    period: str
    before: str
    after: str

    @property
    def subject(self) -> str:
        return f"{self.element} {self.period}".strip()

    def __str__(self) -> str:
        return f"{self.subject}: {self.before} {ARROW} {self.after}"


@dataclass(frozen=True)
class Step:
    """One message of a query's thread."""

    query: int
    at: datetime
    author: str
    kind: str
    kind_label: str
    round: int | None
    text: str
    changes: tuple[Change, ...] = ()
    evidence: str = ""  # the evidence file's name

    @property
    def summary(self) -> str:
        """The step on one line: "Correction: DECL_TOTAL T: 120 → 135 — One office was missing"."""
        parts = ["; ".join(str(c) for c in self.changes), self.evidence, self.text]
        body = " — ".join(p for p in parts if p)
        return f"{self.kind_label}: {body}" if body else self.kind_label


@dataclass(frozen=True)
class MatrixRow:
    """One query, its thread and its outcome."""

    number: int
    kpi: str
    kpi_name: str
    element: str
    period: str
    year: int | None
    round: int | None
    due_date: date | None
    status: str
    status_label: str
    question: str
    responses: tuple[str, ...]
    follow_ups: tuple[str, ...]
    verdict: str
    verdict_label: str
    verdict_reason: str
    steps: tuple[Step, ...]
    element_name: str = ""  # the data element's label, in the active language

    @property
    def period_text(self) -> str:
        """ "T (2024)", or "" for a query on the whole KPI."""
        if not self.period:
            return ""
        return f"{self.period} ({self.year})" if self.year else self.period


@dataclass(frozen=True)
class Matrix:
    member_iso3: str
    member_name: str
    cycle_id: int
    cycle: str
    review_status: str
    review_status_label: str
    generated_at: datetime
    rows: tuple[MatrixRow, ...]


# --- the rows (no database) ---------------------------------------------------------------------


def _year(period: str, reporting_year: int) -> int | None:
    """The calendar year of a period: "T" is the reporting year, "T-1" the one before."""
    if not period.startswith("T"):
        return None
    try:
        return reporting_year + int(period[1:] or 0)
    except ValueError:
        return None


def value_text(side: Mapping[str, Any] | None, element: ElementSpec | None = None) -> str:
    """One side of a correction in words: the number, the choice's label, "Not available", or "—"."""
    if not side:
        return "—"
    if side.get("state") == ValueState.NOT_AVAILABLE:
        label = str(ValueState.NOT_AVAILABLE.label)
        return f"{label} ({side['reason']})" if side.get("reason") else label
    value = side.get("value")
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, int | float):
        return number_text(value, 6)
    if element is not None and str(value) in element.option_labels:
        return pick(element.option_labels[str(value)]) or str(value)
    return str(value)


def change_of(raw: Mapping[str, Any], spec: FrameworkSpec) -> Change:
    element = str(raw.get("element", ""))
    found = spec.elements.get(element)
    return Change(
        element=element,
        period=str(raw.get("period", "")),
        before=value_text(raw.get("before"), found),
        after=value_text(raw.get("after"), found),
    )


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _step(number: int, message: Any, spec: FrameworkSpec) -> Step:
    author = message.author.get_username() if message.author else ""
    return Step(
        query=number,
        at=timezone.localtime(message.at),
        author=author,
        kind=message.kind,
        kind_label=_label(MessageKind, message.kind),
        round=message.round.number if message.round else None,
        text=message.text,
        changes=tuple(change_of(c, spec) for c in message.changes or ()),
        evidence=message.evidence.original_name if message.evidence else "",
    )


def matrix_rows(
    threads: Iterable[QueryThread],
    verdicts: Mapping[str, KpiVerdict],
    spec: FrameworkSpec,
    reporting_year: int,
) -> list[MatrixRow]:
    """One row per query the actor may see, from `review_queries`'s threads and the review's verdicts
    by KPI code. Reads only what the threads carry (no database)."""
    rows = []
    for thread in threads:
        query = thread.query
        steps = tuple(_step(query.number, m, spec) for m in thread.messages)
        kpi = spec.kpis.get(query.kpi)
        verdict = verdicts.get(query.kpi)
        rows.append(
            MatrixRow(
                number=query.number,
                kpi=query.kpi,
                kpi_name=pick(kpi.name) if kpi else "",
                element=query.element,
                period=query.period,
                year=_year(query.period, reporting_year),
                round=query.round.number if query.round else None,
                due_date=query.round.due_date if query.round else None,
                status=query.status,
                status_label=_label(QueryStatus, query.status),
                question="\n".join(s.text for s in steps if s.kind == MessageKind.QUESTION),
                responses=tuple(s.summary for s in steps if s.kind in MEMBER_KINDS),
                follow_ups=tuple(s.summary for s in steps if s.kind in FOLLOW_UP_KINDS),
                verdict=verdict.verdict if verdict else "",
                verdict_label=_label(Verdict, verdict.verdict) if verdict else "",
                verdict_reason=verdict.reason if verdict else "",
                steps=steps,
                element_name=pick(element.name) if (element := spec.elements.get(query.element)) else "",
            )
        )
    return rows


def review_matrix(actor: Any, review: Review) -> Matrix:
    """The matrix as the actor may see it (a fixed number of queries, however many queries and
    messages). The caller has found the review through `review_current`, so the actor may see it."""
    assessment = review.assessment
    cycle = assessment.cycle
    threads = review_queries(actor, review)
    verdicts = {v.kpi: v for v in review.verdicts.visible_to(actor)}
    rows = matrix_rows(threads, verdicts, cycle_spec(cycle), cycle.reporting_year)
    return Matrix(
        member_iso3=assessment.member.iso3,
        member_name=pick(assessment.member.name),
        cycle_id=cycle.pk,
        cycle=str(cycle),
        review_status=review.status,
        review_status_label=_label(ReviewStatus, review.status),
        generated_at=timezone.localtime(),
        rows=tuple(rows),
    )


# --- the workbook -------------------------------------------------------------------------------

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def _naive(moment: datetime) -> datetime:
    """openpyxl writes no time zones: the local time, as the page shows it."""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return local.replace(tzinfo=None, microsecond=0)


def _cell_value(value: Any) -> Any:
    """A value for a cell, through the one spreadsheet rule (`pmm.core.spreadsheet`)."""
    if isinstance(value, datetime):
        return _naive(value)
    if value is None:
        return ""
    return safe_cell(value)


def _table(
    sheet: Worksheet, top: int, columns: Sequence[tuple[str, int]], rows: Iterable[Sequence[Any]]
) -> int:
    """A header row at `top` (bold, frozen, filterable), the rows below it, wrapped; returns the last row."""
    for index, (title, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=top, column=index, value=safe_cell(title))
        cell.font, cell.alignment = BOLD, WRAP
        sheet.column_dimensions[get_column_letter(index)].width = width
    last = top
    for offset, values in enumerate(rows, start=1):
        last = top + offset
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row=last, column=index, value=_cell_value(value))
            cell.alignment = WRAP
            if isinstance(value, datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
    sheet.freeze_panes = sheet.cell(row=top + 1, column=1)
    sheet.auto_filter.ref = f"A{top}:{get_column_letter(len(columns))}{last}"
    return last


def _title_rows(sheet: Worksheet, matrix: Matrix) -> int:
    """The matrix's title and facts; returns the row the table starts at."""
    sheet.cell(row=1, column=1, value=safe_cell(_("Comment-response matrix of the peer review"))).font = TITLE
    facts = [
        (_("Member"), f"{matrix.member_name} ({matrix.member_iso3})"),
        (_("Cycle"), matrix.cycle),
        (_("Review status"), matrix.review_status_label),
        (_("Generated at"), _naive(matrix.generated_at)),
    ]
    for row, (label, value) in enumerate(facts, start=2):
        sheet.cell(row=row, column=1, value=safe_cell(label)).font = BOLD
        cell = sheet.cell(row=row, column=2, value=_cell_value(value))
        if isinstance(value, datetime):
            cell.number_format = DATETIME_FORMAT
    return len(facts) + 3  # a blank row between the facts and the table


def matrix_columns() -> list[tuple[str, int]]:
    return [
        (_("Query"), 7),
        (_("KPI"), 11),
        (_("KPI name"), 32),
        (_("Data element"), 20),
        (_("Year"), 10),
        (_("Round"), 7),
        (_("Due date"), 12),
        (_("Status"), 11),
        (_("Question"), 48),
        (_("The member's responses"), 60),
        (_("The reviewers' follow-up"), 40),
        (_("Verdict on the KPI"), 16),
        (_("Reason for the verdict"), 40),
    ]


def thread_columns() -> list[tuple[str, int]]:
    return [
        (_("Query"), 7),
        (_("Date"), 17),
        (_("Author"), 18),
        (_("Kind"), 13),
        (_("Round"), 7),
        (_("Text"), 60),
        (_("Value corrected"), 22),
        (_("Before"), 16),
        (_("After"), 16),
        (_("Evidence"), 28),
    ]


def _matrix_cells(row: MatrixRow) -> list[Any]:
    return [
        row.number,
        row.kpi,
        row.kpi_name,
        row.element,
        row.period_text,
        row.round,
        row.due_date,
        row.status_label,
        row.question,
        "\n".join(row.responses),
        "\n".join(row.follow_ups),
        row.verdict_label,
        row.verdict_reason,
    ]


def _thread_cells(step: Step) -> list[Any]:
    return [
        step.query,
        step.at,
        step.author,
        step.kind_label,
        step.round,
        step.text,
        "\n".join(c.subject for c in step.changes),
        "\n".join(c.before for c in step.changes),
        "\n".join(c.after for c in step.changes),
        step.evidence,
    ]


def matrix_xlsx(matrix: Matrix) -> bytes:
    """The matrix as an Excel workbook: "Matrix" (one row per query) and "Thread" (one per message)."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Matrix")[:31]
    _table(sheet, _title_rows(sheet, matrix), matrix_columns(), (_matrix_cells(r) for r in matrix.rows))
    thread = book.create_sheet(_("Thread")[:31])
    _table(thread, 1, thread_columns(), (_thread_cells(s) for r in matrix.rows for s in r.steps))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def matrix_filename(matrix: Matrix) -> str:
    """E.g. pmm-review-matrix-ken-cycle3.xlsx."""
    return f"pmm-review-matrix-{matrix.member_iso3.lower()}-cycle{matrix.cycle_id}.xlsx"


def matrix_file(matrix: Matrix) -> HttpResponse:
    """The workbook as a download, for the page and the API alike."""
    return attachment(matrix_xlsx(matrix), CONTENT_TYPE, matrix_filename(matrix))
