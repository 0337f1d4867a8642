"""Results API: KPI results (published or current), downloads, publications."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import AliasChoices, AliasPath, BaseModel, Field

from pmm.assessments.selectors import assessment_access
from pmm.core.api import (
    ERROR_RESPONSES,
    AttributesOut,
    Input,
    TranslatedText,
    actor_of,
    json_content,
    json_response,
)
from pmm.core.downloads import CSV_TYPE, XLSX_TYPE, attachment
from pmm.core.errors import NotFound
from pmm.core.openapi import file_answer
from pmm.cycles.selectors import cycle_get
from pmm.disclosure.audience import audience_of
from pmm.results.answer_cache import kept_answer
from pmm.results.changelog import change_log_for
from pmm.results.engine import KpiResult
from pmm.results.exports import result_records, results_csv, results_xlsx
from pmm.results.group_stats import cycle_aggregates
from pmm.results.models import Publication
from pmm.results.selectors import (
    ResultFilters,
    Results,
    cycle_results,
    live_results,
    publication_get,
    publications_of,
)
from pmm.results.services import publication_create

router = Router(tags=["results"])


class ResultsQuery(Schema):
    member: str = ""
    kpi: str = ""
    outcome: str = ""
    dimension: str = ""
    publication: str | None = None  # a number (default: the latest) or "current"


class ResultsListQuery(ResultsQuery):
    offset: int = 0  # rows to skip (negative counts as 0)
    limit: int | None = None  # rows to return at most (at least 1); default: every row


class ResultOut(BaseModel):  # plain pydantic: ninja's Schema getter is slow on 10,000 rows
    member: str
    member_name: str
    dimension: str
    outcome: str
    kpi: str
    kpi_name: str
    component: str
    status: str
    value: float | None
    unit: str
    reason: str
    detail: str
    disclosure: str
    band: str  # score band when the framework defines scoring for this KPI, else ""


# A publication (`results.models.Publication`; also read back from its JSON, by the answer's names).
class PublicationOut(Schema):
    cycle: int = Field(validation_alias=AliasChoices("cycle_id", "cycle"))
    number: int
    published_at: datetime
    note: str
    framework: str = Field(validation_alias=AliasChoices("framework_code", "framework"))
    framework_version: str
    framework_fingerprint: str
    computation_version: str
    inputs_fingerprint: str
    member_count: int


class PublicationDetailOut(PublicationOut):
    change_log: list[dict[str, Any]]  # against the previous publication, as the caller may see it

    @staticmethod
    def resolve_change_log(publication: Publication, context: dict[str, Any]) -> list[dict[str, Any]]:
        return change_log_for(audience_of(actor_of(context["request"])), publication)


class ResultsOut(Schema):
    cycle: int
    source: str  # "publication", "current" or "none"
    publication: PublicationOut | None
    count: int  # every row of the selection, whatever offset and limit
    offset: int
    limit: int | None  # None: every row from offset on
    results: list[ResultOut]


class AggregatesQuery(Schema):
    kpi: str = ""
    group_type: str = ""  # global, wco_region, income_group, geography, union or custom
    group: str = ""
    publication: str | None = None  # a number; default: the latest
    reviewed_only: bool = False  # statistics of peer-reviewed values only


def _of_result(name: str) -> Any:
    """A statistic of a group's `result`: None when it is withheld (`Suppressed` has only a reason)."""
    return Field(None, validation_alias=AliasPath("result", name))


# A group's statistics (`results.group_stats.GroupAggregate`): released, or why they are withheld.
class AggregateOut(AttributesOut):
    kpi: str
    component: str
    group: str
    group_type: str
    group_name: TranslatedText
    released: bool
    count: int | None = _of_result("count")
    mean: float | None = _of_result("mean")
    median: float | None = _of_result("median")
    q1: float | None = _of_result("q1")
    q3: float | None = _of_result("q3")
    # too_few, few_withheld or differencing (docs/disclosure.md)
    withheld_because: str | None = _of_result("reason")
    reviewed_only: bool


class AggregatesOut(Schema):
    cycle: int
    publication: PublicationOut | None
    min_members: int
    count: int
    aggregates: list[AggregateOut]


class PublishIn(Input):
    note: str = ""


class PreviewOut(Schema):
    kpi: str
    component: str
    status: str
    value: float | None
    reason: str
    detail: str
    missing: list[str]


def _results(request: HttpRequest, cycle: int, query: ResultsQuery) -> Results:
    filters = ResultFilters.from_query(query.dict())
    return cycle_results(actor_of(request), cycle_get(cycle), query.publication, filters)


def _publication(publication: Publication | None) -> dict[str, Any] | None:
    """The publication as `PublicationOut` answers it, for an answer rendered without validation."""
    return PublicationOut.model_validate(publication).model_dump() if publication else None


@router.get(
    "/cycles/{cycle}/results",
    response={200: ResultsOut, **ERROR_RESPONSES},
    url_name="results_list",
    summary="KPI results you may see (filters: member, kpi, outcome, dimension, publication)",
)
def results_list(request: HttpRequest, cycle: int, query: Query[ResultsListQuery]) -> HttpResponse:
    """Rendered straight from the records, which already have the fields of `ResultsOut` in its order
    (tests/test_results_cache.py checks it): validating 10,000 rows against it took a third of the time."""
    results = _results(request, cycle, query)
    source = "current" if results.is_current else "publication" if results.publication else "none"
    offset = max(0, query.offset)
    limit = None if query.limit is None else max(1, query.limit)
    end = None if limit is None else offset + limit

    def answer() -> bytes:
        return json_content(
            request,
            {
                "cycle": cycle,
                "source": source,
                "publication": _publication(results.publication),
                "count": len(results.rows),
                "offset": offset,
                "limit": limit,
                "results": result_records(replace(results, rows=results.rows[offset:end])),
            },
        )

    return json_response(kept_answer(results, "json", answer, offset, limit))


@router.get(
    "/cycles/{cycle}/results.csv",
    response=ERROR_RESPONSES,
    url_name="results_csv_download",
    summary="Results as CSV",
    openapi_extra=file_answer("The results", CSV_TYPE),
)
def results_csv_download(request: HttpRequest, cycle: int, query: Query[ResultsQuery]) -> HttpResponse:
    results = _results(request, cycle, query)
    content = kept_answer(results, "csv", lambda: results_csv(results).encode())
    return attachment(content, CSV_TYPE, f"pmm-results-{cycle}.csv")


@router.get(
    "/cycles/{cycle}/results.xlsx",
    response=ERROR_RESPONSES,
    summary="Results as XLSX",
    openapi_extra=file_answer("The results", XLSX_TYPE),
)
def results_xlsx_download(request: HttpRequest, cycle: int, query: Query[ResultsQuery]) -> HttpResponse:
    results = _results(request, cycle, query)
    content = kept_answer(results, "xlsx", lambda: results_xlsx(results))
    return attachment(content, XLSX_TYPE, f"pmm-results-{cycle}.xlsx")


@router.get(
    "/cycles/{cycle}/assessments/{iso3}/results",
    response={200: list[PreviewOut], **ERROR_RESPONSES},
    summary="Live preview of a member's KPIs from its current data (the member and the Secretariat)",
)
def results_preview(request: HttpRequest, cycle: int, iso3: str) -> list[KpiResult]:
    return live_results(assessment_access(actor_of(request), cycle_get(cycle), iso3))


@router.get(
    "/cycles/{cycle}/aggregates",
    response={200: AggregatesOut, **ERROR_RESPONSES},
    url_name="aggregates_list",
    summary=(
        "Group statistics (count, mean, median, quartiles) you may see; filters: kpi, group_type, group, "
        "reviewed_only (peer-reviewed values only)"
    ),
)
def aggregates_list(request: HttpRequest, cycle: int, query: Query[AggregatesQuery]) -> dict[str, Any]:
    chosen_cycle = cycle_get(cycle)
    publication = publication_get(chosen_cycle, query.publication)
    found = cycle_aggregates(
        actor_of(request),
        chosen_cycle,
        publication,
        query.kpi,
        query.group_type,
        query.group,
        query.reviewed_only,
    )
    return {
        "cycle": cycle,
        "publication": publication,
        "min_members": settings.PMM_AGGREGATE_MIN_MEMBERS,
        "count": len(found),
        "aggregates": found,
    }


@router.get("/publications", response={200: list[PublicationOut], **ERROR_RESPONSES}, summary="Publications")
def publications_list(request: HttpRequest, cycle: int | None = None) -> list[Publication]:
    return list(publications_of(cycle_get(cycle) if cycle is not None else None))


@router.get(
    "/cycles/{cycle}/publications/{number}",
    response={200: PublicationDetailOut, **ERROR_RESPONSES},
    summary="One publication with its change log against the previous one",
)
def publication_detail(request: HttpRequest, cycle: int, number: int) -> Publication:
    publication = publication_get(cycle_get(cycle), number)
    if publication is None:  # only without a number; kept for the type checker
        raise NotFound("No such publication.")
    return publication


@router.post(
    "/cycles/{cycle}/publications",
    response={201: PublicationDetailOut, **ERROR_RESPONSES},
    summary="Publish the cycle's current results as a new snapshot (Secretariat)",
)
def publication_post(request: HttpRequest, cycle: int, payload: PublishIn) -> Status:
    return Status(201, publication_create(actor=actor_of(request), cycle=cycle_get(cycle), note=payload.note))
