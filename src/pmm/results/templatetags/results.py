"""Template filters for KPI results."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def disclosure_label(level: str) -> str:
    from pmm.assessments.models import Disclosure

    return str(Disclosure(level).label) if level in Disclosure.values else level
