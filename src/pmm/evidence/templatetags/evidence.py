"""`{% evidence_for_kpi evidence_map kpi_code assessment may_edit %}`: a KPI's evidence files on any page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("evidence/partials/_evidence_for_kpi.html", takes_context=True)
def evidence_for_kpi(
    context: template.Context,
    evidence_map: Mapping[str, list[Any]],
    kpi_code: str,
    assessment: Any,
    may_edit: bool = False,
    next_url: str = "",
) -> dict[str, Any]:
    request = context.get("request")
    return {
        "files": evidence_map.get(kpi_code, []),
        "kpi_code": kpi_code,
        "assessment": assessment,
        "may_edit": may_edit,
        "next": next_url or (request.get_full_path() if request is not None else ""),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def get_item_safe(mapping: Mapping[str, Any] | None, key: str) -> Any:
    """`{{ names|get_item_safe:code }}`: a mapping's value, or an empty string."""
    return (mapping or {}).get(key, "")
