"""Writes on evidence files: upload and (soft) removal, shared by the page and the API.

The shape of every write: authorise (`assessment.edit` on the member), check the workflow (not
submitted) and the editing window (the cycle accepts the member's data), validate (what the file
supports, its size, its kind sniffed from the bytes), store, record the change in the assessment's
history and audit it. A refused upload writes nothing, neither a row nor a byte on disk.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pmm.assessments.models import Assessment, AssessmentStatus
from pmm.assessments.services import assessment_start
from pmm.assessments.services.common import acting_user, bump_version, history_record, require_editable
from pmm.audit.services import audit_record
from pmm.authz import require
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.cycles.selectors import cycle_spec
from pmm.evidence.filetypes import FileRefused, sniff
from pmm.evidence.models import Evidence
from pmm.framework.models import DataElement, Kpi

MAX_NAME = 200
MAX_DESCRIPTION = 2000


@dataclass(frozen=True)
class Target:
    """What a file supports: a KPI, or one value (element and period)."""

    kpi: str = ""
    element: str = ""
    period: str = ""

    @property
    def subject(self) -> str:
        return self.kpi if self.kpi else f"{self.element}@{self.period}"


def evidence_root() -> Path:
    return Path(settings.PMM_EVIDENCE_DIR)


def evidence_path(evidence: Evidence) -> Path:
    return evidence_root() / evidence.storage_name


def _clean_name(name: str) -> str:
    """The uploaded file's base name, without folders or control characters, at most MAX_NAME long."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().strip(".") or "file"
    if len(base) > MAX_NAME:
        stem, dot, extension = base.rpartition(".")
        base = stem[: MAX_NAME - len(extension) - 1] + dot + extension if dot else base[:MAX_NAME]
    return base


def _resolve_target(assessment: Assessment, target: Target) -> tuple[Kpi | None, DataElement | None]:
    spec = cycle_spec(assessment.cycle)
    framework = assessment.cycle.framework
    if target.kpi and (target.element or target.period):
        raise ApplicationError(
            "Attach the file either to a KPI or to one value (element and period), not both.",
            code="invalid_values",
            problems=[FieldProblem("kpi", "give either kpi, or element and period")],
        )
    if target.kpi:
        if target.kpi not in spec.kpis:
            raise ApplicationError(
                "Unknown KPI.",
                code="invalid_values",
                problems=[FieldProblem("kpi", f"no KPI {target.kpi} in this cycle's framework")],
            )
        kpi = Kpi.objects.get(outcome__dimension__framework=framework, code=target.kpi)
        return kpi, None
    if not target.element:
        raise ApplicationError(
            "Say what the file supports: a KPI, or a data element and period.",
            code="invalid_values",
            problems=[FieldProblem("kpi", "give either kpi, or element and period")],
        )
    element_spec = spec.elements.get(target.element)
    if element_spec is None:
        raise ApplicationError(
            "Unknown data element.",
            code="invalid_values",
            problems=[FieldProblem("element", f"no data element {target.element} in this cycle's framework")],
        )
    if target.period not in element_spec.periods:
        raise ApplicationError(
            "That period is not collected for this element.",
            code="invalid_values",
            problems=[
                FieldProblem("period", f"{target.element} is collected for {', '.join(element_spec.periods)}")
            ],
        )
    return None, DataElement.objects.get(framework=framework, code=target.element)


def _measure(stream: BinaryIO, limit: int) -> tuple[int, str]:
    """Size and SHA-256 of the whole stream, refusing as soon as it passes `limit` bytes."""
    stream.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(1024 * 1024):
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        digest.update(chunk)
    stream.seek(0)
    return size, digest.hexdigest()


def _too_large(limit: int) -> ApplicationError:
    megabytes = limit / (1024 * 1024)
    return ApplicationError(
        f"The file is too large: at most {megabytes:g} MB.",
        code="invalid_values",
        problems=[FieldProblem("file", f"larger than {limit} bytes")],
    )


def _write(stream: BinaryIO) -> str:
    """Copy the stream under a new random name; return that name (relative to the evidence folder)."""
    token = secrets.token_hex(20)
    storage_name = f"{token[:2]}/{token}"
    path = evidence_root() / storage_name
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_name(path.name + ".part")
    stream.seek(0)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    with os.fdopen(os.open(partial, flags, 0o600), "wb") as out:
        while chunk := stream.read(1024 * 1024):
            out.write(chunk)
    partial.replace(path)
    return storage_name


def _file_facts(evidence: Evidence) -> dict[str, Any]:
    return {
        "id": evidence.pk,
        "name": evidence.original_name,
        "content_type": evidence.content_type,
        "size": evidence.size,
        "sha256": evidence.sha256,
    }


def evidence_upload(
    *,
    actor: Any,
    assessment: Assessment,
    target: Target,
    uploaded_file: Any,
    description: str = "",
    path: str = "form",
    correcting_review: bool = False,
) -> Evidence:
    """Attach a file to a KPI or to one value of the assessment (starting the assessment if need be).
    `correcting_review`: the file answers a peer review query (see `require_editable`)."""
    require(actor, "assessment.edit", assessment)
    require_editable(assessment, correcting_review=correcting_review)
    kpi, element = _resolve_target(assessment, target)
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise ApplicationError(
            "The description is too long.",
            code="invalid_values",
            problems=[FieldProblem("description", f"at most {MAX_DESCRIPTION} characters")],
        )
    if uploaded_file is None:
        raise ApplicationError(
            "Choose a file to upload.", code="invalid_values", problems=[FieldProblem("file", "is required")]
        )
    limit = settings.PMM_EVIDENCE_MAX_BYTES
    declared = getattr(uploaded_file, "size", None)
    if declared is not None and declared > limit:
        raise _too_large(limit)
    stream: BinaryIO = getattr(uploaded_file, "file", uploaded_file)
    name = _clean_name(getattr(uploaded_file, "name", "") or "")
    size, sha256 = _measure(stream, limit)
    try:
        kind = sniff(stream, name)
    except FileRefused as refused:
        raise ApplicationError(
            f"The file was refused: {refused}",
            code="invalid_values",
            problems=[FieldProblem("file", str(refused))],
        ) from refused
    storage_name = _write(stream)
    try:
        with transaction.atomic():
            if assessment.pk:
                assessment.refresh_from_db(fields=["status"])
            if not assessment.pk or assessment.status == AssessmentStatus.NOT_STARTED:
                assessment = assessment_start(actor=actor, assessment=assessment, path=path)
            require_editable(assessment, correcting_review=correcting_review)
            evidence = Evidence.objects.create(
                assessment=assessment,
                kpi=kpi,
                element=element,
                period=target.period if element is not None else "",
                original_name=name,
                content_type=kind.content_type,
                size=size,
                sha256=sha256,
                storage_name=storage_name,
                description=description,
                uploaded_by=acting_user(actor),
            )
            bump_version(assessment, None)
            facts = _file_facts(evidence)
            history_record(
                assessment,
                f"evidence:{target.subject}",
                {"file": (None, facts)},
                actor=actor,
                path=path,
                reason=description,
            )
            audit_record(
                actor=actor,
                verb="evidence.uploaded",
                target=evidence,
                target_label=f"{assessment} · {target.subject} · {name}",
                after={**facts, "subject": target.subject, "description": description},
            )
    except BaseException:
        (evidence_root() / storage_name).unlink(missing_ok=True)
        raise
    return evidence


@transaction.atomic
def evidence_remove(*, actor: Any, evidence: Evidence, reason: str = "", path: str = "form") -> Evidence:
    """Withdraw a file: no longer listed or served; the row and the bytes stay for the record."""
    assessment = evidence.assessment
    require(actor, "assessment.edit", assessment)
    if evidence.deleted_at is not None:
        raise ApplicationError("This file has already been removed.", code="not_found")
    require_editable(assessment)
    reason = (reason or "").strip()
    evidence.deleted_at, evidence.deleted_by, evidence.deleted_reason = (
        timezone.now(),
        acting_user(actor),
        reason,
    )
    evidence.save(update_fields=["deleted_at", "deleted_by", "deleted_reason"])
    bump_version(assessment, None)
    facts = _file_facts(evidence)
    history_record(
        assessment,
        f"evidence:{evidence.subject}",
        {"file": (facts, None)},
        actor=actor,
        path=path,
        reason=reason,
    )
    audit_record(
        actor=actor,
        verb="evidence.removed",
        target=evidence,
        target_label=f"{assessment} · {evidence.subject} · {evidence.original_name}",
        before={**facts, "subject": evidence.subject},
        reason=reason,
    )
    return evidence
