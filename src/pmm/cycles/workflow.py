"""The workflow of a cycle, as data: planned -> open <-> closed -> archived, made by the Secretariat
(`cycle.manage`). A cycle is created open when its opening date has come, else planned."""

from __future__ import annotations

from pmm.authz import allowed_to
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.core.workflow import Workflow, illegal
from pmm.cycles.models import Cycle, CycleStatus

# (status, action) -> new status
CYCLE_TRANSITIONS: dict[tuple[str, str], str] = {
    (CycleStatus.PLANNED, "open"): CycleStatus.OPEN,
    (CycleStatus.OPEN, "close"): CycleStatus.CLOSED,
    (CycleStatus.CLOSED, "open"): CycleStatus.OPEN,
    (CycleStatus.CLOSED, "archive"): CycleStatus.ARCHIVED,
}


def _refusal(cycle: Cycle, action: str, allowed: list[str]) -> ApplicationError:
    return illegal(
        f"A {cycle.status} cycle cannot {action}.",
        [FieldProblem("action", f"allowed: {', '.join(allowed) or 'none'}")],
    )


CYCLE_WORKFLOW = Workflow(
    name="cycle",
    transitions=CYCLE_TRANSITIONS,
    moves={"open": (), "close": (), "archive": ()},
    every_move=(allowed_to("cycle.manage"),),
    refusal=_refusal,
    initial=(CycleStatus.PLANNED, CycleStatus.OPEN),
)
