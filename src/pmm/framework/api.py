"""Frameworks API: the versions of a framework, a version's whole catalogue and its file; the
Secretariat loads files and activates or retires versions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from pmm.authz import require
from pmm.core.api import ERROR_RESPONSES, Input, IsoText, actor_of
from pmm.core.openapi import file_answer
from pmm.framework import selectors
from pmm.framework.loader import YAML_CONTENT_TYPE
from pmm.framework.models import DataElement, Framework, Kpi
from pmm.framework.selectors import FrameworkTree, framework_file
from pmm.framework.services import framework_change_status, framework_load
from pmm.framework.workflow import FRAMEWORK_WORKFLOW

router = Router(tags=["frameworks"])

Text = dict[str, str]


class Provenance(Schema):
    """Read from a `provenance` mapping of the framework file."""

    status: str
    source: str
    note: Text = {}
    official: bool

    @staticmethod
    def resolve_status(obj: dict[str, Any]) -> str:
        return obj.get("status", "")

    @staticmethod
    def resolve_source(obj: dict[str, Any]) -> str:
        return obj.get("source", "")

    @staticmethod
    def resolve_note(obj: dict[str, Any]) -> Text:
        return obj.get("note", {})

    @staticmethod
    def resolve_official(obj: dict[str, Any]) -> bool:
        return obj.get("status") == "official"


class CodeName(Schema):
    code: str
    name: Text


class KpiOut(Schema):
    code: str
    name: Text
    description: Text
    kind: str
    unit: str = Field(validation_alias="unit.code")
    unit_symbol: str = Field(validation_alias="unit.symbol")
    direction: str
    formula: dict[str, str]
    range: dict[str, float | None]
    data_elements: list[str]
    instruments: list[CodeName]
    sdg_targets: list[CodeName]
    disclosure_default: str
    provenance: Provenance

    @staticmethod
    def resolve_range(obj: Kpi) -> dict[str, float | None]:
        return {"min": obj.min_value, "max": obj.max_value}

    @staticmethod
    def resolve_data_elements(obj: Kpi) -> list[str]:
        return [e.code for e in obj.data_elements.all()]


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
    type: str = Field(validation_alias="value_type")
    currency: str
    options: list[dict[str, Any]]
    periods: list[str]
    range: dict[str, float | None]
    required: bool
    formula: str
    used_by: list[str]
    provenance: Provenance

    @staticmethod
    def resolve_range(obj: DataElement) -> dict[str, float | None]:
        return {"min": obj.min_value, "max": obj.max_value}

    @staticmethod
    def resolve_used_by(obj: DataElement) -> list[str]:
        return [k.code for k in obj.kpis.all()]


class RuleOut(Schema):
    code: str
    check: str = Field(validation_alias="expression")
    severity: str
    message: Text


class FrameworkSummary(Schema):
    code: str
    version: str
    status: str
    title: Text
    fingerprint: str
    loaded_at: IsoText
    provenance: Provenance
    moves: list[str]  # the status changes the caller may make now ("activate", "retire")

    @staticmethod
    def resolve_moves(obj: Framework | FrameworkTree, context: dict[str, Any]) -> list[str]:
        version = obj.framework if isinstance(obj, FrameworkTree) else obj
        return FRAMEWORK_WORKFLOW.available(actor_of(context["request"]), version)


class FrameworkOut(FrameworkSummary):
    """Read from a `FrameworkTree`."""

    description: Text
    languages: list[str]
    counts: dict[str, int]
    dimensions: list[DimensionOut]
    data_elements: list[DataElementOut]
    consistency_rules: list[RuleOut]

    @staticmethod
    def resolve_counts(obj: FrameworkTree) -> dict[str, int]:
        outcomes = [o for d in obj.dimensions for o in d.outcomes.all()]
        return {
            "dimensions": len(obj.dimensions),
            "outcomes": len(outcomes),
            "kpis": sum(len(o.kpis.all()) for o in outcomes),
            "data_elements": len(obj.data_elements),
        }


class FrameworkStatusIn(Input):
    action: str
    reason: str = ""


class LoadOut(Schema):
    """Read from the `FrameworkLoadResult` of the load."""

    result: str = Field(validation_alias="outcome")
    summary: str
    framework: FrameworkSummary


@router.get(
    "/frameworks",
    response={200: list[FrameworkSummary], **ERROR_RESPONSES},
    summary="List framework versions",
)
def list_frameworks(request: HttpRequest) -> list[Framework]:
    require(actor_of(request), "framework.view")  # the selector checks no one
    return selectors.frameworks_list()


@router.get(
    "/frameworks/{code}", response={200: FrameworkOut, **ERROR_RESPONSES}, summary="A framework's whole tree"
)
def get_framework(request: HttpRequest, code: str, version: str | None = None) -> FrameworkTree:
    """The active version (or `?version=`): dimensions → outcomes → KPIs, data elements, rules, provenance."""
    require(actor_of(request), "framework.view")  # the selectors check no one
    framework = selectors.framework_get(code, version)
    return selectors.framework_whole(framework)


@router.get(
    "/frameworks/{code}/export",
    response=ERROR_RESPONSES,
    summary="The framework file",
    openapi_extra=file_answer(
        "The framework file (docs/framework-format.md)", YAML_CONTENT_TYPE, schema={"type": "object"}
    ),
)
def export_framework(request: HttpRequest, code: str, version: str | None = None) -> HttpResponse:
    require(actor_of(request), "framework.export")  # the selectors check no one
    framework = selectors.framework_get(code, version)
    return framework_file(framework)


@router.post(
    "/frameworks",
    response={200: LoadOut, 201: LoadOut, **ERROR_RESPONSES},
    summary="Load a framework file (Secretariat)",
)
def load_framework(request: HttpRequest, file: File[UploadedFile], reason: str = "") -> Status:
    """Upload a framework YAML file. 201 when a version is created, 200 when replaced or unchanged."""
    text = file.read().decode("utf-8", errors="replace")
    result = framework_load(actor=actor_of(request), text=text, reason=reason)
    return Status(201 if result.outcome == "created" else 200, result)


@router.post(
    "/frameworks/{code}/versions/{version}/status",
    response={200: FrameworkSummary, **ERROR_RESPONSES},
    summary="Activate or retire a framework version (Secretariat)",
)
def change_status(request: HttpRequest, code: str, version: str, payload: FrameworkStatusIn) -> Framework:
    actor = actor_of(request)
    require(actor, "framework.change_status")  # before the lookup: 403 whatever the version, not 404
    framework = selectors.framework_get(code, version)
    return framework_change_status(
        actor=actor, framework=framework, action=payload.action, reason=payload.reason
    )
