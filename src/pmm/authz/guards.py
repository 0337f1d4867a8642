"""Permissions as guards of the workflows (`pmm.core.workflow`): who may make a move is an action of
the role matrix, asked through `require` like everywhere else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pmm.authz.checks import require
from pmm.core.workflow import Guard


def _itself(obj: Any) -> Any:
    return obj


def allowed_to(action: str, *, on: Callable[[Any], Any] = _itself) -> Guard:
    """A guard refusing (403) an actor who may not do `action` on the workflow's object, or on the
    object `on` picks from it (the assessment of a review, say)."""

    def check(actor: Any, obj: Any) -> None:
        require(actor, action, on(obj))

    return Guard(f"`{action}`", check)
