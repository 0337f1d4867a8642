from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from pmm.authz import require
from pmm.core.api import ERROR_RESPONSES, Input, actor_of
from pmm.core.openapi import file_answer
from pmm.framework import selectors
from pmm.framework.loader import YAML_CONTENT_TYPE
from pmm.framework.models import DataElement, Dimension, Framework, Kpi, Outcome
from pmm.framework.selectors import framework_file
from pmm.framework.services import framework_change_status, framework_load
from pmm.framework.workflow import FRAMEWORK_WORKFLOW

router = Router(tags=["frameworks"])

Text = dict[str, str]


class Provenance(Schema):
    status: str
    source: str
    note: Text = {}
    official: bool


class CodeName(Schema):
    code: str
    name: Text


class KpiOut(Schema):
    code: str
    name: Text
    description: Text
    kind: str
    unit: str
    unit_symbol: str
    direction: str
    formula: dict[str, str]
    range: dict[str, float | None]
    data_elements: list[str]
    instruments: list[CodeName]
    sdg_targets: list[CodeName]
    disclosure_default: str
    provenance: Provenance


class OutcomeOut(Schema):
    code: str
    name: Text
    description: Text
    instruments: list[CodeName]
    sdg_targets: list[CodeName]
    provenance: Provenance
    kpis: list[KpiOut]


class DimensionOut(Schema):
    code: str
    name: Text
    description: Text
    provenance: Provenance
    outcomes: list[OutcomeOut]


class DataElementOut(Schema):
    code: str
    name: Text
    description: Text
    type: str
    currency: str
    options: list[dict[str, Any]]
    periods: list[str]
    range: dict[str, float | None]
    required: bool
    formula: str
    used_by: list[str]
    provenance: Provenance


class RuleOut(Schema):
    code: str
    check: str
    severity: str
    message: Text


class FrameworkSummary(Schema):
    code: str
    version: str
    status: str
    title: Text
    fingerprint: str
    loaded_at: str
    provenance: Provenance
    moves: list[str]  # the status changes the caller may make now ("activate", "retire")


class FrameworkOut(FrameworkSummary):
    description: Text
    languages: list[str]
    counts: dict[str, int]
    dimensions: list[DimensionOut]
    data_elements: list[DataElementOut]
    consistency_rules: list[RuleOut]


class FrameworkStatusIn(Input):
    action: str
    reason: str = ""


class LoadOut(Schema):
    result: str
    summary: str
    framework: FrameworkSummary


def _provenance(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": p.get("status", ""),
        "source": p.get("source", ""),
        "note": p.get("note", {}),
        "official": p.get("status") == "official",
    }


def _code_names(items: Any) -> list[dict[str, Any]]:
    return [{"code": i.code, "name": i.name} for i in items.all()]


def _summary(f: Framework, actor: Any) -> dict[str, Any]:
    return {
        "code": f.code,
        "version": f.version,
        "status": f.status,
        "title": f.title,
        "fingerprint": f.fingerprint,
        "loaded_at": f.loaded_at.isoformat(),
        "provenance": _provenance(f.provenance),
        "moves": FRAMEWORK_WORKFLOW.available(actor, f),
    }


def _kpi(k: Kpi) -> dict[str, Any]:
    return {
        "code": k.code,
        "name": k.name,
        "description": k.description,
        "kind": k.kind,
        "unit": k.unit.code,
        "unit_symbol": k.unit.symbol,
        "direction": k.direction,
        "formula": k.formula,
        "range": {"min": k.min_value, "max": k.max_value},
        "data_elements": [e.code for e in k.data_elements.all()],
        "instruments": _code_names(k.instruments),
        "sdg_targets": _code_names(k.sdg_targets),
        "disclosure_default": k.disclosure_default,
        "provenance": _provenance(k.provenance),
    }


def _outcome(o: Outcome) -> dict[str, Any]:
    return {
        "code": o.code,
        "name": o.name,
        "description": o.description,
        "instruments": _code_names(o.instruments),
        "sdg_targets": _code_names(o.sdg_targets),
        "provenance": _provenance(o.provenance),
        "kpis": [_kpi(k) for k in o.kpis.all()],
    }


def _dimension(d: Dimension) -> dict[str, Any]:
    return {
        "code": d.code,
        "name": d.name,
        "description": d.description,
        "provenance": _provenance(d.provenance),
        "outcomes": [_outcome(o) for o in d.outcomes.all()],
    }


def _element(e: DataElement) -> dict[str, Any]:
    return {
        "code": e.code,
        "name": e.name,
        "description": e.description,
        "type": e.value_type,
        "currency": e.currency,
        "options": e.options,
        "periods": e.periods,
        "range": {"min": e.min_value, "max": e.max_value},
        "required": e.required,
        "formula": e.formula,
        "used_by": [k.code for k in e.kpis.all()],
        "provenance": _provenance(e.provenance),
    }


@router.get(
    "/frameworks",
    response={200: list[FrameworkSummary], **ERROR_RESPONSES},
    summary="List framework versions",
)
def list_frameworks(request: HttpRequest) -> list[dict[str, Any]]:
    actor = actor_of(request)
    require(actor, "framework.view")
    return [_summary(f, actor) for f in selectors.frameworks_list()]


@router.get(
    "/frameworks/{code}", response={200: FrameworkOut, **ERROR_RESPONSES}, summary="A framework's whole tree"
)
def get_framework(request: HttpRequest, code: str, version: str | None = None) -> dict[str, Any]:
    """The active version (or `?version=`): dimensions → outcomes → KPIs, data elements, rules, provenance."""
    actor = actor_of(request)
    require(actor, "framework.view")
    framework = selectors.framework_get(code, version)
    dimensions = [_dimension(d) for d in selectors.framework_tree(framework)]
    outcomes = [o for d in dimensions for o in d["outcomes"]]
    elements = [_element(e) for e in selectors.framework_elements(framework)]
    return {
        **_summary(framework, actor),
        "description": framework.description,
        "languages": framework.languages,
        "counts": {
            "dimensions": len(dimensions),
            "outcomes": len(outcomes),
            "kpis": sum(len(o["kpis"]) for o in outcomes),
            "data_elements": len(elements),
        },
        "dimensions": dimensions,
        "data_elements": elements,
        "consistency_rules": [
            {"code": r.code, "check": r.expression, "severity": r.severity, "message": r.message}
            for r in framework.consistency_rules.all()
        ],
    }


@router.get(
    "/frameworks/{code}/export",
    response=ERROR_RESPONSES,
    summary="The framework file",
    openapi_extra=file_answer(
        "The framework file (docs/framework-format.md)", YAML_CONTENT_TYPE, schema={"type": "object"}
    ),
)
def export_framework(request: HttpRequest, code: str, version: str | None = None) -> HttpResponse:
    require(actor_of(request), "framework.export")
    framework = selectors.framework_get(code, version)
    return framework_file(framework)


@router.post(
    "/frameworks",
    response={200: LoadOut, 201: LoadOut, **ERROR_RESPONSES},
    summary="Load a framework file (Secretariat)",
)
def load_framework(request: HttpRequest, file: File[UploadedFile], reason: str = "") -> Status:
    """Upload a framework YAML file. 201 when a version is created, 200 when replaced or unchanged."""
    actor = actor_of(request)
    require(actor, "framework.load")
    text = file.read().decode("utf-8", errors="replace")
    result = framework_load(actor=actor, text=text, reason=reason)
    body = {
        "result": result.outcome,
        "summary": result.summary(),
        "framework": _summary(result.framework, actor),
    }
    return Status(201 if result.outcome == "created" else 200, body)


@router.post(
    "/frameworks/{code}/versions/{version}/status",
    response={200: FrameworkSummary, **ERROR_RESPONSES},
    summary="Activate or retire a framework version (Secretariat)",
)
def change_status(
    request: HttpRequest, code: str, version: str, payload: FrameworkStatusIn
) -> dict[str, Any]:
    actor = actor_of(request)
    require(actor, "framework.change_status")
    framework = selectors.framework_get(code, version)
    return _summary(
        framework_change_status(
            actor=actor, framework=framework, action=payload.action, reason=payload.reason
        ),
        actor,
    )
