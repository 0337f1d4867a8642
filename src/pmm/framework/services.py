"""Writes on the framework catalogue: load a checked file, change a version's status. All audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from pmm.audit.services import audit_record
from pmm.authz import require
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.framework import formula as fx
from pmm.framework.loader import CheckedFramework, framework_parse
from pmm.framework.models import (
    ConsistencyRule,
    DataElement,
    Dimension,
    Framework,
    FrameworkStatus,
    Instrument,
    Kpi,
    Outcome,
    SdgTarget,
    Unit,
)
from pmm.framework.workflow import FRAMEWORK_WORKFLOW


@dataclass(frozen=True)
class FrameworkLoadResult:
    framework: Framework
    outcome: str  # "created", "replaced" or "unchanged"

    def summary(self) -> str:
        counts = self.framework.document
        kpis = sum(len(o["kpis"]) for d in counts["dimensions"] for o in d["outcomes"])
        outcomes = sum(len(d["outcomes"]) for d in counts["dimensions"])
        return (
            f"{self.framework.code} {self.framework.version} ({self.framework.status}): {self.outcome}; "
            f"{len(counts['dimensions'])} dimensions, {outcomes} outcomes, {kpis} KPIs, "
            f"{len(counts['data_elements'])} data elements; fingerprint {self.framework.fingerprint[:12]}"
        )


def framework_load(*, actor: Any, text: str, reason: str = "") -> FrameworkLoadResult:
    """Check and load a framework file. Loading the same file again changes nothing."""
    require(actor, "framework.load")
    checked = framework_parse(text)
    return _store(actor=actor, checked=checked, reason=reason)


@transaction.atomic
def _store(*, actor: Any, checked: CheckedFramework, reason: str) -> FrameworkLoadResult:
    existing = (
        Framework.objects.select_for_update().filter(code=checked.code, version=checked.version).first()
    )
    if existing is not None and existing.fingerprint == checked.fingerprint:
        return FrameworkLoadResult(existing, "unchanged")
    if existing is not None and existing.is_locked:
        raise ApplicationError(
            f"{existing} is {existing.status} and can no longer change; give the changed file a new version.",
            code="framework_locked",
            problems=[
                FieldProblem("framework.version", f"{checked.version} is already loaded as {existing.status}")
            ],
        )
    header = checked.document["framework"]
    before = None
    if existing is not None:
        before = {"fingerprint": existing.fingerprint, "status": existing.status}
        existing.dimensions.all().delete()
        for related in (
            existing.data_elements,
            existing.units,
            existing.instruments,
            existing.sdg_targets,
            existing.consistency_rules,
        ):
            related.all().delete()
        framework = existing
    else:
        framework = Framework(code=checked.code, version=checked.version)
    framework.status = header["status"]
    framework.title = header["title"]
    framework.description = header.get("description", {})
    framework.languages = header["languages"]
    framework.provenance = header["provenance"]
    framework.document = checked.document
    framework.fingerprint = checked.fingerprint
    framework.loaded_by = actor if getattr(actor, "is_authenticated", False) else None
    framework.save()
    _store_catalogue(framework, checked)
    audit_record(
        actor=actor,
        verb="framework.loaded" if before is None else "framework.replaced",
        target=framework,
        before=before,
        reason=reason,
        after={"fingerprint": framework.fingerprint, "status": framework.status},
    )
    if framework.status == FrameworkStatus.ACTIVE:
        _retire_other_versions(actor, framework)
    return FrameworkLoadResult(framework, "created" if before is None else "replaced")


def _described(item: dict[str, Any], position: int, default_provenance: Any) -> dict[str, Any]:
    """The fields a dimension and an outcome share, from the file's item at its position."""
    return {
        "code": item["code"],
        "name": item["name"],
        "description": item.get("description", {}),
        "provenance": item.get("provenance", default_provenance),
        "position": position,
    }


def _store_catalogue(framework: Framework, checked: CheckedFramework) -> None:
    doc = checked.document
    default_provenance = doc["framework"]["provenance"]
    units = {
        u["code"]: Unit.objects.create(
            framework=framework, code=u["code"], symbol=u.get("symbol", ""), name=u["name"]
        )
        for u in doc["units"]
    }
    instruments = {
        i["code"]: i_obj
        for i_obj, i in (
            (Instrument(framework=framework, code=i["code"], name=i["name"], position=n), i)
            for n, i in enumerate(doc.get("instruments") or [])
        )
    }
    Instrument.objects.bulk_create(instruments.values())
    sdgs = {
        s["code"]: SdgTarget(framework=framework, code=s["code"], name=s["name"], position=n)
        for n, s in enumerate(doc.get("sdg_targets") or [])
    }
    SdgTarget.objects.bulk_create(sdgs.values())
    elements = {}
    for n, e in enumerate(doc["data_elements"]):
        bounds = e.get("range") or {}
        elements[e["code"]] = DataElement(
            framework=framework,
            code=e["code"],
            name=e["name"],
            description=e.get("description", {}),
            value_type=e["type"],
            currency=e.get("currency", ""),
            options=e.get("options", []),
            periods=e.get("periods", ["T"]),
            min_value=bounds.get("min"),
            max_value=bounds.get("max"),
            required=e.get("required", True),
            formula=e.get("formula", ""),
            provenance=e.get("provenance", default_provenance),
            position=n,
        )
    DataElement.objects.bulk_create(elements.values())
    ConsistencyRule.objects.bulk_create(
        ConsistencyRule(
            framework=framework,
            code=r["code"],
            expression=r["check"],
            severity=r["severity"],
            message=r["message"],
            position=n,
        )
        for n, r in enumerate(doc.get("consistency_rules") or [])
    )
    position = 0
    for d_pos, d in enumerate(doc["dimensions"]):
        dimension = Dimension.objects.create(framework=framework, **_described(d, d_pos, default_provenance))
        for o_pos, o in enumerate(d["outcomes"]):
            outcome = Outcome.objects.create(dimension=dimension, **_described(o, o_pos, default_provenance))
            outcome.instruments.set([instruments[c] for c in o.get("instruments") or []])
            outcome.sdg_targets.set([sdgs[c] for c in o.get("sdg_targets") or []])
            for k in o["kpis"]:
                position += 1
                bounds = k.get("range") or {}
                formulas = k["formula"] if isinstance(k["formula"], dict) else {"value": k["formula"]}
                kpi = Kpi.objects.create(
                    outcome=outcome,
                    code=k["code"],
                    name=k["name"],
                    description=k.get("description", {}),
                    kind=k["kind"],
                    unit=units[k["unit"]],
                    direction=k["direction"],
                    formula=formulas,
                    min_value=bounds.get("min"),
                    max_value=bounds.get("max"),
                    disclosure_default=k["disclosure_default"],
                    provenance=k.get("provenance", default_provenance),
                    position=position,
                )
                kpi.instruments.set([instruments[c] for c in k.get("instruments") or []])
                kpi.sdg_targets.set([sdgs[c] for c in k.get("sdg_targets") or []])
                used = {
                    r.element for expr in checked.formulas[k["code"]].values() for r in fx.references(expr)
                }
                kpi.data_elements.set([elements[c] for c in sorted(used)])


def _retire_other_versions(actor: Any, framework: Framework) -> None:
    others = Framework.objects.filter(code=framework.code, status=FrameworkStatus.ACTIVE).exclude(
        pk=framework.pk
    )
    for other in others:
        other.status = FrameworkStatus.RETIRED
        other.save(update_fields=["status"])
        audit_record(
            actor=actor,
            verb="framework.retired",
            target=other,
            before={"status": "active"},
            after={"status": "retired"},
            reason=f"superseded by version {framework.version}",
        )


@transaction.atomic
def framework_change_status(*, actor: Any, framework: Framework, action: str, reason: str = "") -> Framework:
    """Activate or retire a framework version (activating one retires the code's other active version)."""
    new_status = FRAMEWORK_WORKFLOW.require(actor, framework, action)
    before = framework.status
    framework.status = new_status
    framework.document = {
        **framework.document,
        "framework": {**framework.document["framework"], "status": str(new_status)},
    }
    framework.save(update_fields=["status", "document"])
    audit_record(
        actor=actor,
        verb=f"framework.{action}d",
        target=framework,
        before={"status": before},
        after={"status": new_status},
        reason=reason,
    )
    if new_status == FrameworkStatus.ACTIVE:
        _retire_other_versions(actor, framework)
    return framework
