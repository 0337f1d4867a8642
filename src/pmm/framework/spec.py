"""What validation and completeness need to know of a framework, as plain frozen data (no ORM).

Built from the framework's stored document, which never changes once the framework is active,
so a spec is cached by the document's fingerprint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pmm.framework import formula as fx
from pmm.framework.kinds import ELEMENT_TYPES


@dataclass(frozen=True)
class ElementSpec:
    code: str
    name: dict[str, str]
    value_type: str
    periods: tuple[str, ...]
    minimum: float | None
    maximum: float | None
    required: bool
    options: dict[str, float] = field(default_factory=dict)  # choice code -> score
    option_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    currency: str = ""
    derived: fx.Expr | None = None
    position: int = 0

    @property
    def whole_numbers(self) -> bool:
        return ELEMENT_TYPES[self.value_type][3]


@dataclass(frozen=True)
class KpiSpec:
    code: str
    name: dict[str, str]
    outcome: str
    dimension: str
    elements: frozenset[str]
    disclosure_default: str
    formulas: dict[str, fx.Expr]
    kind: str = ""
    unit: str = ""
    direction: str = ""
    minimum: float | None = None
    maximum: float | None = None
    position: int = 0


@dataclass(frozen=True)
class RuleSpec:
    code: str
    expr: fx.Expr
    severity: str
    message: dict[str, str]
    elements: frozenset[str]


@dataclass(frozen=True)
class OutcomeSpec:
    code: str
    name: dict[str, str]
    dimension: str
    kpis: tuple[str, ...]


@dataclass(frozen=True)
class DimensionSpec:
    code: str
    name: dict[str, str]
    outcomes: tuple[str, ...]


@dataclass(frozen=True)
class BandSpec:
    """One band of a scoring scale."""

    code: str
    label: dict[str, str]
    points: float


@dataclass(frozen=True)
class KpiBandsSpec:
    """How one KPI is scored: `thresholds` (cut points, ascending) or, for a yes_no KPI, two bands."""

    kpi: str
    component: str = "value"  # the formula component scored ("value" when the KPI has one formula)
    thresholds: tuple[float, ...] = ()
    yes_band: str = ""
    no_band: str = ""


@dataclass(frozen=True)
class ScoringSpec:
    """A framework's optional scoring: the scale from worst to best, the roll-up and the scored KPIs."""

    scale: tuple[BandSpec, ...]
    roll_up: str  # "weakest_link" or "average"
    kpis: dict[str, KpiBandsSpec]

    def band(self, code: str) -> BandSpec:
        return next(b for b in self.scale if b.code == code)


@dataclass(frozen=True)
class FrameworkSpec:
    fingerprint: str
    elements: dict[str, ElementSpec]
    kpis: dict[str, KpiSpec]
    rules: tuple[RuleSpec, ...]
    outcomes: dict[str, OutcomeSpec]
    dimensions: dict[str, DimensionSpec]
    scoring: ScoringSpec | None = None

    def kpis_using(self, element: str) -> list[str]:
        return [k.code for k in self.kpis.values() if element in k.elements]


_CACHE: dict[str, FrameworkSpec] = {}


def spec_of(framework: Any) -> FrameworkSpec:
    """The spec of a stored framework (`pmm.framework.models.Framework`): built once per fingerprint."""
    return spec_from_document(framework.document, framework.fingerprint)


def spec_from_document(document: dict[str, Any], fingerprint: str) -> FrameworkSpec:
    """The spec of a checked framework document (cached by fingerprint)."""
    cached = _CACHE.get(fingerprint)
    if cached is not None:
        return cached
    elements = {}
    for position, e in enumerate(document["data_elements"]):
        bounds = e.get("range") or {}
        implicit = ELEMENT_TYPES[e["type"]]
        minimum = bounds.get("min", implicit[1])
        maximum = bounds.get("max", implicit[2])
        options = {o["code"]: float(o["score"]) for o in e.get("options", [])}
        elements[e["code"]] = ElementSpec(
            code=e["code"],
            name=e["name"],
            value_type=e["type"],
            periods=tuple(e.get("periods", ["T"])),
            minimum=minimum,
            maximum=maximum,
            required=e.get("required", True),
            options=options,
            option_labels={o["code"]: o["label"] for o in e.get("options", [])},
            currency=e.get("currency", ""),
            derived=fx.parse(e["formula"]) if e.get("formula") else None,
            position=position,
        )
    kpis: dict[str, KpiSpec] = {}
    outcomes: dict[str, OutcomeSpec] = {}
    dimensions: dict[str, DimensionSpec] = {}
    for d in document["dimensions"]:
        for o in d["outcomes"]:
            for k in o["kpis"]:
                texts = k["formula"] if isinstance(k["formula"], dict) else {"value": k["formula"]}
                formulas = {name: fx.parse(text) for name, text in texts.items()}
                used = frozenset(r.element for expr in formulas.values() for r in fx.references(expr))
                kpis[k["code"]] = KpiSpec(
                    code=k["code"],
                    name=k["name"],
                    outcome=o["code"],
                    dimension=d["code"],
                    elements=used,
                    disclosure_default=k["disclosure_default"],
                    formulas=formulas,
                    kind=k["kind"],
                    unit=k["unit"],
                    direction=k["direction"],
                    minimum=(k.get("range") or {}).get("min"),
                    maximum=(k.get("range") or {}).get("max"),
                    position=len(kpis),
                )
            outcomes[o["code"]] = OutcomeSpec(
                o["code"], o["name"], d["code"], tuple(k["code"] for k in o["kpis"])
            )
        dimensions[d["code"]] = DimensionSpec(d["code"], d["name"], tuple(o["code"] for o in d["outcomes"]))
    rules = []
    for r in document.get("consistency_rules") or []:
        expr = fx.parse(r["check"])
        rules.append(
            RuleSpec(
                code=r["code"],
                expr=expr,
                severity=r["severity"],
                message=r["message"],
                elements=frozenset(ref.element for ref in fx.references(expr)),
            )
        )
    spec = FrameworkSpec(
        fingerprint=fingerprint,
        elements=elements,
        kpis=kpis,
        rules=tuple(rules),
        outcomes=outcomes,
        dimensions=dimensions,
        scoring=_scoring_spec(document.get("scoring"), document["dimensions"]),
    )
    _CACHE[fingerprint] = spec
    return spec


def _scoring_spec(scoring: dict[str, Any] | None, dimensions: list[dict[str, Any]]) -> ScoringSpec | None:
    if not scoring:
        return None
    formulas = {k["code"]: k["formula"] for d in dimensions for o in d["outcomes"] for k in o["kpis"]}
    kpis = {}
    for code, entry in scoring["kpis"].items():
        split = isinstance(formulas[code], dict)  # a split KPI scores `combined` unless it names one
        kpis[code] = KpiBandsSpec(
            kpi=code,
            component=entry.get("component", "combined") if split else "value",
            thresholds=tuple(float(t) for t in entry.get("thresholds", ())),
            yes_band=entry.get("yes_band", ""),
            no_band=entry.get("no_band", ""),
        )
    return ScoringSpec(
        scale=tuple(BandSpec(b["code"], b["label"], float(b["points"])) for b in scoring["scale"]),
        roll_up=scoring["roll_up"],
        kpis=kpis,
    )
