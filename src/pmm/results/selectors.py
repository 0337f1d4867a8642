"""Reads of KPI results. Everything a viewer gets passes the disclosure filter of `pmm.disclosure`.

Published results are read by anyone, filtered by disclosure level. Current (unpublished) results
are read only through `assessment.view`: by the member's own people and by the Secretariat. Every
function runs a fixed number of queries, whatever the number of members and KPIs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.core.cache import cache
from django.db.models import OuterRef, QuerySet, Subquery, TextField
from django.db.models.functions import Cast

from pmm.assessments.models import Assessment, AssessmentStatus, DataValue, KpiResponse
from pmm.assessments.validation import Entry
from pmm.authz import can_somewhere, scope
from pmm.core.errors import ApplicationError, FieldProblem, NotFound
from pmm.cycles.models import Cycle
from pmm.cycles.selectors import cycle_spec
from pmm.disclosure.audience import audience_of
from pmm.disclosure.policy import Audience
from pmm.framework.spec import FrameworkSpec
from pmm.members.models import Member
from pmm.members.selectors import member_find, unknown_member
from pmm.results.engine import Inputs, KpiResult, compute
from pmm.results.models import KpiResult as StoredResult
from pmm.results.models import Publication, PublishedMember, PublishedResult
from pmm.results.scoring import score_value

CURRENT = "current"


def inputs_of(assessment_ids: Iterable[int]) -> dict[int, Inputs]:
    """The results inputs of several assessments, in two queries: for computing (services and jobs),
    never shown as such to a reader."""
    ids = list(assessment_ids)
    entries: dict[int, dict[tuple[str, str], Entry]] = {i: {} for i in ids}
    # Each value is a JSON document: read as text and decoded all at once (one `json.loads` of an
    # array), rather than one by one by the field, which was most of the time of a cycle's read.
    rows = list(
        DataValue.objects.unrestricted()
        .filter(assessment_id__in=ids)
        .values_list(
            "assessment_id", "element__code", "period", Cast("value", TextField()), "state", "reason"
        )
    )
    values = json.loads("[" + ",".join("null" if row[3] is None else row[3] for row in rows) + "]")
    for (assessment_id, code, period, _, state, reason), value in zip(rows, values, strict=True):
        entries[assessment_id][(code, period)] = Entry(value, state, reason)
    declined: dict[int, dict[str, str]] = {i: {} for i in ids}
    responses = (
        KpiResponse.objects.unrestricted()
        .filter(assessment_id__in=ids, applicable=False)
        .values_list("assessment_id", "kpi__code", "justification")
    )
    for assessment_id, code, justification in responses:
        declined[assessment_id][code] = justification
    return {i: Inputs(entries[i], declined[i]) for i in ids}


def disclosures_of(spec: FrameworkSpec, assessment_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Each assessment's disclosure level per KPI (the member's choice, else the framework default):
    what publishing records with each figure."""
    ids = list(assessment_ids)
    levels = {i: {code: k.disclosure_default for code, k in spec.kpis.items()} for i in ids}
    chosen = (
        KpiResponse.objects.unrestricted()
        .filter(assessment_id__in=ids)
        .values_list("assessment_id", "kpi__code", "disclosure")
    )
    for assessment_id, code, level in chosen:
        levels[assessment_id][code] = level
    return levels


def live_results(assessment: Assessment) -> list[KpiResult]:
    """The assessment's KPIs computed now from its current data (the member's preview while in draft)."""
    if not assessment.pk:
        return compute(cycle_spec(assessment.cycle), Inputs({}))
    return compute(cycle_spec(assessment.cycle), inputs_of([assessment.pk])[assessment.pk])


def publications_of(cycle: Cycle | None = None) -> QuerySet[Publication]:
    publications = Publication.objects.select_related("cycle", "published_by")
    return publications.filter(cycle=cycle) if cycle is not None else publications


def latest_publication(cycle: Cycle) -> Publication | None:
    return Publication.objects.filter(cycle=cycle).order_by("-number").first()


def latest_publications_by_cycle(cycle_ids: Collection[int]) -> dict[int, Publication]:
    """The latest publication of each cycle that has one, by cycle id, in one query."""
    latest = Publication.objects.filter(cycle=OuterRef("cycle")).order_by("-number").values("pk")[:1]
    found = Publication.objects.filter(cycle_id__in=list(cycle_ids), pk=Subquery(latest))
    return {p.cycle_id: p for p in found}


def publication_get(cycle: Cycle, number: int | str | None) -> Publication | None:
    """A publication by number, or the latest when `number` is None (None if nothing is published)."""
    if number is None or number == "":
        return latest_publication(cycle)
    try:
        wanted = int(number)
    except (TypeError, ValueError):
        raise ApplicationError(
            "The publication must be a number or 'current'.",
            problems=[FieldProblem("publication", "must be a number or 'current'")],
        ) from None
    publication = Publication.objects.filter(cycle=cycle, number=wanted).first()
    if publication is None:
        raise NotFound(f"Publication {wanted} of this cycle does not exist.")
    return publication


class ResultRow(NamedTuple):  # a named tuple: made 10,000 times per read, five times faster than a dataclass
    member_id: int
    iso3: str
    member_name: dict[str, str]
    kpi: str
    component: str
    status: str
    value: float | None
    reason: str
    detail: str
    disclosure: str
    band: str = ""  # the score band, when the framework defines scoring and this component is scored


@dataclass(frozen=True)
class ResultFilters:
    member: str = ""
    kpi: str = ""
    outcome: str = ""
    dimension: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> ResultFilters:
        """The filters of a page's or the API's query string (other keys are ignored)."""
        return cls(*(str(query.get(name) or "") for name in ("member", "kpi", "outcome", "dimension")))

    def as_query(self) -> dict[str, str]:
        return {name: value for name, value in vars(self).items() if value}

    def kpi_codes(self, spec: FrameworkSpec) -> list[str] | None:
        """The KPI codes selected by kpi/outcome/dimension, None for all; unknown codes are an error."""
        codes: list[str] | None = None
        checks: list[tuple[str, str, Collection[str]]] = [
            ("kpi", self.kpi, spec.kpis.keys()),
            ("outcome", self.outcome, spec.outcomes.keys()),
            ("dimension", self.dimension, spec.dimensions.keys()),
        ]
        for field, value, known in checks:
            if value and value not in known:
                raise ApplicationError(
                    f"No {field} {value} in this cycle's framework.",
                    problems=[FieldProblem(field, f"unknown code {value!r}")],
                )
        if self.kpi:
            codes = [self.kpi]
        chosen = [
            k.code
            for k in spec.kpis.values()
            if (not self.outcome or k.outcome == self.outcome)
            and (not self.dimension or k.dimension == self.dimension)
        ]
        if self.outcome or self.dimension:
            codes = [c for c in chosen if codes is None or c in codes]
        return codes


@dataclass(frozen=True)
class Results:
    cycle: Cycle
    spec: FrameworkSpec
    publication: Publication | None  # None: current results, or nothing published yet
    rows: list[ResultRow]
    is_current: bool = False
    member: Member | None = None  # the member the rows were narrowed to (`ResultFilters.member`)
    # The cache key of a publication's rows for the reader's audience and selection ("" for current
    # results, which change): what the files made from these rows are kept under (`answer_cache`).
    rows_key: str = ""


def _member_filter(filters: ResultFilters) -> Member | None:
    if not filters.member:
        return None
    member = member_find(filters.member)
    if member is None:
        raise unknown_member(filters.member)
    return member


def _scored(spec: FrameworkSpec, row: ResultRow) -> ResultRow:
    scoring = spec.scoring
    if scoring is None or row.value is None or row.status != "computed":
        return row
    bands = scoring.kpis.get(row.kpi)
    if bands is None or bands.component != row.component:
        return row
    score = score_value(scoring, spec.kpis[row.kpi], row.value)
    return row._replace(band=score.code) if score is not None else row


def _order(spec: FrameworkSpec, rows: list[ResultRow]) -> list[ResultRow]:
    rows = [_scored(spec, row) for row in rows]
    position = {code: k.position for code, k in spec.kpis.items()}
    component = {(c, comp): i for c, k in spec.kpis.items() for i, comp in enumerate(k.formulas)}
    return sorted(rows, key=lambda r: (position[r.kpi], component[(r.kpi, r.component)], r.iso3))


def published_results(
    actor: Any, cycle: Cycle, publication: Publication, filters: ResultFilters = ResultFilters()
) -> Results:
    """The publication's results this actor may see, in one query. Withheld rows are simply absent."""
    return published_results_for(audience_of(actor), cycle, publication, filters)


def published_results_for(
    audience: Audience, cycle: Cycle, publication: Publication, filters: ResultFilters = ResultFilters()
) -> Results:
    """The publication's rows this audience may see, ordered. A publication never changes, so its
    ordered rows are cached per audience and filters (`_published_rows_key`), without member names,
    which can change: those are joined on each read from one query of the members."""
    spec = cycle_spec(cycle)
    codes = filters.kpi_codes(spec)
    member = _member_filter(filters)
    key = _published_rows_key(audience, publication, spec, codes, member)
    cached: list[tuple[Any, ...]] | None = cache.get(key)
    if cached is not None:
        return Results(cycle, spec, publication, _named_rows(cached), member=member, rows_key=key)
    rows = PublishedResult.objects.visible_to(audience).filter(publication=publication)
    if codes is not None:
        rows = rows.filter(kpi__in=codes)
    if member is not None:
        rows = rows.filter(member=member)
    fields = ("member_id", "member__iso3", "member__name", "kpi", "component", "status", "value", "reason")
    found = [ResultRow(*values) for values in rows.values_list(*fields, "detail", "disclosure")]
    ordered = _order(spec, found)
    cache.set(key, [_unnamed(row) for row in ordered], timeout=PUBLISHED_ROWS_TIMEOUT)
    return Results(cycle, spec, publication, ordered, member=member, rows_key=key)


# How long a publication's rows stay cached for one audience (they never change: this only bounds the
# space taken by audiences that stopped reading).
PUBLISHED_ROWS_TIMEOUT = 24 * 3600
# The form of the cached rows: change it whenever `_unnamed` or the ordering changes.
_PUBLISHED_ROWS_FORM = 1


def _published_rows_key(
    audience: Audience,
    publication: Publication,
    spec: FrameworkSpec,
    codes: list[str] | None,
    member: Member | None,
) -> str:
    """The cache key of a publication's rows for one audience and selection. The publication's date
    guards against an id given again (a restored database); the spec's fingerprint against a changed
    ordering or scoring. Digested: an audience's key can be long."""
    parts = (
        _PUBLISHED_ROWS_FORM, publication.pk, publication.cycle_id, publication.number,
        publication.published_at.isoformat(), spec.fingerprint, audience.key,
        None if codes is None else sorted(codes), None if member is None else member.pk,
    )  # fmt: skip
    digest = hashlib.sha256(json.dumps(parts).encode()).hexdigest()
    return f"pmm:published-rows:{digest}"


def _unnamed(row: ResultRow) -> tuple[Any, ...]:
    """A row as cached: everything but the member's ISO3 code and name (read fresh on each use)."""
    return (row.member_id, row.kpi, row.component, row.status, row.value, row.reason, row.detail,
            row.disclosure, row.band)  # fmt: skip


def _named_rows(cached: list[tuple[Any, ...]]) -> list[ResultRow]:
    """Cached rows with their members' current ISO3 codes and names. One query of every member (under
    200), even for no rows: a read runs the same number of queries whatever it finds."""
    members = {pk: (iso3, name) for pk, iso3, name in Member.objects.values_list("pk", "iso3", "name")}
    return [
        ResultRow(
            member_id, *members[member_id], kpi, component, status, value, reason, detail, disclosure, band
        )
        for member_id, kpi, component, status, value, reason, detail, disclosure, band in cached
    ]


def may_read_current(actor: Any) -> bool:
    """Whether the actor may read some member's current (unpublished) results: the members' own
    people, the Secretariat, and assigned peer reviewers (`current_results` filters per member)."""
    return can_somewhere(actor, "assessment.view")


def current_results(actor: Any, cycle: Cycle, filters: ResultFilters = ResultFilters()) -> Results:
    """The latest computed, unpublished results of the submitted assessments the actor may read."""
    spec = cycle_spec(cycle)
    assessments = Assessment.objects.filter(cycle=cycle, status=AssessmentStatus.SUBMITTED).select_related(
        "member"
    )
    member = _member_filter(filters)
    if member is not None:
        assessments = assessments.filter(member=member)
    readable = {a.pk: a for a in scope(actor, "assessment.view", assessments)}
    stored = (
        StoredResult.objects.visible_to(actor)
        .filter(result_set__assessment_id__in=readable)
        .select_related("result_set")
    )
    codes = filters.kpi_codes(spec)
    if codes is not None:
        stored = stored.filter(kpi__in=codes)
    levels = disclosures_of(spec, readable)
    rows = []
    for r in stored:
        a = readable[r.result_set.assessment_id]
        rows.append(
            ResultRow(a.member_id, a.member.iso3, a.member.name, r.kpi, r.component, r.status, r.value,
                      r.reason, r.detail, levels[a.pk][r.kpi])
        )  # fmt: skip
    return Results(cycle, spec, None, _order(spec, rows), is_current=True, member=member)


def cycle_results(actor: Any, cycle: Cycle, publication: str | None, filters: ResultFilters) -> Results:
    """The results a reader asked for: a publication (default: the latest) or 'current'."""
    if publication == CURRENT:
        return current_results(actor, cycle, filters)
    chosen = publication_get(cycle, publication)
    if chosen is None:
        return Results(cycle, cycle_spec(cycle), None, [], member=_member_filter(filters))
    return published_results(actor, cycle, chosen, filters)


@dataclass(frozen=True)
class Discrepancy:
    member: str
    kpi: str
    component: str
    published: tuple[str, float | None]
    reproduced: tuple[str, float | None]


def publication_reproduce(publication: Publication) -> list[Discrepancy]:
    """Recompute a publication from its recorded inputs and framework; list every figure that differs.

    An empty list means every published figure was reproduced exactly (status, value, reason).
    """
    from pmm.framework.models import Framework
    from pmm.framework.spec import spec_from_document

    framework = Framework.objects.get(code=publication.framework_code, version=publication.framework_version)
    if framework.fingerprint != publication.framework_fingerprint:
        raise ApplicationError(
            f"Framework {framework} has changed since publication {publication.number}.", code="conflict"
        )
    spec = spec_from_document(framework.document, framework.fingerprint)
    published = {
        (r.member.iso3, r.kpi, r.component): r
        for r in PublishedResult.objects.unrestricted()
        .filter(publication=publication)
        .select_related("member")
    }
    differences = []
    seen = set()
    for recorded in (
        PublishedMember.objects.unrestricted().filter(publication=publication).select_related("member")
    ):
        for result in compute(spec, Inputs.from_json(recorded.inputs)):
            key = (recorded.member.iso3, result.kpi, result.component)
            seen.add(key)
            row = published.get(key)
            mine = (result.status, result.value)
            if row is None or (row.status, row.value, row.reason) != (
                result.status,
                result.value,
                result.reason,
            ):
                theirs = (row.status, row.value) if row else ("absent", None)
                differences.append(Discrepancy(*key, published=theirs, reproduced=mine))
    for key in sorted(set(published) - seen):
        row = published[key]
        differences.append(Discrepancy(*key, published=(row.status, row.value), reproduced=("absent", None)))
    return differences
