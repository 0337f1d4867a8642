"""Who a `pmm` command acts as, and the assessment it acts on (`--as`, `--cycle`, `--member`).

Imported by the domain modules, after Django's set-up (it reads accounts, cycles and members).
"""

from __future__ import annotations

from pmm.accounts.models import User
from pmm.accounts.selectors import user_get
from pmm.assessments.models import Assessment
from pmm.assessments.selectors import assessment_access
from pmm.core.actors import SYSTEM, SystemActor
from pmm.cycles.selectors import cycle_get
from pmm.members.selectors import member_get


def actor(username: str | None) -> User | SystemActor:
    """The user named by `--as`, or the system actor (the operator) without it."""
    if username is None:
        return SYSTEM
    return user_get(username)


def assessment(acting: User | SystemActor, cycle_id: int, iso3: str) -> Assessment:
    """The member's assessment in the cycle, as `acting` may see it; NotFound for an unknown code."""
    cycle = cycle_get(cycle_id)
    member_get(iso3)  # a clear error for an unknown code
    return assessment_access(acting, cycle, iso3)
