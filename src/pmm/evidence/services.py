"""Writes on evidence files: upload and (soft) removal, shared by the page and the API.

The shape of every write: authorise (`assessment.edit` on the member), check the editing window (by
default the self-assessment's: not submitted, the cycle accepts the member's data), validate (what the
file supports, its size, its kind sniffed from the bytes), store the bytes, then one unit of work on
the assessment (`assessment_write`): the version swapped, the file's row, the change in the history and
one audit event. A refused upload writes nothing, neither a row nor a byte on disk.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from django.conf import settings
from django.utils import timezone

from pmm.assessments.models import Assessment
from pmm.assessments.services import FileChange, Window, assessment_write, editing_window
from pmm.assessments.services.common import acting_user, require_editable
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
    version: int | None = None,
    window: Window = editing_window,
) -> Evidence:
    """Attach a file to a KPI or to one value of the assessment (starting the assessment if need be).
    `version`: the version the writer read (a stale one gets 409; None: not checked, as attaching a
    file overwrites nothing). `window`: the editing window the upload belongs to (the reviews pass
    that of a member's answer to a query)."""
    require(actor, "assessment.edit", assessment)
    require_editable(assessment, window=window)
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

    def store(started: Assessment) -> FileChange:
        evidence = Evidence.objects.create(
            assessment=started,
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
        label = f"{started} · {target.subject} · {name}"
        return FileChange(evidence, None, _file_facts(evidence), "evidence.uploaded", label)

    try:
        with assessment_write(actor, assessment, version, path=path, window=window) as write:
            uploaded = write.evidence(target.subject, store, reason=description)
    except BaseException:
        (evidence_root() / storage_name).unlink(missing_ok=True)
        raise
    return cast(Evidence, uploaded.target)


def evidence_remove(
    *, actor: Any, evidence: Evidence, reason: str = "", path: str = "form", version: int | None = None
) -> Evidence:
    """Withdraw a file: no longer listed or served; the row and the bytes stay for the record.
    `version`: the version the writer read (a stale one gets 409; None: not checked)."""
    reason = (reason or "").strip()

    def store(assessment: Assessment) -> FileChange:
        evidence.deleted_at, evidence.deleted_by, evidence.deleted_reason = (
            timezone.now(),
            acting_user(actor),
            reason,
        )
        evidence.save(update_fields=["deleted_at", "deleted_by", "deleted_reason"])
        label = f"{assessment} · {evidence.subject} · {evidence.original_name}"
        return FileChange(evidence, _file_facts(evidence), None, "evidence.removed", label)

    with assessment_write(actor, evidence.assessment, version, path=path, reason=reason) as write:
        if evidence.deleted_at is not None:
            raise ApplicationError("This file has already been removed.", code="not_found")
        write.evidence(evidence.subject, store)
    return evidence
