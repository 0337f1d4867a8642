"""Where everything sits in a member's workbook: shared by the export and the import.

Sheets: "Instructions", one sheet per dimension (named by its code, e.g. "D1"), "KPIs", "Warnings"
(every warning the checks can raise, with a cell to explain it), and two hidden ones: "_lists"
(the drop-down lists) and "_meta" (what the workbook is for, and the values it was exported with).
A data element has ONE input row in the whole workbook, in the first outcome (framework order)
whose KPIs use it; other dimensions that use it show a locked reference row pointing to it.
Elements no KPI uses (supporting figures of consistency rules) sit right after a rule partner,
else after the element listed before them in the framework.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pmm.assessments.models import Disclosure
from pmm.assessments.validation import warning_keys
from pmm.core.downloads import XLSX_TYPE
from pmm.framework import formula as fx
from pmm.framework.spec import FrameworkSpec

TEMPLATE_VERSION = "pmm-workbook/1"
CONTENT_TYPE = XLSX_TYPE

INSTRUCTIONS, KPIS, WARNINGS, LISTS, META = "Instructions", "KPIs", "Warnings", "_lists", "_meta"
HEADER_ROW, FIRST_ROW = 4, 5
MAX_CELL_TEXT = 32_767  # the most characters a cell holds in Excel (and LibreOffice)

# Dimension sheets: columns
CODE, NAME, UNIT = "A", "B", "C"
VALUE = {"T": "D", "T-1": "E"}
STATE = {"T": "F", "T-1": "G"}
TEXT = {"T": "H", "T-1": "I"}  # the reason when not available, otherwise a comment
INPUT_COLUMNS = "DEFGHI"
PERIODS = ("T", "T-1")

# KPIs sheet: columns
KPI_CODE, KPI_NAME, KPI_OUTCOME = "A", "B", "C"
KPI_APPLICABLE, KPI_JUSTIFICATION, KPI_DISCLOSURE = "D", "E", "F"
KPI_INPUT_COLUMNS = "DEF"

# Warnings sheet: columns (one row per warning the checks can raise, in `warning_keys` order)
WARNING_CODE, WARNING_KIND, WARNING_CHECK, WARNING_NOW, WARNING_JUSTIFICATION = "A", "B", "C", "D", "E"
WARNING_INPUT_COLUMNS = "E"

# _meta keys (column A), values in column B
META_KEYS = (
    "template_version",
    "cycle",
    "member",
    "framework",
    "framework_version",
    "framework_fingerprint",
    "assessment_version",
    "language",
    "exported_at",
)
VALUE_PREFIX, KPI_PREFIX, ISSUE_PREFIX = "value:", "kpi:", "issue:"
SNAPSHOT_PREFIXES = (VALUE_PREFIX, KPI_PREFIX, ISSUE_PREFIX)

REPORTED, NOT_AVAILABLE = "reported", "not_available"
STATE_LABELS: dict[str, Promise] = {REPORTED: _("reported"), NOT_AVAILABLE: _("not available")}
YES_NO_LABELS: dict[bool, Promise] = {True: _("yes"), False: _("no")}
NUMERIC_TYPES = frozenset({"count", "amount", "percent", "hours", "days", "year"})


def cell_name(sheet: str, cell: str) -> str:
    """How a problem names its place: 'Sheet D1, cell E12'."""
    return str(_("Sheet %(sheet)s, cell %(cell)s") % {"sheet": sheet, "cell": cell})


def sheet_name(sheet: str) -> str:
    return str(_("Sheet %(sheet)s") % {"sheet": sheet})


# --------------------------------------------------------------------------------------------
# Which rows each dimension sheet has


@dataclass(frozen=True)
class SheetRow:
    kind: str  # "outcome", "element" (the input row) or "reference" (the input row is on `home`)
    code: str
    home: str = ""


@dataclass(frozen=True)
class Layout:
    sheets: dict[str, tuple[SheetRow, ...]]  # dimension code -> its rows from FIRST_ROW on
    home: dict[str, tuple[str, int]]  # element code -> (sheet, row) of its input row
    kpis: tuple[str, ...]  # KPI codes in the order of the KPIs sheet
    warnings: tuple[str, ...] = ()  # issue keys ("rule:CODE", "jump:ELEMENT"), Warnings sheet order

    def kpi_row(self, code: str) -> int:
        return FIRST_ROW + self.kpis.index(code)

    def warning_row(self, key: str) -> int:
        return FIRST_ROW + self.warnings.index(key)


def _inputs(spec: FrameworkSpec, codes: Iterable[str]) -> set[str]:
    """The reported elements behind `codes`: a derived element stands for the elements it reads."""
    found: set[str] = set()
    seen: set[str] = set()
    stack = list(codes)
    while stack:
        code = stack.pop()
        element = spec.elements.get(code)
        if element is None or code in seen:
            continue
        seen.add(code)
        if element.derived is None:
            found.add(code)
        else:
            stack.extend(ref.element for ref in fx.references(element.derived))
    return found


def _anchors(spec: FrameworkSpec, placed: Mapping[str, Any]) -> dict[str | None, list[str]]:
    """Elements no KPI uses, attached to the placed element they are shown after (None: nowhere)."""
    ordered = sorted(spec.elements.values(), key=lambda e: e.position)
    attached: dict[str | None, list[str]] = {}
    for element in ordered:
        if element.code in placed or element.derived is not None:
            continue
        partners = sorted(
            (p for rule in spec.rules if element.code in rule.elements for p in rule.elements if p in placed),
            key=lambda p: spec.elements[p].position,
        )
        before = [e.code for e in ordered if e.position < element.position and e.code in placed]
        after = [e.code for e in ordered if e.code in placed]
        anchor = partners[0] if partners else before[-1] if before else after[0] if after else None
        attached.setdefault(anchor, []).append(element.code)
    return attached


def _build(spec: FrameworkSpec) -> Layout:
    home_outcome: dict[str, str] = {}
    used: dict[str, list[str]] = {}  # outcome -> its elements, framework order
    for dimension in spec.dimensions.values():
        for outcome_code in dimension.outcomes:
            codes = _inputs(
                spec, (e for k in spec.outcomes[outcome_code].kpis for e in spec.kpis[k].elements)
            )
            used[outcome_code] = sorted(codes, key=lambda c: spec.elements[c].position)
            for code in used[outcome_code]:
                home_outcome.setdefault(code, outcome_code)
    attached = _anchors(spec, home_outcome)
    sheets: dict[str, tuple[SheetRow, ...]] = {}
    home: dict[str, tuple[str, int]] = {}
    for dimension in spec.dimensions.values():
        rows: list[SheetRow] = []
        on_sheet: set[str] = set()
        for outcome_code in dimension.outcomes:
            rows.append(SheetRow("outcome", outcome_code))
            for code in used[outcome_code]:
                if code in on_sheet:
                    continue
                on_sheet.add(code)
                if home_outcome[code] != outcome_code:
                    home_dimension = spec.outcomes[home_outcome[code]].dimension
                    rows.append(SheetRow("reference", code, home_dimension))
                    continue
                for element in (code, *attached.get(code, [])):
                    home[element] = (dimension.code, FIRST_ROW + len(rows))
                    rows.append(SheetRow("element", element))
        sheets[dimension.code] = tuple(rows)
    if attached.get(None) and sheets:  # only when no KPI uses any element: on the first sheet
        first = next(iter(sheets))
        for code in attached[None]:
            home[code] = (first, FIRST_ROW + len(sheets[first]))
            sheets[first] = (*sheets[first], SheetRow("element", code))
    kpis = tuple(k for d in spec.dimensions.values() for o in d.outcomes for k in spec.outcomes[o].kpis)
    return Layout(sheets, home, kpis, tuple(warning_keys(spec)))


_LAYOUTS: dict[str, Layout] = {}


def layout_of(spec: FrameworkSpec) -> Layout:
    """The layout of a framework's workbook (cached by the framework's fingerprint)."""
    if spec.fingerprint not in _LAYOUTS:
        _LAYOUTS[spec.fingerprint] = _build(spec)
    return _LAYOUTS[spec.fingerprint]


# --------------------------------------------------------------------------------------------
# Labels in drop-downs, read back in any language


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


@cache
def _reader(kind: str, languages_key: tuple[str, ...]) -> dict[str, Any]:
    labels: Mapping[Any, Any] = (
        STATE_LABELS
        if kind == "state"
        else YES_NO_LABELS
        if kind == "yes_no"
        else {d.value: d.label for d in Disclosure}
    )
    words: dict[str, Any] = {}
    for language in languages_key:
        with translation.override(language):
            for key, label in labels.items():
                words[str(label).strip().lower()] = key
    for key in labels:
        if isinstance(key, str):
            words[key.lower()] = key
    if kind == "yes_no":
        words.update({"true": True, "false": False, "oui": True, "non": False, "yes": True, "no": False})
    return words


def read_label(kind: str, text: Any) -> Any:
    """The code behind a drop-down label of any language ('not available' -> 'not_available');
    None when the text is not one of them."""
    if isinstance(text, bool) and kind == "yes_no":
        return text
    if not isinstance(text, str):
        return None
    return _reader(kind, tuple(languages())).get(text.strip().lower())


# --------------------------------------------------------------------------------------------
# What a slot holds, compared the same way on export, import and in the snapshot in _meta

Slot = tuple[Any, str, str]  # (value, state, text): text is the reason if not available, else the comment
KpiChoice = tuple[bool, str, str]  # (applicable, justification, disclosure)


def slot_of(value: Any, state: str, reason: str, comment: str) -> Slot:
    if state == NOT_AVAILABLE:
        return (None, NOT_AVAILABLE, reason.strip())
    return (value, REPORTED, comment.strip())


EMPTY_SLOT: Slot = (None, REPORTED, "")


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def same_value(a: Any, b: Any) -> bool:
    """Equal, with numbers compared within a rounding error (a spreadsheet may keep 15 digits)."""
    if _is_number(a) and _is_number(b):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return type(a) is type(b) and bool(a == b)


def same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))


def snapshot_dump(item: tuple[Any, ...]) -> str:
    return json.dumps(list(item), ensure_ascii=False, separators=(",", ":"))


def snapshot_load(text: Any) -> tuple[Any, ...] | None:
    """A snapshot item as dumped: a slot, a KPI choice, or a warning's explanation `(text,)`."""
    if not isinstance(text, str):
        return None
    try:
        loaded = json.loads(text)
    except ValueError:
        return None
    return tuple(loaded) if isinstance(loaded, list) and loaded else None


def warning_code(key: str) -> str:
    """What the Warnings sheet shows of an issue key: the rule's or the element's code."""
    return key.partition(":")[2]
