"""The public site: published public-level results by member and by KPI, participation per cycle
and WCO region. No sign-in; every page shows what the public sees, also to signed-in users, so pages
are the same for everyone and are cached (Cache-Control, ETag, 304 on a conditional GET)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache, wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import condition, require_safe

from pmm.charts import chart_download
from pmm.core.errors import ApplicationError
from pmm.core.translated import pick
from pmm.cycles.models import Cycle
from pmm.cycles.selectors import cycle_spec
from pmm.disclosure.policy import PUBLIC_AUDIENCE
from pmm.members.selectors import name_key
from pmm.public import selectors
from pmm.public.charts import public_values_chart
from pmm.public.formatting import direction_label, framework_tree, kind_label
from pmm.results.exports import download_url
from pmm.results.formatting import (
    Figure,
    component_label,
    figure_of,
    group_rows,
    kpi_definitions,
    unit_text,
    units_of,
)
from pmm.results.group_stats import aggregates_for
from pmm.results.models import Publication
from pmm.results.selectors import ResultFilters, latest_publication, publication_get

# Browsers and shared caches may keep a public page this long (seconds) before asking again.
MAX_AGE = 300
_PAGE_FILES = (
    Path(__file__).parent / "templates",
    Path(settings.SRC_DIR) / "web" / "templates" / "base.html",
    Path(settings.SRC_DIR) / "web" / "static" / "pmm" / "pmm.css",
)


@lru_cache(maxsize=1)
def _code_version() -> str:
    """A digest of the public pages' templates and style sheet: a new release changes every ETag."""
    digest = hashlib.sha256()
    for root in _PAGE_FILES:
        for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
            if path.is_file():
                digest.update(path.read_bytes())
    return digest.hexdigest()


def public_page(
    *, participation: bool = False
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A cacheable public page: a strong ETag (304 on a conditional GET), Cache-Control and Vary.

    The ETag names everything the page depends on: the data (latest publication of each cycle, the
    newest write to members, groups, cycles and frameworks, and with `participation` the assessments'
    statuses), the language, the path with its query, the viewer (anonymous, or which signed-in user:
    the header names them) and the code. Pages are public for anonymous visitors; for a signed-in
    user the main content is the same but the header is theirs, so only their browser may keep it.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        def etag(request: HttpRequest, *args: Any, **kwargs: Any) -> str:
            user = request.user
            viewer = f"user:{user.pk}" if user.is_authenticated else "anonymous"
            parts = [
                selectors.public_data_version(participation=participation),
                translation.get_language() or settings.LANGUAGE_CODE,
                request.get_full_path(),
                viewer,
                _code_version(),
            ]
            return hashlib.sha256("\n".join(parts).encode()).hexdigest()

        conditional = condition(etag_func=etag)(view)

        @require_safe
        @wraps(view)
        def page(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = conditional(request, *args, **kwargs)
            if request.user.is_authenticated:
                patch_cache_control(response, private=True, max_age=MAX_AGE)
            else:
                patch_cache_control(response, public=True, max_age=MAX_AGE)
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
            return response

        return page

    return decorate


# --- shared pieces ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chosen:
    """The publication a page shows and the cycle's latest (they differ for an earlier one)."""

    cycle: Cycle
    publication: Publication | None
    latest: Publication | None

    @property
    def is_earlier(self) -> bool:
        return self.publication is not None and self.latest is not None and self.publication != self.latest

    def query(self) -> str:
        """The `?publication=N` of an earlier publication, to keep on the page's links ("" for the latest)."""
        return (
            "?" + urlencode({"publication": self.publication.number})
            if self.is_earlier and self.publication
            else ""
        )


def _chosen(request: HttpRequest, cycle_id: int) -> Chosen:
    cycle = selectors.public_cycle_get(cycle_id)
    latest = latest_publication(cycle)
    wanted = request.GET.get("publication", "").strip()
    if not wanted or latest is None or wanted == str(latest.number):
        return Chosen(cycle, latest, latest)
    try:
        return Chosen(cycle, publication_get(cycle, wanted), latest)
    except ApplicationError:  # not a number
        raise Http404("No such publication.") from None


def _csv_url(chosen: Chosen, **filters: str) -> str:
    """The API's CSV of the same selection (the API filters it by disclosure for its caller)."""
    assert chosen.publication is not None
    return download_url(chosen.cycle.pk, "csv", ResultFilters(**filters), chosen.publication.number)


def _context(chosen: Chosen, **more: Any) -> dict[str, Any]:
    return {
        "cycle": chosen.cycle,
        "publication": chosen.publication,
        "latest": chosen.latest,
        "is_earlier": chosen.is_earlier,
        "keep": chosen.query(),
        **more,
    }


def _nothing_published(request: HttpRequest, chosen: Chosen) -> HttpResponse:
    return render(request, "public/nothing_published.html", _context(chosen))


# --- pages ----------------------------------------------------------------------------------------


@public_page(participation=True)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "public/index.html", {"overviews": selectors.cycles_overview()})


@public_page()
def member_list(request: HttpRequest, cycle_id: int) -> HttpResponse:
    chosen = _chosen(request, cycle_id)
    if chosen.publication is None:
        return _nothing_published(request, chosen)
    members = selectors.public_members(chosen.publication)
    return render(
        request,
        "public/member_list.html",
        _context(chosen, members=members, csv_url=_csv_url(chosen)),
    )


@public_page()
def member_detail(request: HttpRequest, cycle_id: int, iso3: str) -> HttpResponse:
    chosen = _chosen(request, cycle_id)
    if chosen.publication is None:
        raise Http404("Nothing is published in this cycle.")
    member = selectors.public_member(chosen.publication, iso3)
    results = selectors.public_results(chosen.cycle, chosen.publication, member=member.iso3)
    units = units_of(chosen.cycle.framework.document)
    return render(
        request,
        "public/member_detail.html",
        _context(
            chosen,
            member=member,
            tree=framework_tree(results.spec, units, results.rows),
            csv_url=_csv_url(chosen, member=member.iso3),
        ),
    )


@public_page()
def kpi_list(request: HttpRequest, cycle_id: int) -> HttpResponse:
    chosen = _chosen(request, cycle_id)
    if chosen.publication is None:
        return _nothing_published(request, chosen)
    spec = cycle_spec(chosen.cycle)
    counts = selectors.public_value_counts(chosen.publication)
    tree = framework_tree(spec, units_of(chosen.cycle.framework.document), codes=spec.kpis)
    for dimension in tree:
        for outcome in dimension.outcomes:
            for item in outcome.kpis:
                item.count = counts.get(item.kpi.code, 0)
    return render(request, "public/kpi_list.html", _context(chosen, tree=tree, csv_url=_csv_url(chosen)))


@dataclass(frozen=True)
class MemberFigures:
    iso3: str
    name: dict[str, str]
    figures: list[Figure | None]  # one per component, in the KPI's order (None: not public)

    @property
    def reasons(self) -> list[Figure]:
        """The figures without a value, said once when every component has the same status."""
        found = [f for f in self.figures if f is not None]
        if len({(f.text, f.note) for f in found}) == 1:
            return [replace(found[0], label="")]
        return found


@public_page()
def kpi_detail(request: HttpRequest, cycle_id: int, code: str) -> HttpResponse:
    chosen = _chosen(request, cycle_id)
    spec = cycle_spec(chosen.cycle)
    kpi = spec.kpis.get(code)
    if kpi is None:
        raise Http404(f"No KPI {code} in this cycle's framework.")
    if chosen.publication is None:
        return _nothing_published(request, chosen)
    document = chosen.cycle.framework.document
    units = units_of(document)
    results = selectors.public_results(chosen.cycle, chosen.publication, kpi=kpi.code)
    components = list(kpi.formulas)
    by_member: dict[str, dict[str, Any]] = {}
    for row in results.rows:
        entry = by_member.setdefault(row.iso3, {"name": row.member_name, "figures": {}})
        entry["figures"][row.component] = figure_of(row, spec, units)
    with_value: list[MemberFigures] = []
    without_value: list[MemberFigures] = []
    for iso3, entry in by_member.items():
        figures = [entry["figures"].get(c) for c in components]
        item = MemberFigures(iso3, entry["name"], figures)
        (with_value if any(f is not None and f.computed for f in figures) else without_value).append(item)

    def by_name(m: MemberFigures) -> tuple[str, str]:
        return (name_key(pick(m.name)), m.iso3)

    unit = unit_text(kpi, units)
    charts = [
        chart
        for chart in [
            public_values_chart(
                results.rows,
                kpi=kpi,
                spec=spec,
                units=units,
                filename=f"pmm-{chosen.cycle.reporting_year}-{kpi.code.lower().replace('.', '-')}-public",
            )
        ]
        if chart is not None
    ]
    download = chart_download(request, charts)
    if download is not None:
        return download
    # Group statistics: the released groups are listed; the withheld ones are counted, not listed.
    groups = group_rows(
        aggregates_for(PUBLIC_AUDIENCE, chosen.cycle, chosen.publication, kpi=kpi.code), spec, units
    )
    released = [g for g in groups if not g["withheld"]]
    definition = kpi_definitions(document).get(kpi.code, {})
    return render(
        request,
        "public/kpi_detail.html",
        _context(
            chosen,
            kpi=kpi,
            outcome=spec.outcomes[kpi.outcome],
            dimension=spec.dimensions[kpi.dimension],
            description=definition.get("description") or {},
            unit=unit,
            kind=kind_label(kpi),
            direction=direction_label(kpi),
            components=[component_label(c) for c in components] if len(components) > 1 else [],
            with_value=sorted(with_value, key=by_name),
            without_value=sorted(without_value, key=by_name),
            # The publication's members (a public count) less those listed here: no more than the public
            # pages show already (docs/disclosure.md).
            not_public=max(chosen.publication.member_count - len(by_member), 0),
            charts=charts,
            csv_url=_csv_url(chosen, kpi=kpi.code),
            aggregates=released,
            groups_withheld=len(groups) - len(released),
            min_members=settings.PMM_AGGREGATE_MIN_MEMBERS,
        ),
    )
