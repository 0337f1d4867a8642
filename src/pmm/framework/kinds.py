"""KPI kinds, value types, directions and disclosure levels known to framework files.

To add a KPI kind, add one entry to KPI_KINDS: the loader and the documentation pick it up.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class KpiKind:
    code: str
    label: str | Promise
    split: bool = False  # the formula is a mapping of components (import, export, combined…)
    needs_previous_year: bool = False  # the formula must reach a T-1 value
    unit: str | None = None  # the unit the KPI must use, if any
    element_type: str | None = None  # the data element type the formula must use, if any


KPI_KINDS: dict[str, KpiKind] = {
    k.code: k
    for k in [
        KpiKind("ratio", _("ratio")),
        KpiKind("percentage", _("percentage"), unit="percent"),
        KpiKind("variation", _("variation against T-1"), needs_previous_year=True),
        KpiKind("split_shares", _("import/export split shares"), split=True),
        KpiKind("duration", _("duration")),
        KpiKind("count", _("count")),
        KpiKind("rate_per", _("rate per base")),
        KpiKind("yes_no", _("yes/no"), element_type="yes_no"),
        KpiKind("ordinal", _("ordinal scale"), element_type="choice"),
    ]
}

# Data element value types: (is numeric in formulas, implicit min, implicit max, whole numbers only)
ELEMENT_TYPES: dict[str, tuple[bool, float | None, float | None, bool]] = {
    "count": (True, 0, None, True),
    "amount": (True, 0, None, False),
    "percent": (True, 0, 100, False),
    "hours": (True, 0, None, False),
    "days": (True, 0, None, False),
    "year": (True, 1900, 2100, True),
    "yes_no": (True, None, None, False),
    "choice": (True, None, None, False),
    "text": (False, None, None, False),
}
ELEMENT_TYPE_LABELS: dict[str, str | Promise] = {
    "count": _("count"),
    "amount": _("amount"),
    "percent": _("percentage"),
    "hours": _("hours"),
    "days": _("days"),
    "year": _("year"),
    "yes_no": _("yes/no"),
    "choice": _("choice"),
    "text": _("text"),
}
# What a reported value of each numeric type can be, whatever a framework's own range allows: values
# are stored as JSON and computed with as double-precision numbers, so every accepted value must be
# one that these hold exactly. Whole-number types go up to their limit (2^53 - 1 at most: every
# integer up to there is exact); the others to a stated size, and must read back as given once stored
# (always so with at most SIGNIFICANT_DIGITS significant digits). docs/self-assessment.md lists them.
MAX_EXACT_INTEGER = 2**53 - 1
SIGNIFICANT_DIGITS = 15
VALUE_LIMITS: dict[str, int] = {
    "count": MAX_EXACT_INTEGER,
    "amount": 10**18,
    "percent": 10**6,
    "hours": 10**9,
    "days": 10**9,
    "year": 9999,
}
DERIVABLE_TYPES = frozenset({"count", "amount", "percent", "hours", "days"})

DIRECTIONS = ("higher_is_better", "lower_is_better", "context_only")
DISCLOSURE_LEVELS = ("public", "wco", "union", "country")
FRAMEWORK_STATUSES = ("draft", "active", "retired")
PROVENANCE_STATUSES = ("official", "reconstructed")
PERIODS = ("T", "T-1")
SEVERITIES = ("error", "warning")
ROLL_UP_METHODS = ("weakest_link", "average")  # how scores combine (see "Scoring (optional)")
FORMAT = "pmm-framework/1"
