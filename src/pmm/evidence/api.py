"""Evidence files of an assessment: list, upload (multipart), download, remove."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from pmm.assessments.selectors import assessment_access
from pmm.core.api import ERROR_RESPONSES, IsoText, actor_of
from pmm.core.openapi import file_answer
from pmm.cycles.selectors import cycle_get
from pmm.evidence.download import DOWNLOAD_TYPES, evidence_response
from pmm.evidence.models import Evidence
from pmm.evidence.selectors import evidence_get, evidence_list
from pmm.evidence.services import Target, evidence_remove, evidence_upload

router = Router(tags=["evidence"])

BASE = "/cycles/{cycle}/assessments/{iso3}/evidence"


class EvidenceOut(Schema):
    id: int
    kpi: str | None
    element: str | None
    period: str | None
    name: str = Field(validation_alias="original_name")
    content_type: str
    size: int
    sha256: str
    description: str
    uploaded_by: str | None
    uploaded_at: IsoText
    download_url: str

    @staticmethod
    def resolve_kpi(obj: Evidence) -> str | None:
        return obj.kpi.code if obj.kpi else None

    @staticmethod
    def resolve_element(obj: Evidence) -> str | None:
        return obj.element.code if obj.element else None

    @staticmethod
    def resolve_period(obj: Evidence) -> str | None:
        return obj.period or None

    @staticmethod
    def resolve_uploaded_by(obj: Evidence) -> str | None:
        return obj.uploaded_by.username if obj.uploaded_by else None

    @staticmethod
    def resolve_download_url(obj: Evidence) -> str:
        assessment = obj.assessment
        return reverse(
            "api:evidence_download",
            kwargs={"cycle": assessment.cycle_id, "iso3": assessment.member.iso3, "evidence_id": obj.pk},
        )


class EvidenceRemovedOut(Schema):
    id: int
    removed: bool


@router.get(
    BASE, response={200: list[EvidenceOut], **ERROR_RESPONSES}, summary="Evidence files of an assessment"
)
def list_evidence(request: HttpRequest, cycle: int, iso3: str) -> list[Evidence]:
    actor = actor_of(request)
    assessment = assessment_access(actor, cycle_get(cycle), iso3)
    files = list(evidence_list(actor, assessment))
    for e in files:
        e.assessment = assessment  # the one assessment, read once, for every file's download link
    return files


@router.post(
    BASE,
    response={201: EvidenceOut, **ERROR_RESPONSES},
    summary="Upload an evidence file for a KPI, or for one value (element and period)",
)
def upload_evidence(
    request: HttpRequest,
    cycle: int,
    iso3: str,
    file: File[UploadedFile],
    kpi: Form[str] = "",
    element: Form[str] = "",
    period: Form[str] = "",
    description: Form[str] = "",
    version: Form[int | None] = None,
) -> Status:
    """Multipart form: `file`, and either `kpi` or `element` and `period` (`T` or `T-1`); optional
    `description`, and `version`, the assessment version read (a stale one gets 409; without it the
    file is attached to the assessment as it is: attaching overwrites nothing). Accepted: PDF, PNG,
    JPEG, XLSX, DOCX, CSV, TXT, judged from the content."""
    actor = actor_of(request)
    assessment = assessment_access(actor, cycle_get(cycle), iso3)
    evidence = evidence_upload(
        actor=actor,
        assessment=assessment,
        target=Target(kpi=kpi.strip(), element=element.strip(), period=period.strip()),
        uploaded_file=file,
        description=description,
        path="api",
        version=version,
    )
    return Status(201, evidence)


@router.get(
    BASE + "/{evidence_id}",
    response=ERROR_RESPONSES,
    url_name="evidence_download",
    summary="Download an evidence file (always as an attachment)",
    openapi_extra=file_answer("The file, as the kind it was judged to be", *DOWNLOAD_TYPES),
)
def download_evidence(request: HttpRequest, cycle: int, iso3: str, evidence_id: int) -> FileResponse:
    return evidence_response(evidence_get(actor_of(request), cycle_get(cycle), iso3, evidence_id))


@router.delete(
    BASE + "/{evidence_id}",
    response={200: EvidenceRemovedOut, **ERROR_RESPONSES},
    summary="Remove an evidence file (it stays in the history)",
)
def remove_evidence(
    request: HttpRequest,
    cycle: int,
    iso3: str,
    evidence_id: int,
    reason: str = "",
    version: int | None = None,
) -> dict[str, object]:
    """`version`: the assessment version read (a stale one gets 409; without it the file is withdrawn
    from the assessment as it is: withdrawing overwrites nothing)."""
    actor = actor_of(request)
    evidence = evidence_get(actor, cycle_get(cycle), iso3, evidence_id)
    evidence_remove(actor=actor, evidence=evidence, reason=reason, path="api", version=version)
    return {"id": evidence.pk, "removed": True}
