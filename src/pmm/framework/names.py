"""A framework's data elements as people read them, in the active language ("“Total declarations”
(year T)"): used by the messages of assessments and the pages of reviews and results."""

from __future__ import annotations

from pmm.core.periods import element_named
from pmm.core.translated import pick
from pmm.framework.spec import ElementSpec, FrameworkSpec


def element_text(spec: FrameworkSpec, code: str, period: str | None = None) -> str:
    """A data element as people read it, in the active language: its label, with its year when given
    ("“Total declarations” (year T)"); its code only when the framework does not know it."""
    return named_element(spec.elements.get(code), code, period)


def named_element(element: ElementSpec | None, code: str, period: str | None = None) -> str:
    """`element_text` for an element already found (None: unknown, named by `code`)."""
    return element_named(pick(element.name) if element is not None else code, period)
