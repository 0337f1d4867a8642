"""Write docs/permissions.md from the declared actions and the role matrix:
`python -m pmm.authz.docs > docs/permissions.md` (a test checks the file is up to date)."""

from __future__ import annotations

from django.utils import translation

from pmm.authz.actions import ACTIONS
from pmm.authz.matrix import ALL_MEMBERS_ROLES, MATRIX
from pmm.authz.roles import ANONYMOUS, Role

INTRO = """# Permissions

This file is generated from `src/pmm/authz/actions.py` and `src/pmm/authz/matrix.py` by
`python -m pmm.authz.docs > docs/permissions.md`; `tests/test_docs.py` fails when it is out of date,
and `tests/test_permission_matrix.py` checks every cell against the real API endpoints and pages.

Every page, API endpoint and command asks `pmm.authz.can(actor, action, obj)` (or `require`), the
only place that reads this table. A role marked "own member" may do the action only for the member
administration of its role assignment; the member always comes from the assignment, never from the
request. Objects a user may not see answer 404, exactly like objects that do not exist. Signed-out
visitors get 401 from the API and are sent to the sign-in page by the web pages; signed-in users
without the permission get 403.

Disclosure levels (Public, WCO, Union, Country) on KPI values are enforced by the disclosure module
on top of this table, once results exist.
"""

ROLE_ORDER = [
    ANONYMOUS,
    Role.BASIC,
    Role.CONTRIBUTOR,
    Role.NCP,
    Role.PEER_REVIEWER,
    Role.SECRETARIAT_ANALYST,
    Role.SECRETARIAT_ADMIN,
]


def _role_titles() -> dict[str, str]:
    with translation.override("en"):
        return {ANONYMOUS: "Public (signed out)", **{r.value: str(r.label) for r in Role}}


def _cell(role: str, action: str) -> str:
    if action not in MATRIX.get(role, frozenset()):
        return "no"
    if ACTIONS[action].scope == "member" and role not in ALL_MEMBERS_ROLES:
        return "own member"
    return "yes"


def permissions_markdown() -> str:
    titles = _role_titles()
    header = "| Action | What it allows | " + " | ".join(titles[r] for r in ROLE_ORDER) + " |"
    rule = "|---|---|" + "---|" * len(ROLE_ORDER)
    rows = [
        f"| `{a.code}` | {a.description} | " + " | ".join(_cell(r, a.code) for r in ROLE_ORDER) + " |"
        for a in ACTIONS.values()
    ]
    roles = "\n".join(f"- `{r}`: {titles[r]}" for r in ROLE_ORDER)
    return f"{INTRO}\n## Roles\n\n{roles}\n\n## Matrix\n\n{header}\n{rule}\n" + "\n".join(rows) + "\n"


if __name__ == "__main__":
    import django

    django.setup()
    print(permissions_markdown(), end="")
