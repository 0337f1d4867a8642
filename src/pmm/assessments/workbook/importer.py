"""Import a filled-in workbook: all or nothing, every problem named by sheet and cell.

Order: authorise; check the file as a zip (size, parts, macros, bombs) before any parsing; load it
with openpyxl; check `_meta` (member, cycle, framework, template version) and the sheets; read
every cell; then one unit of work with the merge policy (`assessment_write`, path "workbook"):
compare with the stored data and save only what differs, through the same steps as the form and the
API (values, KPI choices, explanations of warnings), with one version swap and one audit event.

Versions. The workbook carries the assessment version it was exported at and, in `_meta`, the
values it was exported with. When the assessment is unchanged since, every differing cell is
saved. When it changed meanwhile, a cell is saved only if the stored value is still the exported
one; a cell left as exported is not written back (the newer stored value is kept); a cell
changed in the workbook AND on the platform is a conflict: 409, nothing saved. This never loses
an update and spares re-downloading when colleagues edited other values. Explanations of warnings
follow the same rules; like on the web form, one is saved only when its warning arises from the
values once saved (otherwise it is reported as not needed). A colleague who saves between the
comparison and the swap makes the import a 409 too (nothing saved; import the file again).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from pmm.assessments.models import Assessment, DataValue, KpiResponse, WarningJustification
from pmm.assessments.services import (
    AssessmentWrite,
    Policy,
    PublishedLevels,
    ValueInput,
    assessment_write,
    published_levels,
)
from pmm.assessments.workbook import layout as L
from pmm.assessments.workbook.package import package_check
from pmm.assessments.workbook.reading import (
    KpiCells,
    Meta,
    Reading,
    SlotCells,
    WarningCells,
    check_sheets,
    read_dimension,
    read_kpis,
    read_meta,
    read_warnings,
)
from pmm.authz import can, require
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.core.spreadsheet import clean_text
from pmm.cycles.selectors import cycle_spec
from pmm.framework.spec import FrameworkSpec

Progress = Callable[[int, int, str], None]  # (steps done, steps in all, what is being done)
ITEM_FIELD = re.compile(r"^values\[(\d+)\](?:\.(\w+))?$")


@dataclass(frozen=True)
class Changed:
    cell: str
    subject: str


@dataclass(frozen=True)
class ImportReport:
    filename: str
    version: int
    values: list[Changed] = field(default_factory=list)
    kpis: list[Changed] = field(default_factory=list)
    kept: list[Changed] = field(
        default_factory=list
    )  # changed on the platform since the export, untouched here
    explanations: list[Changed] = field(default_factory=list)  # explanations of warnings saved
    unneeded: list[Changed] = field(default_factory=list)  # explanations of warnings that do not arise

    @property
    def changed(self) -> int:
        return len(self.values) + len(self.kpis) + len(self.explanations)

    def summary(self) -> str:
        if not self.changed:
            text = _("%(file)s: nothing to save, the workbook holds the data already stored.") % {
                "file": self.filename
            }
        elif not self.values and not self.kpis:  # explanations only, told below
            text = _("%(file)s: the assessment is now at version %(version)s.") % {
                "file": self.filename,
                "version": self.version,
            }
        else:
            text = _(
                "%(file)s: %(values)s and %(kpis)s saved; the assessment is now at version %(version)s."
            ) % {
                "file": self.filename,
                "values": ngettext("%(n)s value", "%(n)s values", len(self.values)) % {"n": len(self.values)},
                "kpis": ngettext("%(n)s KPI choice", "%(n)s KPI choices", len(self.kpis))
                % {"n": len(self.kpis)},
                "version": self.version,
            }
        if self.explanations:
            text += " " + ngettext(
                "%(n)s explanation of a warning saved.",
                "%(n)s explanations of warnings saved.",
                len(self.explanations),
            ) % {"n": len(self.explanations)}
        if self.unneeded:
            text += " " + ngettext(
                "%(n)s explanation was not saved: its warning does not arise from the values saved.",
                "%(n)s explanations were not saved: their warnings do not arise from the values saved.",
                len(self.unneeded),
            ) % {"n": len(self.unneeded)}
        if self.kept:
            text += " " + ngettext(
                "%(n)s value changed on the platform since the download was kept.",
                "%(n)s values changed on the platform since the download were kept.",
                len(self.kept),
            ) % {"n": len(self.kept)}
        return text


def workbook_import(
    *,
    actor: Any,
    assessment: Assessment,
    data: bytes,
    filename: str,
    progress: Progress | None = None,
) -> ImportReport:
    """Save what a filled-in workbook changes; on any problem save nothing and name every problem."""
    require(actor, "assessment.edit", assessment)
    spec = cycle_spec(assessment.cycle)
    total = 4 + len(spec.dimensions)
    report = progress or (lambda done, total, label: None)
    report(0, total, _("Checking the file"))
    package_check(data, filename)
    report(1, total, _("Opening the workbook"))
    book = _open(data, filename)
    meta = read_meta(book, assessment)
    check_sheets(book, spec)
    reading = Reading()
    layout = L.layout_of(spec)
    for done, sheet in enumerate(spec.dimensions, start=2):
        report(done, total, _("Reading sheet %(sheet)s") % {"sheet": sheet})
        read_dimension(book[sheet], sheet, spec, layout, reading)
    report(total - 2, total, _("Reading sheet %(sheet)s") % {"sheet": L.KPIS})
    read_kpis(book[L.KPIS], spec, reading)
    if L.WARNINGS in book.sheetnames:  # workbooks downloaded before the sheet existed have none
        read_warnings(book[L.WARNINGS], layout, reading)
    report(total - 1, total, _("Saving"))
    result = _save(actor, assessment, spec, meta, reading, filename)
    report(total, total, _("Done"))
    return result


def _open(data: bytes, filename: str) -> Workbook:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops (e.g. slicers)
            return load_workbook(BytesIO(data), data_only=False, keep_vba=False, keep_links=False)
    except Exception as error:  # openpyxl raises many kinds of errors on a damaged file
        raise ApplicationError(
            _("The file was refused; nothing was saved."),
            code="invalid_values",
            problems=[
                FieldProblem(
                    "file",
                    _("%(name)s could not be read as an Excel workbook (%(error)s).")
                    % {"name": filename, "error": type(error).__name__},
                )
            ],
        ) from None


# --------------------------------------------------------------------------------------------
# Compare and save


@dataclass
class _Plan:
    items: list[ValueInput] = field(default_factory=list)
    item_cells: list[SlotCells] = field(default_factory=list)
    kpis: list[tuple[KpiCells, dict[str, Any]]] = field(default_factory=list)
    explanations: list[WarningCells] = field(default_factory=list)
    kept: list[Changed] = field(default_factory=list)


def _save(
    actor: Any, assessment: Assessment, spec: FrameworkSpec, meta: Meta, reading: Reading, filename: str
) -> ImportReport:
    assessment = _started_meanwhile(assessment)
    with assessment_write(
        actor, assessment, meta.version, path="workbook", reason=f"workbook {filename}", policy=Policy.MERGE
    ) as write:
        slots, choices, explained = _current(write.assessment)
        plan = _plan(actor, write, spec, meta, reading, slots, choices, explained)
        if write.conflicting:
            raise ApplicationError(
                _(
                    "The assessment changed on the platform after this workbook was downloaded (version "
                    "%(then)s, now %(now)s), and some of the same cells were changed in the workbook; "
                    "nothing was saved. Download a new workbook and apply your changes again."
                )
                % {"then": meta.version, "now": write.assessment.version},
                code="conflict",
                problems=[p for problems in write.conflicting.values() for p in problems],
            )
        problems = list(reading.problems)
        if plan.items:
            write.values(plan.items)
            problems += [
                _located(p, plan.item_cells)
                for subject, refusal in write.refused.items()
                if not subject.startswith("kpi:")
                for p in refusal.problems
            ]
        for kpi, changes in plan.kpis:
            write.kpi(kpi.code, **changes)
            refusal = write.refused.get(f"kpi:{kpi.code}")
            problems += (
                [FieldProblem(kpi.cell(p.field), p.message) for p in refusal.problems] if refusal else []
            )
        explanations, unneeded = _explain(write, plan.explanations)
        if problems:
            raise ApplicationError(
                ngettext(
                    "The workbook has %(n)s problem; nothing was saved.",
                    "The workbook has %(n)s problems; nothing was saved.",
                    len(problems),
                )
                % {"n": len(problems)},
                code="invalid_values",
                problems=problems,
            )
    return ImportReport(
        filename=filename,
        version=write.assessment.version,
        values=[Changed(c.cell(), c.subject) for c in plan.item_cells],
        kpis=[Changed(k.cell(next(iter(changes))), f"kpi:{k.code}") for k, changes in plan.kpis],
        kept=plan.kept,
        explanations=explanations,
        unneeded=unneeded,
    )


def _started_meanwhile(assessment: Assessment) -> Assessment:
    """The member's assessment as stored: a colleague may have started it since it was read."""
    if assessment.pk:
        return assessment
    return Assessment.objects.filter(cycle=assessment.cycle, member=assessment.member).first() or assessment


def _current(
    assessment: Assessment,
) -> tuple[dict[tuple[str, str], L.Slot], dict[str, L.KpiChoice], dict[str, tuple[str]]]:
    """The stored data, as the exported workbook shows its texts (`clean_text`: characters a workbook
    cannot hold are U+FFFD there), so that a cell left as exported is not taken for a change."""
    if not assessment.pk:
        return {}, {}, {}
    slots = {
        (code, period): L.slot_of(
            clean_text(value) if isinstance(value, str) else value,
            state,
            clean_text(reason),
            clean_text(comment),
        )
        for code, period, value, state, reason, comment in DataValue.objects.unrestricted()
        .filter(assessment=assessment)
        .values_list("element__code", "period", "value", "state", "reason", "comment")
    }
    choices = {
        code: (applicable, clean_text(justification.strip()), disclosure)
        for code, applicable, justification, disclosure in KpiResponse.objects.unrestricted()
        .filter(assessment=assessment)
        .values_list("kpi__code", "applicable", "justification", "disclosure")
    }
    explained = {
        key: (clean_text(text.strip()),)
        for key, text in WarningJustification.objects.unrestricted()
        .filter(assessment=assessment)
        .values_list("issue_key", "text")
    }
    return slots, choices, explained


def _plan(
    actor: Any,
    write: AssessmentWrite,
    spec: FrameworkSpec,
    meta: Meta,
    reading: Reading,
    slots: dict[tuple[str, str], L.Slot],
    choices: dict[str, L.KpiChoice],
    explained: dict[str, tuple[str]],
) -> _Plan:
    """What to write: cells that differ from the stored data, judged against the exported data (cells
    changed on both sides since the download are the write's conflicts)."""
    plan = _Plan()
    assessment, stale = write.assessment, write.stale
    for key, cells in reading.slots.items():
        if not cells.ok:
            continue
        now = slots.get(key, L.EMPTY_SLOT)
        if cells.parsed is not None and L.same(cells.parsed, now):
            continue
        if stale:
            exported = meta.snapshot.get(f"{L.VALUE_PREFIX}{cells.subject}")
            if exported is not None and cells.parsed is not None and L.same(cells.parsed, exported):
                plan.kept.append(Changed(cells.cell(), cells.subject))
                continue
            if exported is None or not L.same(now, exported):
                write.conflict(cells.subject, FieldProblem(cells.cell(), _conflict_text(now)))
                continue
        plan.items.append(_item(cells))
        plan.item_cells.append(cells)
    may_disclose = can(actor, "assessment.set_disclosure", assessment)
    published: PublishedLevels | None = None  # read once, if a level changes
    for code, kpi in reading.kpis.items():
        if not kpi.ok:
            continue
        now_choice = choices.get(code, (True, "", spec.kpis[code].disclosure_default))
        if L.same(kpi.choice, now_choice):
            continue
        if stale:
            exported = meta.snapshot.get(f"{L.KPI_PREFIX}{code}")
            if exported is not None and L.same(kpi.choice, exported):
                continue
            if exported is None or not L.same(now_choice, exported):
                write.conflict(
                    f"kpi:{code}", FieldProblem(kpi.cell(), _("changed on the platform after the download."))
                )
                continue
        names = ("applicable", "justification", "disclosure")
        changes = {n: new for n, new, old in zip(names, kpi.choice, now_choice, strict=True) if new != old}
        if "disclosure" in changes and not may_disclose:
            reading.problem(
                kpi.cell("disclosure"), _("only the National Contact Point may change the disclosure level.")
            )
            continue
        if "disclosure" in changes:
            # The same rule as on the platform: a level may change at any time (also in a submitted
            # assessment, where the KPI step refuses any other change), but once the member's results
            # are published a change needs a reason, which a workbook has no place for.
            published = published or published_levels(assessment)
            if published.published:
                reading.problem(
                    kpi.cell("disclosure"),
                    _(
                        "the results of this cycle have been published: change the disclosure level on "
                        "the platform, where you say why it changes."
                    ),
                )
                continue
        plan.kpis.append((kpi, changes))
    _plan_explanations(plan, write, meta, reading, explained)
    return plan


def _plan_explanations(
    plan: _Plan, write: AssessmentWrite, meta: Meta, reading: Reading, explained: dict[str, tuple[str]]
) -> None:
    """The explanations of warnings that differ from the stored ones, judged like the values."""
    for key, warning in reading.warnings.items():
        if not warning.ok:
            continue
        now = explained.get(key, ("",))
        if L.same((warning.text,), now):
            continue
        if write.stale:
            exported = meta.snapshot.get(f"{L.ISSUE_PREFIX}{key}")
            if exported is not None and L.same((warning.text,), exported):
                continue  # left as downloaded: the newer explanation stays
            if exported is None or not L.same(now, exported):
                write.conflict(
                    f"{L.ISSUE_PREFIX}{key}",
                    FieldProblem(warning.cell(), _("changed on the platform after the download.")),
                )
                continue
        plan.explanations.append(warning)


def _explain(write: AssessmentWrite, planned: list[WarningCells]) -> tuple[list[Changed], list[Changed]]:
    """Save the changed explanations of the warnings that arise from the values now saved (the one rule
    of the explanations step); return the explanations saved and those whose warning does not arise."""
    if not planned:
        return [], []
    explained = write.justify({c.key: c.text for c in planned})
    by_key = {c.key: c for c in planned}
    saved = [Changed(by_key[k].cell(), f"{L.ISSUE_PREFIX}{k}") for k in explained.saved]
    unneeded = [  # clearing the explanation of a warning that is gone changes nothing
        Changed(by_key[k].cell(), f"{L.ISSUE_PREFIX}{k}") for k in explained.not_raised if by_key[k].text
    ]
    return saved, unneeded


def _item(cells: SlotCells) -> ValueInput:
    if cells.state == L.NOT_AVAILABLE:
        return ValueInput(cells.element, cells.period, None, L.NOT_AVAILABLE, reason=cells.text, comment=None)
    return ValueInput(cells.element, cells.period, cells.raw, L.REPORTED, reason="", comment=cells.text)


def _conflict_text(now: L.Slot) -> str:
    value, state, _text = now
    shown = str(L.STATE_LABELS[state]) if state == L.NOT_AVAILABLE else ("—" if value is None else str(value))
    return _("changed on the platform after the download (it is now %(now)s).") % {"now": shown}


def _located(problem: FieldProblem, cells: list[SlotCells]) -> FieldProblem:
    """The values step names an item (`values[3].value`); the workbook names its cell."""
    match = ITEM_FIELD.match(problem.field)
    if match is None or int(match.group(1)) >= len(cells):
        return problem
    return FieldProblem(cells[int(match.group(1))].cell(match.group(2) or "value"), problem.message)
