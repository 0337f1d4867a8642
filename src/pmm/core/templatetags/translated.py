from collections.abc import Mapping

from django import template

from pmm.core.translated import pick

register = template.Library()


@register.filter(name="tr")
def tr(texts: Mapping[str, str] | None) -> str:
    """`{{ kpi.name|tr }}`: the stored text in the active language."""
    return pick(texts)
