"""The one authorisation chokepoint: `can()` and `require()` for one object, `scope()` for rows.

Actions are declared in `actions.py`, the role → action matrix in `matrix.py`, the roles in `roles.py`,
peer reviewers' grants in `grants.py`. Nothing outside this package reads a user's roles: pages and
services ask the questions below (`acting_for`, `is_secretariat`, `holders`, ...).
"""

from __future__ import annotations

from pmm.authz.actions import ACTIONS
from pmm.authz.checks import (
    acting_for,
    actions_of,
    affiliated_members,
    can,
    can_somewhere,
    holders,
    holds_pmm_role,
    is_reviewer,
    is_secretariat,
    member_ids_for,
    named_members,
    only_reviewer,
    reach,
    require,
    reviewer_home,
    reviewers_filter,
    role_titles,
    roles_of,
    two_factor_required,
)
from pmm.authz.grants import Grant, register_review_grants, review_grants
from pmm.authz.guards import allowed_to
from pmm.authz.matrix import MATRIX
from pmm.authz.scope import RowScope, scope

__all__ = [
    "ACTIONS",
    "MATRIX",
    "Grant",
    "RowScope",
    "acting_for",
    "actions_of",
    "affiliated_members",
    "allowed_to",
    "can",
    "can_somewhere",
    "holders",
    "holds_pmm_role",
    "is_reviewer",
    "is_secretariat",
    "member_ids_for",
    "named_members",
    "only_reviewer",
    "reach",
    "register_review_grants",
    "require",
    "review_grants",
    "reviewer_home",
    "reviewers_filter",
    "role_titles",
    "roles_of",
    "scope",
    "two_factor_required",
]
