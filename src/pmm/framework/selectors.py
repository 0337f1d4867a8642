"""Reads on the framework catalogue. Frameworks are reference data every audience may read.

Every function here fetches a whole tree in a fixed number of queries, whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpResponse

from pmm.core.downloads import attachment
from pmm.core.errors import NotFound
from pmm.core.extended import Extending
from pmm.framework.loader import YAML_CONTENT_TYPE, document_to_yaml
from pmm.framework.models import DataElement, Dimension, Framework, FrameworkStatus, Kpi, Outcome

_STATUS_ORDER: dict[str, int] = {
    FrameworkStatus.ACTIVE: 0,
    FrameworkStatus.DRAFT: 1,
    FrameworkStatus.RETIRED: 2,
}


def frameworks_list() -> list[Framework]:
    """Every loaded version, the active version of each code first."""
    frameworks = Framework.objects.defer("document").annotate(
        dimension_count=Count("dimensions", distinct=True)
    )
    return sorted(
        frameworks, key=lambda f: (f.code, _STATUS_ORDER.get(f.status, 9), -f.loaded_at.timestamp())
    )


def framework_get(code: str, version: str | None = None) -> Framework:
    """A version of a framework; without `version`, the active one (else the newest loaded)."""
    candidates = Framework.objects.filter(code=code)
    if version:
        candidates = candidates.filter(version=version)
    found = sorted(candidates, key=lambda f: (_STATUS_ORDER.get(f.status, 9), -f.loaded_at.timestamp()))
    if not found:
        raise NotFound(f"No framework {code}" + (f" version {version}" if version else "") + ".")
    return found[0]


def framework_tree(framework: Framework) -> list[Dimension]:
    """Dimensions → outcomes → KPIs with their units, elements, instruments and SDG targets prefetched."""
    kpis = Kpi.objects.select_related("unit").prefetch_related(
        "instruments",
        "sdg_targets",
        Prefetch("data_elements", queryset=DataElement.objects.order_by("position")),
    )
    outcomes = Outcome.objects.prefetch_related("instruments", "sdg_targets", Prefetch("kpis", queryset=kpis))
    return list(framework.dimensions.prefetch_related(Prefetch("outcomes", queryset=outcomes)))


def framework_elements(framework: Framework) -> QuerySet[DataElement]:
    return framework.data_elements.prefetch_related(
        Prefetch("kpis", queryset=Kpi.objects.only("id", "code", "name"))
    )


@dataclass(frozen=True)
class FrameworkTree(Extending):
    """A framework version with its catalogue read whole (`framework_tree`, `framework_elements`); every
    other attribute is the version's own."""

    framework: Framework
    dimensions: list[Dimension]
    data_elements: list[DataElement]


def framework_whole(framework: Framework) -> FrameworkTree:
    """The version with its dimensions → outcomes → KPIs and its data elements, each prefetched."""
    return FrameworkTree(framework, framework_tree(framework), list(framework_elements(framework)))


def kpi_get(framework: Framework, code: str) -> Kpi:
    kpi = (
        Kpi.objects.select_related("unit", "outcome__dimension")
        .prefetch_related("instruments", "sdg_targets", "data_elements")
        .filter(outcome__dimension__framework=framework, code=code)
        .first()
    )
    if kpi is None:
        raise NotFound(f"No KPI {code} in {framework}.")
    return kpi


def framework_file(framework: Framework) -> HttpResponse:
    """The stored framework as its YAML file, for download."""
    return attachment(
        document_to_yaml(framework.document), YAML_CONTENT_TYPE, f"{framework.code}-{framework.version}.yaml"
    )
