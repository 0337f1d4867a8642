"""Synthetic but plausible self-assessment data for the demo.

Pure: plain member facts, a framework spec and a seed in; plans of writes out (no ORM, no clock).
`pmm.demo` carries the plans out through the real services, so history and audit are real.

Figures follow the suggested ranges of pmm-domain.md §5 (not WCO figures): electronic declarations
85-100 % of the total (mean ≈ 98 %), AEO count variation -10...+40 %, AEO share of trade value 0-50 %
(median ≈ 10 %), e-commerce share of import shipments 0-90 % by count (skewed) and ≤ 5 % by value,
release time 2-150 h, physical examination 2-60 %, hit rate 1-30 %, cost of collection 0.5-5 % of
revenue, staff trained 20-90 %, women 15-55 % of the workforce. Counts scale with a member's "size"
(its number of declarations); amounts are in a made-up national currency per member.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pmm.assessments.services import ValueInput
from pmm.assessments.validation import Entry, Issue, check_assessment, needed_slots
from pmm.framework.spec import FrameworkSpec

DEFAULT_SEED = 2024
JUMP_THRESHOLD_PERCENT = 50.0  # the platform default (settings.PMM_JUMP_THRESHOLD_PERCENT)

NOT_STARTED, IN_PROGRESS, SUBMITTED = "not_started", "in_progress", "submitted"
STATUS_COUNTS = {NOT_STARTED: 15, IN_PROGRESS: 25, SUBMITTED: 20}
FIXED_STATUS = {"KEN": IN_PROGRESS, "FRA": SUBMITTED, "CAN": SUBMITTED}
EARLIER_CYCLE_MEMBERS = 10

ECOM_ELEMENTS = (
    "ECOM_IMPORT_COUNT",
    "ECOM_EXPORT_COUNT",
    "ECOM_IMPORT_VALUE",
    "ECOM_EXPORT_VALUE",
    "ECOM_ADVANCE_DATA_COUNT",
)
ECOM_REASON = "E-commerce shipments are not identified separately in the clearance system yet."
TRANSIT_KPIS = ("D1.O8.K1", "D1.O8.K2")
COMMENTS = {
    "RELEASE_TIME_IMPORT_AVG_H": "Sea cargo only; air cargo release time is not measured yet.",
    "DECL_TOTAL": "Includes simplified declarations.",
    "REVENUE_CUSTOMS_TOTAL": "Provisional figure from the Treasury; final accounts due in June.",
    "STAFF_TOTAL": "Headcount on 31 December, including staff on secondment.",
    "AEO_COUNT": "Importers and exporters only; brokers join the programme next year.",
}
TRANSIT_JUSTIFICATION = (
    "An island state with no land border: goods are not moved under a Customs transit regime, "
    "so transit operations do not exist."
)


@dataclass(frozen=True)
class MemberInfo:
    iso3: str
    region: str = ""  # group code, e.g. "region-europe"
    income: str = ""  # "low", "lower_middle", "upper_middle", "high"
    landlocked: bool = False
    island: bool = False
    unions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profile:
    """What a member's figures follow: its size, digital maturity and currency."""

    declarations: int
    maturity: float  # 0 (paper-based) … 1 (fully digital)
    currency_per_usd: float


@dataclass(frozen=True)
class ValueBatch:
    items: tuple[ValueInput, ...]
    path: str
    reason: str = ""


@dataclass(frozen=True)
class KpiChoice:
    kpi: str
    applicable: bool | None = None
    justification: str | None = None
    disclosure: str | None = None


@dataclass
class AssessmentPlan:
    """The writes that make one member's assessment, in order, and what they leave."""

    member: MemberInfo
    status: str
    year: int
    batches: list[ValueBatch] = field(default_factory=list)
    kpi_choices: list[KpiChoice] = field(default_factory=list)
    justifications: dict[str, str] = field(default_factory=dict)  # issue key -> text
    entries: dict[tuple[str, str], Entry] = field(default_factory=dict)  # the final values
    target_percent: int = 100
    jump_threshold: float = JUMP_THRESHOLD_PERCENT

    @property
    def not_applicable(self) -> set[str]:
        return {c.kpi for c in self.kpi_choices if c.applicable is False}

    def issues(self, spec: FrameworkSpec) -> list[Issue]:
        return check_assessment(spec, self.entries, self.not_applicable, self.jump_threshold)


@dataclass
class DemoPlan:
    year: int
    assessments: list[AssessmentPlan]
    earlier: list[AssessmentPlan]  # the earlier cycle's (all submitted)

    def count(self, status: str) -> int:
        return sum(1 for a in self.assessments if a.status == status)


# --------------------------------------------------------------------------------------------
# Members and statuses


def choose_members(members: Sequence[MemberInfo], rng: random.Random, total: int) -> list[MemberInfo]:
    """`total` members spread over the WCO regions in proportion to their size; Kenya, France and
    Canada (the demo accounts' members) always among them."""
    by_iso = {m.iso3: m for m in members}
    chosen = [by_iso[code] for code in FIXED_STATUS if code in by_iso]
    rest = sorted((m for m in members if m.iso3 not in FIXED_STATUS), key=lambda m: m.iso3)
    regions: dict[str, list[MemberInfo]] = {}
    for m in rest:
        regions.setdefault(m.region, []).append(m)
    wanted = max(0, min(total, len(members)) - len(chosen))
    quotas = {r: wanted * len(ms) / len(rest) for r, ms in regions.items()} if rest else {}
    counts = {r: math.floor(q) for r, q in quotas.items()}
    for r in sorted(quotas, key=lambda r: quotas[r] - counts[r], reverse=True)[
        : wanted - sum(counts.values())
    ]:
        counts[r] += 1
    for region in sorted(regions):
        chosen += rng.sample(regions[region], min(counts.get(region, 0), len(regions[region])))
    return sorted(chosen, key=lambda m: m.iso3)


def assign_statuses(members: Sequence[MemberInfo], rng: random.Random) -> dict[str, str]:
    statuses = {m.iso3: FIXED_STATUS[m.iso3] for m in members if m.iso3 in FIXED_STATUS}
    others = [m.iso3 for m in members if m.iso3 not in FIXED_STATUS]
    rng.shuffle(others)
    pool: list[str] = []
    for status, wanted in STATUS_COUNTS.items():
        already = sum(1 for s in statuses.values() if s == status)
        pool += [status] * max(0, wanted - already)
    pool += [NOT_STARTED] * max(0, len(others) - len(pool))
    for iso3, status in zip(others, pool, strict=False):
        statuses[iso3] = status
    return statuses


# --------------------------------------------------------------------------------------------
# Figures


_INCOME_SIZE = {"high": 3.0, "upper_middle": 1.5, "lower_middle": 1.0, "low": 0.5}
_INCOME_MATURITY = {
    "high": (0.8, 1.0),
    "upper_middle": (0.6, 0.95),
    "lower_middle": (0.4, 0.85),
    "low": (0.2, 0.7),
}
_CUSTOMS_SHARE_OF_TAX = {
    "high": (0.03, 0.12),
    "upper_middle": (0.08, 0.25),
    "lower_middle": (0.15, 0.35),
    "low": (0.25, 0.5),
}


def member_profile(member: MemberInfo, seed: int) -> Profile:
    rng = random.Random(f"{seed}/{member.iso3}/profile")
    size = 10 ** rng.uniform(4.3, 6.4) * _INCOME_SIZE.get(member.income, 1.0)
    if member.island:
        size *= 0.1
    low, high = _INCOME_MATURITY.get(member.income, (0.4, 0.9))
    return Profile(
        declarations=max(3000, round(size)),
        maturity=rng.uniform(low, high),
        currency_per_usd=round(10 ** rng.uniform(-0.2, 3.5), 3),
    )


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _earlier(rng: random.Random, now: int, low: float, high: float) -> int:
    """A T-1 count from which T changed by a share drawn in [low, high]."""
    return round(now / (1 + rng.uniform(low, high)))


def model_values(member: MemberInfo, profile: Profile, year: int, seed: int) -> dict[tuple[str, str], Any]:
    """Every element of PMM v1 for T and T-1, consistent with the framework's rules."""
    rng = random.Random(f"{seed}/{member.iso3}/{year}")
    growth = 1.04 ** (year - 2024)  # earlier years: a little smaller
    m = profile.maturity
    fx = profile.currency_per_usd
    v: dict[str, Any] = {}
    previous: dict[str, Any] = {}

    d = max(3000, round(profile.declarations * growth * rng.uniform(0.95, 1.05)))
    imports = round(d * rng.uniform(0.4, 0.7))
    electronic_share = 1 - min(0.15, rng.expovariate(1 / (0.04 * (1 - m) + 0.003)))
    exam_rate = _clamp(0.02 + (1 - m) * rng.uniform(0.05, 0.6), 0.02, 0.6)
    exams = round(imports * exam_rate)
    controls = exams + round(imports * rng.uniform(0.03, 0.25))
    v |= {
        "DECL_TOTAL": d,
        "DECL_ELECTRONIC": round(d * electronic_share),
        "DECL_IMPORT_TOTAL": imports,
        "DECL_IMPORT_PREARRIVAL": round(imports * _clamp(m * rng.uniform(0.3, 0.9), 0.01, 1)),
        "DECL_IMPORT_PHYSICAL_EXAM": exams,
        "DECL_IMPORT_NO_INTERVENTION": round((imports - exams) * rng.uniform(0.3, 0.9) * m),
        "PHYSICAL_EXAM_POSITIVE": round(exams * rng.uniform(0.01, 0.3)),
        "CONTROLS_TOTAL": controls,
        "CONTROLS_RISK_SELECTED": round(controls * rng.uniform(0.55, 0.98)),
    }
    alignment = (
        "full"
        if m > 0.85 and rng.random() < 0.5
        else "none"
        if m < 0.45 and rng.random() < 0.4
        else "partial"
    )
    v["DATA_MODEL_ALIGNMENT"] = alignment
    if rng.random() < 0.6:
        v["DATA_MODEL_ALIGNED_SHARE"] = {"none": 0, "full": 100}.get(alignment, round(rng.uniform(20, 90), 1))

    import_value = round(imports * rng.uniform(15_000, 60_000) * fx)
    export_value = round(import_value * rng.uniform(0.3, 1.4))
    revenue = round(import_value * rng.uniform(0.08, 0.22))
    previous["REVENUE_CUSTOMS_TOTAL"] = round(revenue / (1 + rng.uniform(-0.05, 0.2)))
    share_low, share_high = _CUSTOMS_SHARE_OF_TAX.get(member.income, (0.1, 0.3))
    payments = round(revenue * rng.uniform(0.85, 1.0))
    v |= {
        "PAYMENTS_TOTAL_VALUE": payments,
        "PAYMENTS_ELECTRONIC_VALUE": round(payments * _clamp(m + rng.uniform(-0.2, 0.1), 0.3, 1.0)),
        "RELEASE_TIME_IMPORT_AVG_H": round(_clamp(2 + (1 - m) ** 1.5 * rng.uniform(20, 160), 2, 150), 1),
        "RELEASE_TIME_METHOD": rng.choices(["trs", "system_data", "other"], weights=[4, 5, 1])[0],
        "TRADE_IMPORT_VALUE": import_value,
        "TRADE_EXPORT_VALUE": export_value,
        "REVENUE_CUSTOMS_TOTAL": revenue,
        "REVENUE_TAX_GENERAL_GOV": round(revenue / rng.uniform(share_low, share_high)),
        "CUSTOMS_OPERATING_COST": round(revenue * rng.uniform(0.005, 0.05)),
    }
    if rng.random() < 0.7:
        trs_year = rng.randint(2012, year)
        v["TRS_LAST_YEAR"] = trs_year
        v["TRS_WITHIN_5_YEARS"] = trs_year >= year - 5
    else:
        v["TRS_WITHIN_5_YEARS"] = False

    aeo = 0 if m < 0.5 and rng.random() < 0.2 else round(d / rng.uniform(2000, 40000)) + rng.randint(1, 6)
    previous["AEO_COUNT"] = _earlier(rng, aeo, -0.1, 0.4)
    aeo_share = 0 if aeo == 0 else min(0.5, rng.lognormvariate(math.log(0.1), 0.7))
    v |= {
        "AEO_COUNT": aeo,
        "AEO_MRA_COUNT": 0 if aeo == 0 else rng.randint(0, 3 + round(20 * m)),
        "AEO_IMPORT_VALUE": round(import_value * aeo_share),
        "AEO_EXPORT_VALUE": round(
            export_value * (0 if aeo == 0 else min(0.5, aeo_share * rng.uniform(0.6, 1.5)))
        ),
    }

    ecom_share = min(0.9, rng.betavariate(0.7, 3.0))
    shipments = round(imports * rng.uniform(1.0, 1.6) / (1 - ecom_share))
    ecom_imports = round(shipments * ecom_share)
    exports_shipments = round((d - imports) * rng.uniform(0.7, 1.3))
    v |= {
        "SHIPMENTS_IMPORT_TOTAL": shipments,
        "SHIPMENTS_EXPORT_TOTAL": exports_shipments,
        "ECOM_IMPORT_COUNT": ecom_imports,
        "ECOM_EXPORT_COUNT": round(exports_shipments * min(0.5, rng.betavariate(0.5, 6))),
        "ECOM_IMPORT_VALUE": round(import_value * rng.uniform(0.001, 0.05)),
        "ECOM_EXPORT_VALUE": round(export_value * rng.uniform(0.0005, 0.03)),
        "ECOM_ADVANCE_DATA_COUNT": round(ecom_imports * rng.uniform(0.1, 0.95) * m),
        "ADVANCE_CARGO_INFO_SHIPMENTS": round(shipments * _clamp(m + rng.uniform(-0.2, 0.05), 0.2, 1.0)),
    }

    rfi = round(d / rng.uniform(150, 2500)) + rng.randint(5, 50)
    previous["RFI_COUNT"] = _earlier(rng, rfi, -0.2, 0.3)
    rulings = round(d / rng.uniform(2000, 30000))
    v |= {"RFI_COUNT": rfi, "ADVANCE_RULINGS_ISSUED": rulings}
    if rulings:
        v["ADVANCE_RULINGS_AVG_DAYS"] = round(rng.uniform(10, 150), 1)

    permits = round(d * rng.uniform(0.05, 0.35))
    single_window = (
        0 if m < 0.45 and rng.random() < 0.5 else _clamp(rng.uniform(0.3, 1.0) * (0.5 + m / 2), 0, 1)
    )
    with_oga = round(exams * rng.uniform(0.05, 0.35))
    transit = round(d * rng.uniform(0.01, 0.08) * (3 if member.landlocked else 1))
    v |= {
        "PERMITS_TOTAL": permits,
        "PERMITS_VIA_SW": round(permits * single_window),
        "INSPECTIONS_WITH_OGA": with_oga,
        "INSPECTIONS_JOINT": round(with_oga * rng.uniform(0.1, 0.9)),
        "TRANSIT_TOTAL": transit,
        "TRANSIT_ELECTRONIC": round(transit * _clamp(m + rng.uniform(-0.3, 0.1), 0.2, 1.0)),
        "TRANSIT_AVG_DISCHARGE_DAYS": round(max(0.5, rng.uniform(1, 30) * (1.3 - m)), 1),
    }

    audits = round(imports / rng.uniform(300, 5000)) + rng.randint(5, 40)
    appeals = round(d / rng.uniform(2000, 20000)) + rng.randint(3, 30)
    edition = rng.choices(["hs2022", "hs2017", "hs2012"], weights=[85 if year >= 2024 else 65, 13, 2])[0]
    v |= {
        "PCA_COMPLETED": audits,
        "PCA_WITH_FINDINGS": round(audits * rng.uniform(0.2, 0.7)),
        "PCA_ADDITIONAL_REVENUE": round(revenue * rng.uniform(0.001, 0.02)),
        "CLEARANCE_ADJUSTMENTS_VALUE": round(revenue * rng.uniform(0.002, 0.03)),
        "HS_EDITION_IN_FORCE": edition,
        "HS_LATEST_EDITION_APPLIED": edition == "hs2022",
        "ARREARS_YEAR_END": round(revenue * rng.uniform(0.005, 0.15)),
        "APPEALS_DECIDED": appeals,
        "APPEALS_DECIDED_IN_TIME": round(appeals * rng.uniform(0.5, 1.0)),
    }

    drug_controls = round(exams * rng.uniform(0.02, 0.15)) + rng.randint(20, 200)
    drug_seizures = round(drug_controls * rng.uniform(0.02, 0.25))
    ipr = round(d / rng.uniform(2000, 30000)) + rng.randint(0, 40)
    v |= {
        "DRUG_CONTROLS": drug_controls,
        "DRUG_SEIZURES": drug_seizures,
        "ALCOHOL_SEIZURES": round(d / rng.uniform(2000, 20000)) + rng.randint(5, 40),
        "TOBACCO_SEIZURES": round(d / rng.uniform(1000, 20000)) + rng.randint(5, 60),
        "IPR_DETENTIONS": ipr,
        "IPR_DETENTIONS_EX_OFFICIO": round(ipr * rng.uniform(0.4, 1.0)),
        "CITES_SEIZURES": rng.randint(0, 60),
        "ENV_SEIZURES_OTHER": rng.randint(0, 40),
        "MAA_AGREEMENTS_IN_FORCE": rng.randint(2, 20 + round(60 * m)),
        "CEN_USED": rng.random() < 0.5 + 0.4 * m,
    }
    for code in ("DRUG_SEIZURES", "ALCOHOL_SEIZURES", "TOBACCO_SEIZURES", "IPR_DETENTIONS"):
        # Small counts move a lot from year to year; keep T-1 from turning them into a jump of more
        # than 50 % except where the generator wants one.
        now = v[code]
        before = _earlier(rng, now, -0.25, 0.3)
        previous[code] = before if now >= 12 else max(1, now + rng.choice([-1, 0, 1])) if now else 0

    staff = max(80, round(d / rng.uniform(400, 3000)))
    trained = round(staff * rng.uniform(0.2, 0.9))
    women = round(staff * rng.uniform(0.15, 0.55))
    managers = round(staff * rng.uniform(0.05, 0.15))
    survey = rng.random() < 0.2 + 0.5 * m
    v |= {
        "STAFF_TOTAL": staff,
        "STAFF_TRAINED": trained,
        "TRAINING_HOURS_TOTAL": round(trained * rng.uniform(8, 60)),
        "INTEGRITY_CODE_OF_CONDUCT": rng.random() < 0.95,
        "INTEGRITY_STRATEGY": rng.random() < 0.6 + 0.3 * m,
        "DISCIPLINARY_CASES_INTEGRITY": round(staff * rng.uniform(0, 0.02)),
        "STAFF_WOMEN": women,
        "MANAGERS_TOTAL": managers,
        "MANAGERS_WOMEN": min(women, round(managers * (women / staff) * rng.uniform(0.5, 1.0))),
        "GEOAT_USED": rng.random() < 0.25,
        "STRATEGIC_PLAN_WITH_KPIS": rng.random() < 0.5 + 0.4 * m,
        "CONSULTATION_MECHANISM": rng.random() < 0.6 + 0.35 * m,
        "SATISFACTION_SURVEY_DONE": survey,
    }
    if survey:
        v["SATISFACTION_RATE"] = round(rng.uniform(50, 95), 1)

    values = {(code, "T"): value for code, value in v.items()}
    values |= {(code, "T-1"): value for code, value in previous.items()}
    return values


def _fallback(spec: FrameworkSpec, code: str, rng: random.Random, size: int) -> Any:
    """A value for an element this generator has no model for (a later framework version)."""
    element = spec.elements[code]
    kind = element.value_type
    if kind == "yes_no":
        return rng.random() < 0.7
    if kind == "choice":
        return rng.choice(sorted(element.options))
    if kind == "text":
        return "Synthetic demo answer."
    if kind == "year":
        return 2020
    low = element.minimum if element.minimum is not None else 0
    high = element.maximum if element.maximum is not None else max(low + 1, size / 100)
    number = rng.uniform(low, high)
    return round(number) if element.whole_numbers else round(number, 1)


# --------------------------------------------------------------------------------------------
# Plans


def _jump_text(issue: Issue) -> str:
    element = issue.element or ""
    reasons = {
        "AEO_COUNT": "The AEO programme was opened to customs brokers and exporters during the year.",
        "REVENUE_CUSTOMS_TOTAL": "New excise rates came into force and import volumes recovered.",
        "RFI_COUNT": "A new online enquiry service opened during the year; enquiries are now all recorded.",
        "DRUG_SEIZURES": "A joint operation with the police targeted drug trafficking in the year.",
        "ALCOHOL_SEIZURES": "A campaign against smuggled spirits was run at the land borders.",
        "TOBACCO_SEIZURES": "A container profiling project led to more tobacco seizures.",
        "IPR_DETENTIONS": "A new recordation system for right holders made ex-officio action easier.",
    }
    before = issue.params.get("before", "")
    now = issue.params.get("now", "")
    small = before.isdigit() and now.isdigit() and max(int(before), int(now)) < 12
    if small:
        return "Small numbers: a handful of cases more or less changes the figure a lot; both are correct."
    return reasons.get(element, "The change is real and has been checked against the source data.")


def _justification(issue: Issue) -> str:
    if issue.kind == "jump":
        return _jump_text(issue)
    return "Both figures have been checked against the source systems and are correct."


def _disclosures(spec: FrameworkSpec, member: MemberInfo, rng: random.Random) -> list[KpiChoice]:
    """Varied disclosure choices: most keep the framework's default, some open up, some restrict."""
    attitude = rng.choices(["default", "open", "cautious", "mixed"], weights=[4, 3, 2, 2])[0]
    kpis = sorted(spec.kpis)
    choices = []
    if attitude == "open":
        for code in rng.sample(kpis, rng.randint(8, 25)):
            choices.append(KpiChoice(code, disclosure="public"))
    elif attitude == "cautious":
        for code in rng.sample(kpis, rng.randint(2, 8)):
            choices.append(KpiChoice(code, disclosure="country"))
    elif attitude == "mixed":
        levels = ["public", "country", *(["union"] if member.unions else [])]
        for code in rng.sample(kpis, rng.randint(3, 10)):
            choices.append(KpiChoice(code, disclosure=rng.choice(levels)))
    return [c for c in choices if c.disclosure != spec.kpis[c.kpi].disclosure_default]


def _slots_in_order(
    spec: FrameworkSpec, slots: Iterable[tuple[str, str]], rng: random.Random
) -> list[tuple[str, str]]:
    """Slots in the order a member fills them: outcome by outcome, outcomes in a member's own order."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for slot in slots:
        using = spec.kpis_using(slot[0])
        key = spec.kpis[using[0]].outcome if using else "other"
        groups.setdefault(key, []).append(slot)
    order = sorted(groups)
    rng.shuffle(order)
    return [slot for key in order for slot in groups[key]]


def complete_plan(
    spec: FrameworkSpec,
    member: MemberInfo,
    seed: int,
    year: int,
    *,
    not_applicable: dict[str, str] | None = None,
    path: str = "workbook",
    jump: bool = False,
    jump_threshold: float = JUMP_THRESHOLD_PERCENT,
) -> AssessmentPlan:
    """A submitted assessment: every needed value reported or explained, every warning justified
    (with `jump`, one figure more than doubles against T-1, and the member explains why)."""
    rng = random.Random(f"{seed}/{member.iso3}/{year}/plan")
    profile = member_profile(member, seed)
    model = model_values(member, profile, year, seed)
    not_applicable = dict(not_applicable or {})
    no_ecom = rng.random() < 0.55  # about 24 of 62 reported e-commerce in the first cycle
    slots = needed_slots(spec, not_applicable)
    optional = [
        (code, period)
        for code, e in spec.elements.items()
        if not e.required and e.derived is None
        for period in e.periods
    ]
    items = []
    for code, period in [*slots, *(s for s in optional if s in model)]:
        if code in ECOM_ELEMENTS and no_ecom:
            items.append(ValueInput(code, period, state="not_available", reason=ECOM_REASON))
        elif (code, period) in model:
            comment = COMMENTS.get(code) if rng.random() < 0.3 else None
            items.append(ValueInput(code, period, model[(code, period)], comment=comment))
        elif code == "ADVANCE_RULINGS_AVG_DAYS":
            items.append(
                ValueInput(code, period, state="not_available", reason="No advance ruling was issued.")
            )
        else:
            items.append(ValueInput(code, period, _fallback(spec, code, rng, profile.declarations)))
    if jump:
        items = _with_jump(items, rng)
    plan = AssessmentPlan(member, SUBMITTED, year, target_percent=100, jump_threshold=jump_threshold)
    plan.batches.append(ValueBatch(tuple(items), path))
    plan.kpi_choices += [
        KpiChoice(kpi, applicable=False, justification=text) for kpi, text in not_applicable.items()
    ]
    plan.kpi_choices += _disclosures(spec, member, rng)
    plan.entries = {(i.element, i.period): Entry(i.value, i.state, i.reason) for i in items}
    _maybe_correct(spec, plan, rng)
    issues = plan.issues(spec)
    errors = [i for i in issues if i.severity == "error"]
    if errors:  # the model keeps every rule; this guards later framework versions
        raise ValueError(f"{member.iso3}: generated values break rules: {[i.key for i in errors]}")
    plan.justifications = {i.key: _justification(i) for i in issues if i.needs_justification}
    return plan


def _with_jump(items: list[ValueInput], rng: random.Random) -> list[ValueInput]:
    by_slot = {(i.element, i.period): i for i in items}
    candidates = [
        code
        for code in ("AEO_COUNT", "RFI_COUNT", "IPR_DETENTIONS", "TOBACCO_SEIZURES")
        if all(isinstance(getattr(by_slot.get((code, p)), "value", None), int) for p in ("T", "T-1"))
    ]
    if not candidates:
        return items
    code = rng.choice(candidates)
    before = max(10, by_slot[(code, "T-1")].value)
    by_slot[(code, "T-1")] = ValueInput(code, "T-1", before)
    by_slot[(code, "T")] = ValueInput(code, "T", round(before * rng.uniform(1.8, 2.6)))
    return list(by_slot.values())


def _maybe_correct(spec: FrameworkSpec, plan: AssessmentPlan, rng: random.Random) -> None:
    """Sometimes a second batch corrects a figure, so the value history shows an old and a new value."""
    if rng.random() >= 0.4:
        return
    reported = [
        i
        for i in plan.batches[0].items
        if i.state == "reported"
        and spec.elements[i.element].value_type in {"count", "amount"}
        and spec.elements[i.element].maximum is None
        and isinstance(i.value, int)
        and i.value > 50
    ]
    if not reported:
        return
    item = rng.choice(reported)
    first = ValueInput(item.element, item.period, round(item.value * rng.choice([0.1, 10, 1.1])))
    # The first batch had the wrong figure; the second puts the right one back.
    plan.batches[0] = ValueBatch(
        tuple(first if i is item else i for i in plan.batches[0].items),
        plan.batches[0].path,
        plan.batches[0].reason,
    )
    plan.batches.append(
        ValueBatch((item,), "form", "Corrected after checking the figure with the statistics unit.")
    )


_ANOMALIES = ("jump", "exams_over_controls", "training_in_days", "seizures_over_controls")


def in_progress_plan(
    spec: FrameworkSpec,
    member: MemberInfo,
    seed: int,
    year: int,
    *,
    percent: int,
    anomalies: Sequence[str] = (),
    explain_some: bool = False,
    not_applicable: dict[str, str] | None = None,
    jump_threshold: float = JUMP_THRESHOLD_PERCENT,
) -> AssessmentPlan:
    """A started assessment about `percent` % complete, maybe with warnings (unexplained unless asked)."""
    rng = random.Random(f"{seed}/{member.iso3}/{year}/progress")
    complete = complete_plan(
        spec, member, seed, year, not_applicable=not_applicable, path="form", jump_threshold=jump_threshold
    )
    final = {(i.element, i.period): i for b in complete.batches for i in b.items}
    needed = needed_slots(spec, complete.not_applicable)
    ordered = _slots_in_order(spec, needed, rng)
    wanted = max(1, round(len(needed) * percent / 100))
    chosen = set(ordered[:wanted])
    values = {s: final[s] for s in ordered if s in chosen}
    for anomaly in anomalies:
        values.update(_anomaly(anomaly, final, rng))
    items = list(values.values())
    half = len(items) // 2
    plan = AssessmentPlan(member, IN_PROGRESS, year, target_percent=percent, jump_threshold=jump_threshold)
    plan.batches = [
        ValueBatch(tuple(items[:half]), "form"),
        ValueBatch(tuple(items[half:]), rng.choice(["form", "workbook"])),
    ]
    plan.kpi_choices = complete.kpi_choices
    plan.entries = {s: Entry(i.value, i.state, i.reason) for s, i in values.items()}
    warnings = [i for i in plan.issues(spec) if i.needs_justification]
    if explain_some and len(warnings) > 1:
        plan.justifications = {i.key: _justification(i) for i in warnings[: len(warnings) // 2]}
    return plan


def _anomaly(
    kind: str, final: dict[tuple[str, str], ValueInput], rng: random.Random
) -> dict[tuple[str, str], ValueInput]:
    """Values that raise one validation warning (or, for "staff_typo", one error)."""

    def value(code: str, period: str = "T") -> Any:
        return final[(code, period)].value

    if kind == "jump":
        code = rng.choice(["AEO_COUNT", "DRUG_SEIZURES", "REVENUE_CUSTOMS_TOTAL", "RFI_COUNT"])
        before = max(10, value(code, "T-1"))
        return {
            (code, "T-1"): ValueInput(code, "T-1", before),
            (code, "T"): ValueInput(code, "T", round(before * rng.uniform(2.2, 3.0))),
        }
    if kind == "exams_over_controls":
        exams = value("DECL_IMPORT_PHYSICAL_EXAM")
        controls = max(1, round(exams * 0.8))
        return {
            ("DECL_IMPORT_PHYSICAL_EXAM", "T"): final[("DECL_IMPORT_PHYSICAL_EXAM", "T")],
            ("CONTROLS_TOTAL", "T"): ValueInput("CONTROLS_TOTAL", "T", controls),
            ("CONTROLS_RISK_SELECTED", "T"): ValueInput(
                "CONTROLS_RISK_SELECTED", "T", min(value("CONTROLS_RISK_SELECTED"), controls)
            ),
            ("DECL_IMPORT_TOTAL", "T"): final[("DECL_IMPORT_TOTAL", "T")],
        }
    if kind == "training_in_days":  # hours entered in days by mistake
        trained = value("STAFF_TRAINED")
        return {
            ("STAFF_TRAINED", "T"): final[("STAFF_TRAINED", "T")],
            ("STAFF_TOTAL", "T"): final[("STAFF_TOTAL", "T")],
            ("TRAINING_HOURS_TOTAL", "T"): ValueInput(
                "TRAINING_HOURS_TOTAL", "T", max(0, round(trained * 0.6))
            ),
        }
    if kind == "seizures_over_controls":
        seizures = max(5, value("DRUG_SEIZURES"))
        return {
            ("DRUG_SEIZURES", "T"): ValueInput("DRUG_SEIZURES", "T", seizures),
            ("DRUG_CONTROLS", "T"): ValueInput("DRUG_CONTROLS", "T", max(1, round(seizures * 0.7))),
        }
    if kind == "staff_typo":  # an extra digit: more staff trained than staff
        staff = value("STAFF_TOTAL")
        return {
            ("STAFF_TOTAL", "T"): final[("STAFF_TOTAL", "T")],
            ("STAFF_TRAINED", "T"): ValueInput("STAFF_TRAINED", "T", staff * 10 + 7),
            ("TRAINING_HOURS_TOTAL", "T"): ValueInput("TRAINING_HOURS_TOTAL", "T", (staff * 10 + 7) * 12),
        }
    raise ValueError(f"unknown anomaly {kind}")


def demo_plan(
    spec: FrameworkSpec,
    members: Sequence[MemberInfo],
    *,
    seed: int = DEFAULT_SEED,
    year: int = 2024,
    total: int = sum(STATUS_COUNTS.values()),
    jump_threshold: float = JUMP_THRESHOLD_PERCENT,
) -> DemoPlan:
    """Plans for about 60 members: some not started, some in progress at varied completeness (a few
    with unexplained warnings), some submitted; and the earlier cycle's submissions for ten of them."""
    rng = random.Random(f"{seed}/demo")
    chosen = choose_members(members, rng, total)
    statuses = assign_statuses(chosen, rng)
    islands = [m.iso3 for m in chosen if m.island and statuses[m.iso3] != NOT_STARTED][:2]
    plans = []
    in_progress = sorted(iso3 for iso3, s in statuses.items() if s == IN_PROGRESS)
    with_warnings = set(rng.sample([c for c in in_progress if c != "KEN"], min(6, len(in_progress) - 1)))
    typo = rng.choice(sorted(with_warnings)) if with_warnings else None
    submitted = sorted(iso3 for iso3, s in statuses.items() if s == SUBMITTED)
    jumps = set(rng.sample(submitted, min(4, len(submitted))))
    for member in chosen:
        status = statuses[member.iso3]
        skipped = {kpi: TRANSIT_JUSTIFICATION for kpi in TRANSIT_KPIS} if member.iso3 in islands else {}
        if status == SUBMITTED:
            plans.append(
                complete_plan(
                    spec,
                    member,
                    seed,
                    year,
                    not_applicable=skipped,
                    jump=member.iso3 in jumps,
                    jump_threshold=jump_threshold,
                )
            )
        elif status == IN_PROGRESS:
            member_rng = random.Random(f"{seed}/{member.iso3}/anomalies")
            if member.iso3 == "KEN":
                percent, anomalies, explain = 72, ["jump", "training_in_days"], False
            elif member.iso3 in with_warnings:
                percent = member_rng.randint(55, 95)
                anomalies = member_rng.sample(_ANOMALIES, member_rng.randint(1, 2))
                anomalies += ["staff_typo"] if member.iso3 == typo else []
                explain = member_rng.random() < 0.4
            else:
                percent, anomalies, explain = member_rng.randint(32, 95), [], False
            plans.append(
                in_progress_plan(
                    spec,
                    member,
                    seed,
                    year,
                    percent=percent,
                    anomalies=anomalies,
                    explain_some=explain,
                    not_applicable=skipped,
                    jump_threshold=jump_threshold,
                )
            )
        else:
            plans.append(AssessmentPlan(member, NOT_STARTED, year, target_percent=0))
    started = [p.member for p in plans if p.status != NOT_STARTED]
    earlier_members = [m for m in started if m.iso3 in {"KEN", "FRA"}]
    earlier_members += rng.sample(
        [m for m in started if m.iso3 not in {"KEN", "FRA"}],
        max(0, EARLIER_CYCLE_MEMBERS - len(earlier_members)),
    )
    earlier = [
        complete_plan(spec, m, seed, year - 2, path="workbook", jump_threshold=jump_threshold)
        for m in sorted(earlier_members, key=lambda m: m.iso3)
    ]
    return DemoPlan(year, plans, earlier)
