"""Write docs/workflows.md from the four workflows the apps declare (`pmm.core.workflow`):
`python -m pmm.config.workflows > docs/workflows.md` (a test checks the file is up to date)."""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from types import ModuleType

from django.db.models import TextChoices
from django.utils import translation

INTRO = """# Workflows

This file is generated from the workflows the apps declare by
`python -m pmm.config.workflows > docs/workflows.md`; `tests/test_docs.py` fails when it is out of
date.

Each workflow is declared once, as data (`pmm.core.workflow.Workflow`): its table of moves (from a
status, a move leads to a new status), who may make each move, and what must hold of the object for
it. The services make a move through the workflow's `require`, which refuses a move the status does
not allow (409, `illegal_transition`) and changes nothing; the pages show, and the API answers list
as `moves`, the moves `available` to the reader now. Who may make a move is an action of the
permission matrix ([permissions.md](permissions.md)). Besides the conditions below, a service may
refuse a move for what the actor can fix (values with errors, queries not answered yet): the move
stays offered, and the refusal names what is missing.
"""


@dataclass(frozen=True)
class Section:
    """One workflow in the document: its title, what it is about, where it is declared, its statuses."""

    title: str
    about: str
    module: ModuleType
    attribute: str
    statuses: type[TextChoices]


def _sections() -> list[Section]:
    # Imported here: the apps' models load only once Django is set up (`__main__` below sets it up).
    from pmm.assessments import workflow as assessments
    from pmm.assessments.models import AssessmentStatus
    from pmm.cycles import workflow as cycles
    from pmm.cycles.models import CycleStatus
    from pmm.framework import workflow as framework
    from pmm.framework.models import FrameworkStatus
    from pmm.reviews import workflow as reviews
    from pmm.reviews.models import ReviewStatus

    return [
        Section(
            "Framework versions",
            "A framework file is loaded in the status it states; activating a version retires the "
            "code's other active version.",
            framework,
            "FRAMEWORK_WORKFLOW",
            FrameworkStatus,
        ),
        Section(
            "Cycles",
            "A cycle is created open when its opening date has come, else planned.",
            cycles,
            "CYCLE_WORKFLOW",
            CycleStatus,
        ),
        Section(
            "Self-assessments",
            "A member's self-assessment of a cycle ([self-assessment.md](self-assessment.md)); its first "
            "write starts it, and a submission is refused while errors or unexplained warnings remain.",
            assessments,
            "ASSESSMENT_WORKFLOW",
            AssessmentStatus,
        ),
        Section(
            "Peer reviews",
            "A peer review of a submitted self-assessment ([peer-review.md](peer-review.md)). Declining "
            "and withdrawing need a reason, and every move carries the version read. A round needs a "
            "due date and new queries, a hand-back every query of the round answered, a sign-off every "
            "query closed and every KPI with a verdict.",
            reviews,
            "REVIEW_WORKFLOW",
            ReviewStatus,
        ),
    ]


def _words(items: list[str]) -> str:
    return "; ".join(items) or "—"


def section_markdown(section: Section) -> str:
    workflow = getattr(section.module, section.attribute)
    with translation.override("en"):
        labels = {str(s.value): str(s.label) for s in section.statuses}
    path = "src/" + section.module.__name__.replace(".", "/") + ".py"
    table = "\n".join(
        f"| {source} | {move} | {target} |" for (source, move), target in workflow.transitions.items()
    )
    rules = "\n".join(
        f"| {move} | {_words(workflow.who_may(move))} | {_words(workflow.conditions(move))} |"
        for move in workflow.moves
    )
    about = textwrap.fill(
        f"{section.about} Declared in `{path}` (`{section.attribute}`).",
        width=100,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return (
        f"## {section.title}\n\n{about}\n\n"
        f"```mermaid\n{workflow.diagram(labels)}```\n\n"
        f"| from | move | to |\n|---|---|---|\n{table}\n\n"
        f"| move | who may make it | what must hold besides the status |\n|---|---|---|\n{rules}\n"
    )


def workflows_markdown() -> str:
    return INTRO + "".join(f"\n{section_markdown(s)}" for s in _sections())


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmm.config.test_settings")
    django.setup()
    print(workflows_markdown(), end="")
