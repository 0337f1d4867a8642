"""The framework document, indexed: the texts the spec does not keep, and the page each element is
shown on.

Layout rules: a data element is shown once per page, under the first KPI of the dimension using
it (later KPIs point to it). Elements no KPI formula uses (context data, or inputs of consistency
rules only) are shown in the dimension of the nearest element before them in the framework, in a
section of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pmm.framework.spec import FrameworkSpec


@dataclass(frozen=True)
class DocIndex:
    """Texts the spec does not keep (descriptions, formulas as written, units), by code."""

    elements: dict[str, dict[str, Any]]
    kpis: dict[str, dict[str, Any]]
    units: dict[str, dict[str, Any]]
    homes: dict[str, tuple[str, ...]]  # element -> dimensions whose page shows it (first: its home)


_INDEX: dict[str, DocIndex] = {}


def doc_index(document: dict[str, Any], spec: FrameworkSpec) -> DocIndex:
    cached = _INDEX.get(spec.fingerprint)
    if cached is not None:
        return cached
    kpis = {k["code"]: k for d in document["dimensions"] for o in d["outcomes"] for k in o["kpis"]}
    homes: dict[str, list[str]] = {}
    for kpi in spec.kpis.values():
        for code in kpi.elements:
            if code in spec.elements and kpi.dimension not in homes.setdefault(code, []):
                homes[code].append(kpi.dimension)
    ordered = sorted(spec.elements.values(), key=lambda e: e.position)
    first_dimension = next(iter(spec.dimensions), "")
    for index, element in enumerate(ordered):
        if element.code in homes or element.derived is not None:
            continue
        before = [e for e in reversed(ordered[:index]) if homes.get(e.code)]
        after = [e for e in ordered[index + 1 :] if homes.get(e.code)]
        near = (before or after)[:1]
        homes[element.code] = [homes[near[0].code][0]] if near else [first_dimension]
    index_ = DocIndex(
        elements={e["code"]: e for e in document["data_elements"]},
        kpis=kpis,
        units={u["code"]: u for u in document.get("units", [])},
        homes={code: tuple(dims) for code, dims in homes.items()},
    )
    _INDEX[spec.fingerprint] = index_
    return index_


def free_elements(spec: FrameworkSpec) -> set[str]:
    """Elements no KPI formula uses."""
    used = {e for k in spec.kpis.values() for e in k.elements}
    return {c for c, e in spec.elements.items() if c not in used and e.derived is None}
