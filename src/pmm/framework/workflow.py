"""The workflow of a framework version, as data: draft -> active <-> retired, made by the Secretariat
(`framework.change_status`). A file is loaded in the status it states; activating a version retires the
code's other active version (`services.framework_change_status`)."""

from __future__ import annotations

from pmm.authz import allowed_to
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.core.workflow import Workflow, illegal
from pmm.framework.kinds import FRAMEWORK_STATUSES
from pmm.framework.models import Framework, FrameworkStatus

# (status, action) -> new status
STATUS_TRANSITIONS: dict[tuple[str, str], str] = {
    (FrameworkStatus.DRAFT, "activate"): FrameworkStatus.ACTIVE,
    (FrameworkStatus.ACTIVE, "retire"): FrameworkStatus.RETIRED,
    (FrameworkStatus.RETIRED, "activate"): FrameworkStatus.ACTIVE,
}


def _refusal(framework: Framework, action: str, allowed: list[str]) -> ApplicationError:
    return illegal(
        f"A {framework.status} framework cannot be asked to {action}.",
        [FieldProblem("action", f"allowed from {framework.status}: " + ", ".join(allowed))],
    )


FRAMEWORK_WORKFLOW = Workflow(
    name="framework",
    transitions=STATUS_TRANSITIONS,
    moves={"activate": (), "retire": ()},
    every_move=(allowed_to("framework.change_status"),),
    refusal=_refusal,
    initial=FRAMEWORK_STATUSES,
)
