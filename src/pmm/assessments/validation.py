"""Validation of an assessment's data: one implementation for the form, the workbook and the API.

Pure: plain data in, a list of `Issue` out. Two levels:
- `coerce()` and `check_entry()` judge one submitted value (type, range, period, reason). A batch
  with any such error is refused whole.
- `check_assessment()` judges the whole assessment: consistency rules, jumps against T-1 and
  required values still missing. These never stop saving; errors and unjustified warnings stop
  submission.

Messages are English templates with named parameters; `pmm.assessments.messages` translates them.
An issue names a data element by its code in `element` (for machines: API fields, justifications)
and by its label in `element_name` ({language: text}); messages show the label and the year in words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pmm.framework import formula as fx
from pmm.framework.kinds import SIGNIFICANT_DIGITS, VALUE_LIMITS
from pmm.framework.spec import ElementSpec, FrameworkSpec

REPORTED, NOT_AVAILABLE = "reported", "not_available"
STATES = (REPORTED, NOT_AVAILABLE)
MAX_TEXT = 4000


@dataclass(frozen=True)
class Entry:
    value: Any
    state: str = REPORTED
    reason: str = ""

    @property
    def filled(self) -> bool:
        return self.state == NOT_AVAILABLE or self.value is not None


@dataclass(frozen=True)
class Issue:
    key: str  # stable identity, used for justifications: "rule:CODE", "jump:ELEMENT", "missing:ELEMENT@T"…
    kind: str  # type, range, period, element, state, reason, rule, jump, missing
    severity: str  # "error" or "warning"
    message: str  # English template with {named} parameters
    params: dict[str, Any] = field(default_factory=dict)
    element: str | None = None
    period: str | None = None
    rule: str | None = None

    @property
    def needs_justification(self) -> bool:
        return self.severity == "warning"

    def shown_params(
        self, name_of: Callable[[Mapping[str, str]], str], year_of: Callable[[str], str]
    ) -> dict[str, Any]:
        """The parameters as a message shows them: the element by its label (`name_of` picks it from
        {language: text}), the period in words (`year_of`: "T" -> "year T")."""
        params = dict(self.params)
        name = params.pop("element_name", None)
        if name:
            params["element"] = name_of(name)
        if "period" in params:
            params["period"] = year_of(params["period"])
        return params

    def text(self) -> str:
        """The message in English (API errors, the command line)."""
        return self.message.format(**self.shown_params(english_name, english_year))


def english_name(name: Mapping[str, str]) -> str:
    return name.get("en") or next(iter(name.values()), "")


def english_year(period: str) -> str:
    return f"year {period}" if period in ("T", "T-1") else period


Values = Mapping[tuple[str, str], Entry]


def slot(element: str, period: str) -> str:
    return f"{element}@{period}"


def coerce(element: ElementSpec, raw: Any) -> tuple[Any, str | None]:
    """Turn an input (JSON value, cell, form text) into the stored value; return (value, error template)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    kind = element.value_type
    if kind == "text":
        text = str(raw).strip()
        return (text, None) if len(text) <= MAX_TEXT else (None, "must be at most {max} characters")
    if kind == "yes_no":
        if isinstance(raw, bool):
            return raw, None
        word = str(raw).strip().lower()
        if word in {"yes", "oui", "true", "1", "y", "o"}:
            return True, None
        if word in {"no", "non", "false", "0", "n"}:
            return False, None
        return None, "must be yes or no"
    if kind == "choice":
        code = str(raw).strip()
        if code in element.options:
            return code, None
        for option, labels in element.option_labels.items():
            if code.lower() in {label.lower() for label in labels.values()}:
                return option, None
        return None, "must be one of: {options}"
    number = _number(raw)
    if number is None:
        return None, "must be a number"
    limit = VALUE_LIMITS.get(kind)
    if limit is not None and abs(number) > limit:
        return None, "must be between -{limit} and {limit}"
    if element.whole_numbers:
        return (int(number), None) if number == int(number) else (None, "must be a whole number")
    if not _held_exactly(number):
        return None, "cannot be stored exactly: give at most {digits} significant digits"
    return float(number), None


def _number(raw: Any) -> Decimal | None:
    """The number `raw` says, exactly (a JSON integer of any size stays exact), or None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw)) if math.isfinite(raw) else None
    text = re.sub(r"[\s\u00a0\u202f]", "", str(raw))
    if "," in text and "." in text:
        return None
    text = text.replace(",", ".")
    if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", text):
        return None
    try:
        return Decimal(text)
    except ArithmeticError:  # an exponent beyond what Decimal allows
        return None


def _held_exactly(number: Decimal) -> bool:
    """Whether the stored (double-precision) number reads back as `number`: always so with at most
    SIGNIFICANT_DIGITS significant digits, and for any number that came in as a JSON decimal."""
    return Decimal(repr(float(number))) == number


def check_entry(
    spec: FrameworkSpec, element_code: str, period: str, raw: Any, state: str, reason: str
) -> tuple[Entry | None, list[Issue]]:
    """Check one submitted value; return the entry to store (None when refused) and its problems."""
    where: dict[str, Any] = {"element": element_code, "period": period}
    element = spec.elements.get(element_code)
    if element is not None:
        where["element_name"] = element.name
    if element is None or element.derived is not None:
        message = (
            "unknown data element {element}" if element is None else "“{element}” is computed, not reported"
        )
        return None, [
            Issue(f"element:{element_code}", "element", "error", message, where, element_code, period)
        ]
    if period not in element.periods:
        return None, [
            Issue(
                f"period:{slot(element_code, period)}",
                "period",
                "error",
                "“{element}” is not collected for {period}",
                where,
                element_code,
                period,
            )
        ]
    if state not in STATES:
        return None, [
            Issue(
                f"state:{slot(element_code, period)}",
                "state",
                "error",
                "the state must be reported or not_available",
                where,
                element_code,
                period,
            )
        ]
    if state == NOT_AVAILABLE:
        if not reason.strip():
            return None, [
                Issue(
                    f"reason:{slot(element_code, period)}",
                    "reason",
                    "error",
                    "say why “{element}” is not available for {period}",
                    where,
                    element_code,
                    period,
                )
            ]
        return Entry(None, NOT_AVAILABLE, reason.strip()), []
    value, error = coerce(element, raw)
    if error:
        params = {
            **where,
            "options": ", ".join(element.options),
            "max": MAX_TEXT,
            "value": raw,
            "limit": VALUE_LIMITS.get(element.value_type),
            "digits": SIGNIFICANT_DIGITS,
        }
        return None, [
            Issue(
                f"type:{slot(element_code, period)}",
                "type",
                "error",
                "“{element}” ({period}) " + error,
                params,
                element_code,
                period,
            )
        ]
    if isinstance(value, int | float) and not isinstance(value, bool) and element.value_type != "choice":
        low, high = element.minimum, element.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = {**where, "value": value, "min": _fmt(low), "max": _fmt(high)}
            message = (
                "“{element}” ({period}) must be between {min} and {max}, not {value}"
                if low is not None and high is not None
                else "“{element}” ({period}) must be at least {min}, not {value}"
                if low is not None
                else "“{element}” ({period}) must be at most {max}, not {value}"
            )
            return None, [
                Issue(
                    f"range:{slot(element_code, period)}",
                    "range",
                    "error",
                    message,
                    bounds,
                    element_code,
                    period,
                )
            ]
    return Entry(value, REPORTED, ""), []


def _fmt(number: float | None) -> str:
    if number is None:
        return ""
    return str(int(number)) if float(number).is_integer() else str(number)


def formula_values(spec: FrameworkSpec, values: Values) -> dict[fx.Ref, float | bool | None]:
    """Numbers for formulas: choices become their scores, derived elements are computed."""
    result: dict[fx.Ref, float | bool | None] = {}
    for (code, period), entry in values.items():
        element = spec.elements.get(code)
        if element is None or entry.state != REPORTED or entry.value is None:
            continue
        if element.value_type == "choice":
            result[fx.Ref(code, period)] = element.options.get(entry.value)
        elif element.value_type != "text":
            result[fx.Ref(code, period)] = entry.value
    for _round in range(len(spec.elements)):
        progressed = False
        for element in spec.elements.values():
            if element.derived is None:
                continue
            for period in element.periods:
                ref = fx.Ref(element.code, period)
                if ref in result:
                    continue
                expr = element.derived if period == "T" else fx.for_previous_year(element.derived)
                outcome = fx.evaluate(expr, result)
                if isinstance(outcome, fx.Computed):
                    result[ref] = outcome.value
                    progressed = True
        if not progressed:
            break
    return result


def needed_slots(spec: FrameworkSpec, not_applicable: Iterable[str]) -> list[tuple[str, str]]:
    """The (element, period) slots a member must fill: required elements of applicable KPIs."""
    skipped = set(not_applicable)
    used_by_applicable = {e for k in spec.kpis.values() if k.code not in skipped for e in k.elements}
    used_at_all = {e for k in spec.kpis.values() for e in k.elements}
    slots: list[tuple[str, str]] = []
    for element in spec.elements.values():
        if element.derived is not None or not element.required:
            continue
        if element.code in used_by_applicable or element.code not in used_at_all:
            slots.extend((element.code, period) for period in element.periods)
    return slots


def jump_checked(element: ElementSpec) -> bool:
    """Whether a change of `element` from T-1 to T beyond the threshold raises a warning."""
    return "T-1" in element.periods and element.value_type not in {"text", "choice", "yes_no", "year"}


def warning_keys(spec: FrameworkSpec) -> list[str]:
    """The key of every warning `check_assessment` can raise, in the order it raises them."""
    rules = [f"rule:{rule.code}" for rule in spec.rules if rule.severity == "warning"]
    return rules + [f"jump:{element.code}" for element in spec.elements.values() if jump_checked(element)]


def check_assessment(
    spec: FrameworkSpec, values: Values, not_applicable: Iterable[str], jump_threshold_percent: float
) -> list[Issue]:
    """Rules, jumps against T-1 and missing required values, in framework order."""
    not_applicable = set(not_applicable)
    issues: list[Issue] = []
    numbers = formula_values(spec, values)
    for rule in spec.rules:
        if not fx.references(rule.expr) <= numbers.keys():
            continue  # a rule is checked once all its inputs are reported; missing ones are reported alone
        result = fx.evaluate(rule.expr, numbers)
        if isinstance(result, fx.Computed) and result.value is False:
            issues.append(
                Issue(
                    f"rule:{rule.code}",
                    "rule",
                    rule.severity,
                    "{rule_message}",
                    {
                        "rule_message": rule.message.get("en", rule.code),
                        "rule": rule.code,
                        "translations": rule.message,
                    },
                    rule=rule.code,
                    element=sorted(rule.elements)[0] if rule.elements else None,
                )
            )
    for element in spec.elements.values():
        if not jump_checked(element):
            continue
        now, before = numbers.get(fx.Ref(element.code, "T")), numbers.get(fx.Ref(element.code, "T-1"))
        if not isinstance(now, int | float) or not isinstance(before, int | float):
            continue
        if before == 0:
            jumped, change = now != 0, None
        else:
            change = 100 * (now - before) / abs(before)
            jumped = abs(change) > jump_threshold_percent
        if jumped:
            issues.append(
                Issue(
                    f"jump:{element.code}",
                    "jump",
                    "warning",
                    "“{element}” changed from {before} in year T-1 to {now} in year T{change_text}; "
                    "explain the change",
                    {
                        "element": element.code,
                        "element_name": element.name,
                        "before": _fmt(before),
                        "now": _fmt(now),
                        "change_text": f", {change:+.0f}%" if change is not None else "",
                    },
                    element=element.code,
                )
            )
    for code, period in needed_slots(spec, not_applicable):
        entry = values.get((code, period))
        if entry is None or not entry.filled:
            issues.append(
                Issue(
                    f"missing:{slot(code, period)}",
                    "missing",
                    "error",
                    "“{element}” ({period}) is missing: report it or say why it is not available",
                    {"element": code, "element_name": spec.elements[code].name, "period": period},
                    element=code,
                    period=period,
                )
            )
    return issues


def blocking(issues: Iterable[Issue], justified: Iterable[str]) -> list[Issue]:
    """What stops submission: every error, and every warning without a justification."""
    justified = set(justified)
    return [i for i in issues if i.severity == "error" or i.key not in justified]


@dataclass(frozen=True)
class Completeness:
    filled: int
    total: int

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else math.floor(100 * self.filled / self.total)


def completeness(
    spec: FrameworkSpec, values: Values, not_applicable: Iterable[str]
) -> tuple[Completeness, dict[str, Completeness]]:
    """Overall and per-outcome share of the needed slots that are reported or explained."""
    slots = needed_slots(spec, not_applicable)
    skipped = set(not_applicable)
    filled = {s for s in slots if (entry := values.get(s)) is not None and entry.filled}
    per_outcome = {}
    for outcome in spec.outcomes.values():
        elements = {e for k in outcome.kpis if k not in skipped for e in spec.kpis[k].elements}
        mine = [s for s in slots if s[0] in elements]
        per_outcome[outcome.code] = Completeness(sum(1 for s in mine if s in filled), len(mine))
    return Completeness(len(filled), len(slots)), per_outcome
