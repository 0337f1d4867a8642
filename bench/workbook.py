"""Benchmark of the self-assessment entry paths: importing a complete workbook, and saving the same
full assessment through `PUT …/values`.

Run with `PMM_DEBUG=true .venv/bin/python bench/workbook.py`. It uses a fresh SQLite database in a
temporary folder (or PMM_DATABASE_URL), builds a complete pmm-v1 assessment whose values satisfy
the framework's consistency rules, and prints figures; it asserts nothing about time. Each timed
run writes a complete assessment of a member that had not started, so every run saves every value.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from io import BytesIO
from typing import Any

import openpyxl
from common import reference_cycle, report  # sets up a throwaway database and Django, first
from django.conf import settings
from django.db import connection, reset_queries
from django.test import Client

from pmm.accounts.services import RoleSpec, token_create, user_create
from pmm.assessments.selectors import assessment_access, assessment_state
from pmm.assessments.services import ValueInput, values_save
from pmm.assessments.workbook import layout as L
from pmm.assessments.workbook import workbook_export, workbook_import
from pmm.core.actors import SYSTEM
from pmm.cycles.selectors import cycle_spec
from pmm.framework.spec import FrameworkSpec
from pmm.members.models import Member

RUNS = 7

# A mid-sized administration's year, consistent with every rule of pmm-v1 (parts never exceed their
# totals, T-1 within the jump threshold of T). Amounts are in national currency.
T_VALUES: dict[str, Any] = {
    "DECL_TOTAL": 850_000,
    "DECL_ELECTRONIC": 790_000,
    "DECL_IMPORT_TOTAL": 420_000,
    "DECL_IMPORT_PREARRIVAL": 150_000,
    "DECL_IMPORT_PHYSICAL_EXAM": 42_000,
    "DECL_IMPORT_NO_INTERVENTION": 250_000,
    "PHYSICAL_EXAM_POSITIVE": 6_300,
    "CONTROLS_RISK_SELECTED": 95_000,
    "CONTROLS_TOTAL": 120_000,
    "DATA_MODEL_ALIGNMENT": "partial",
    "DATA_MODEL_ALIGNED_SHARE": 65.0,
    "PAYMENTS_TOTAL_VALUE": 1_850_000_000.0,
    "PAYMENTS_ELECTRONIC_VALUE": 1_600_000_000.0,
    "RELEASE_TIME_IMPORT_AVG_H": 36.5,
    "RELEASE_TIME_METHOD": "trs",
    "TRS_LAST_YEAR": 2023,
    "TRS_WITHIN_5_YEARS": True,
    "AEO_COUNT": 180,
    "AEO_MRA_COUNT": 4,
    "TRADE_IMPORT_VALUE": 9_400_000_000.0,
    "TRADE_EXPORT_VALUE": 6_100_000_000.0,
    "AEO_IMPORT_VALUE": 3_200_000_000.0,
    "AEO_EXPORT_VALUE": 2_500_000_000.0,
    "SHIPMENTS_IMPORT_TOTAL": 2_600_000,
    "SHIPMENTS_EXPORT_TOTAL": 900_000,
    "ECOM_IMPORT_COUNT": 1_800_000,
    "ECOM_EXPORT_COUNT": 120_000,
    "ECOM_IMPORT_VALUE": 210_000_000.0,
    "ECOM_EXPORT_VALUE": 45_000_000.0,
    "ECOM_ADVANCE_DATA_COUNT": 900_000,
    "RFI_COUNT": 5_200,
    "ADVANCE_RULINGS_ISSUED": 640,
    "ADVANCE_RULINGS_AVG_DAYS": 28.0,
    "PERMITS_TOTAL": 76_000,
    "PERMITS_VIA_SW": 61_000,
    "INSPECTIONS_WITH_OGA": 18_000,
    "INSPECTIONS_JOINT": 7_400,
    "TRANSIT_TOTAL": 140_000,
    "TRANSIT_ELECTRONIC": 132_000,
    "TRANSIT_AVG_DISCHARGE_DAYS": 3.5,
    "REVENUE_CUSTOMS_TOTAL": 2_050_000_000.0,
    "REVENUE_TAX_GENERAL_GOV": 9_800_000_000.0,
    "CUSTOMS_OPERATING_COST": 110_000_000.0,
    "PCA_COMPLETED": 1_450,
    "PCA_WITH_FINDINGS": 610,
    "PCA_ADDITIONAL_REVENUE": 38_000_000.0,
    "CLEARANCE_ADJUSTMENTS_VALUE": 26_000_000.0,
    "HS_EDITION_IN_FORCE": "hs2022",
    "HS_LATEST_EDITION_APPLIED": True,
    "ARREARS_YEAR_END": 95_000_000.0,
    "APPEALS_DECIDED": 380,
    "APPEALS_DECIDED_IN_TIME": 310,
    "DRUG_CONTROLS": 2_600,
    "DRUG_SEIZURES": 410,
    "ALCOHOL_SEIZURES": 220,
    "TOBACCO_SEIZURES": 530,
    "IPR_DETENTIONS": 960,
    "IPR_DETENTIONS_EX_OFFICIO": 700,
    "CITES_SEIZURES": 45,
    "ENV_SEIZURES_OTHER": 30,
    "ADVANCE_CARGO_INFO_SHIPMENTS": 2_100_000,
    "MAA_AGREEMENTS_IN_FORCE": 12,
    "CEN_USED": True,
    "STAFF_TOTAL": 5_200,
    "STAFF_TRAINED": 3_100,
    "TRAINING_HOURS_TOTAL": 98_000.0,
    "INTEGRITY_CODE_OF_CONDUCT": True,
    "INTEGRITY_STRATEGY": True,
    "DISCIPLINARY_CASES_INTEGRITY": 14,
    "STAFF_WOMEN": 1_900,
    "MANAGERS_TOTAL": 420,
    "MANAGERS_WOMEN": 130,
    "GEOAT_USED": False,
    "STRATEGIC_PLAN_WITH_KPIS": True,
    "CONSULTATION_MECHANISM": True,
    "SATISFACTION_SURVEY_DONE": True,
    "SATISFACTION_RATE": 72.5,
}
T1_VALUES: dict[str, Any] = {
    "AEO_COUNT": 150,
    "RFI_COUNT": 4_800,
    "REVENUE_CUSTOMS_TOTAL": 1_900_000_000.0,
    "DRUG_SEIZURES": 380,
    "ALCOHOL_SEIZURES": 250,
    "TOBACCO_SEIZURES": 470,
    "IPR_DETENTIONS": 880,
}
FALLBACK = {"count": 100, "amount": 1000.0, "percent": 50.0, "hours": 10.0, "days": 5.0, "yes_no": True}


def complete_values(spec: FrameworkSpec, year: int) -> dict[tuple[str, str], Any]:
    """A value for every reported element and period of the framework."""
    values: dict[tuple[str, str], Any] = {}
    for element in spec.elements.values():
        if element.derived is not None:
            continue
        for period in element.periods:
            table = T_VALUES if period == "T" else T1_VALUES
            fallback = {"year": year - 1, "choice": next(iter(element.options), None), "text": "-"}
            value = table.get(
                element.code, FALLBACK.get(element.value_type, fallback.get(element.value_type))
            )
            if element.code not in table:
                print(f"  note: no bench value for {element.code} {period}; using {value!r}")
            values[(element.code, period)] = value
    return values


def fill(data: bytes, spec: FrameworkSpec, values: dict[tuple[str, str], Any]) -> bytes:
    """The exported (empty) workbook with every value typed in, as a user would."""
    book = openpyxl.load_workbook(BytesIO(data))
    layout = L.layout_of(spec)
    for (code, period), value in values.items():
        sheet, row = layout.home[code]
        element = spec.elements[code]
        if element.value_type == "yes_no":
            value = str(L.YES_NO_LABELS[bool(value)])
        elif element.value_type == "choice":
            value = element.option_labels[value]["en"]
        book[sheet][f"{L.VALUE[period]}{row}"] = value
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def timed_runs(
    label: str, prepare: Callable[[int], Any], action: Callable[[Any], object], repeat: int
) -> None:
    """Time `action(prepare(i))` for each run after one untimed warm-up run; `prepare` is not timed."""
    action(prepare(-1))
    durations = []
    for run in range(repeat):
        prepared = prepare(run)
        start = time.perf_counter()
        action(prepared)
        durations.append(time.perf_counter() - start)
        reset_queries()
    report(label, durations, width=52)


def main() -> None:
    settings.STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    cycle = reference_cycle()
    spec = cycle_spec(cycle)
    values = complete_values(spec, cycle.reporting_year)
    items = [ValueInput(code, period, value) for (code, period), value in values.items()]
    members = iter(Member.objects.order_by("iso3").values_list("iso3", flat=True))

    # The reference: a complete assessment, checked against the framework's rules.
    reference = next(members)
    values_save(
        actor=SYSTEM,
        assessment=assessment_access(SYSTEM, cycle, reference),
        version=0,
        items=items,
        path="api",
    )
    state = assessment_state(assessment_access(SYSTEM, cycle, reference), SYSTEM)
    print(f"database: {connection.vendor}; python {sys.version.split()[0]}")
    print(
        f"complete assessment: {len(items)} values, completeness {state.overall.percent}%, "
        f"{sum(i.severity == 'error' for i in state.issues)} errors, "
        f"{sum(i.severity == 'warning' for i in state.issues)} warnings"
    )
    full = workbook_export(assessment_access(SYSTEM, cycle, reference), "en", SYSTEM)
    sheets = openpyxl.load_workbook(BytesIO(full)).sheetnames
    print(f"workbook: {len(full) / 1024:.0f} KiB, sheets {', '.join(sheets)}")

    timed_runs(
        "export the complete workbook",
        lambda _run: assessment_access(SYSTEM, cycle, reference),
        lambda assessment: workbook_export(assessment, "en", SYSTEM),
        RUNS,
    )

    def filled_workbook(_run: int) -> tuple[Any, bytes]:
        assessment = assessment_access(SYSTEM, cycle, next(members))
        return assessment, fill(workbook_export(assessment, "en", SYSTEM), spec, values)

    def import_(prepared: tuple[Any, bytes]) -> None:
        assessment, data = prepared
        report = workbook_import(actor=SYSTEM, assessment=assessment, data=data, filename="bench.xlsx")
        assert len(report.values) == len(items), report.summary()

    timed_runs(f"import a complete workbook ({len(items)} values, new)", filled_workbook, import_, RUNS)
    timed_runs(
        "import the complete workbook again (unchanged)",
        lambda _run: (assessment_access(SYSTEM, cycle, reference), full),
        lambda prepared: workbook_import(
            actor=SYSTEM, assessment=prepared[0], data=prepared[1], filename="b.xlsx"
        ),
        RUNS,
    )

    client = Client()
    body = {
        "version": 0,
        "values": [
            {"element": i.element, "period": i.period, "value": i.value, "state": "reported"} for i in items
        ],
    }

    def api_member(run: int) -> tuple[str, dict[str, str]]:
        iso3 = next(members)
        ncp = user_create(
            actor=SYSTEM,
            username=f"bench-ncp-{iso3.lower()}-{run}",
            email=f"ncp-{iso3.lower()}@example.org",
            password="a-long-bench-passphrase",
            roles=[RoleSpec("ncp", iso3)],
        )
        _token, secret = token_create(actor=SYSTEM, user=ncp, name="bench")
        return iso3, {"Authorization": f"Bearer {secret}"}

    def put(prepared: tuple[str, dict[str, str]]) -> None:
        iso3, headers = prepared
        response = client.put(
            f"/api/v1/cycles/{cycle.pk}/assessments/{iso3}/values",
            body,
            content_type="application/json",
            headers=headers,
        )
        assert response.status_code == 200, response.content

    timed_runs(f"PUT …/values, complete batch ({len(items)} values, new)", api_member, put, RUNS)


if __name__ == "__main__":
    main()
