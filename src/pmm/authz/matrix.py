"""Which role may do which action. docs/permissions.md is generated from this table."""

from __future__ import annotations

from pmm.authz.roles import ANONYMOUS, Role

_READ_PUBLIC = {"framework.view", "framework.export", "member.view", "group.view"}
_SIGNED_IN = _READ_PUBLIC | {"me.view", "token.manage_own", "cycle.view"}
_MEMBER_EDITOR = {"assessment.view", "assessment.edit", "review.view", "review.respond", "dashboard.view"}
_SECRETARIAT = {
    "user.list",
    "audit.view",
    "cycle.status_board",
    "assessment.view",
    "review.view",
    "reviewer.list",
    "dashboard.view",
    "target.view",
}

MATRIX: dict[str, frozenset[str]] = {
    ANONYMOUS: frozenset(_READ_PUBLIC),
    Role.BASIC: frozenset(_SIGNED_IN),
    Role.CONTRIBUTOR: frozenset(_SIGNED_IN | _MEMBER_EDITOR | {"target.view"}),
    Role.NCP: frozenset(
        _SIGNED_IN
        | _MEMBER_EDITOR
        | {
            "user.invite_contributor",
            "assessment.set_disclosure",
            "assessment.submit",
            "review.request",
            "target.view",
            "target.manage",
        }
    ),
    Role.PEER_REVIEWER: frozenset(_SIGNED_IN | {"assessment.view", "review.view", "review.examine"}),
    Role.SECRETARIAT_ANALYST: frozenset(_SIGNED_IN | _SECRETARIAT),
    Role.SECRETARIAT_ADMIN: frozenset(
        _SIGNED_IN
        | _SECRETARIAT
        | {
            "framework.load",
            "framework.change_status",
            "member.load",
            "group.manage",
            "user.list",
            "user.create",
            "user.change_roles",
            "user.invite_contributor",
            "cycle.manage",
            "assessment.reopen",
            "result.publish",
            "review.decide",
            "review.assign",
            "reviewer.manage",
        }
    ),
}

# Roles whose "member"-scoped actions apply to any member rather than their own.
ALL_MEMBERS_ROLES = frozenset({Role.SECRETARIAT_ADMIN, Role.SECRETARIAT_ANALYST})
