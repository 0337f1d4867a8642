"""Every action the platform authorises, declared once, as data.

`scope` says what an allowed role still needs:
- "any": nothing more;
- "member": the object must belong to the member administration of the actor's role assignment
  (for peer reviewers: to a member whose review they are assigned to, never their own administration).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    code: str
    description: str
    scope: str = "any"


ACTIONS: dict[str, Action] = {
    a.code: a
    for a in [
        Action("framework.view", "Browse frameworks, their KPIs, formulas and mappings"),
        Action("framework.export", "Download a framework file"),
        Action("framework.load", "Load or replace a framework from a file"),
        Action("framework.change_status", "Activate or retire a framework version"),
        Action("member.view", "Browse member administrations and their groups"),
        Action("member.load", "Load the members file"),
        Action("group.view", "Browse groups"),
        Action("group.manage", "Create and change custom groups"),
        Action("me.view", "See one's own account and roles"),
        Action("token.manage_own", "Create and revoke one's own API tokens"),
        Action("user.list", "List user accounts and their roles"),
        Action("user.create", "Create user accounts with any role"),
        Action("user.change_roles", "Grant and remove roles, activate and deactivate accounts"),
        Action("user.invite_contributor", "Invite contributors for a member administration", scope="member"),
        Action("audit.view", "Browse the audit log"),
        Action("cycle.view", "See assessment cycles and their dates"),
        Action("cycle.manage", "Open, close and archive cycles; grant deadline extensions"),
        Action("cycle.status_board", "See every member's progress in a cycle"),
        Action("assessment.view", "Read a member's self-assessment", scope="member"),
        Action(
            "assessment.edit",
            "Enter and correct a member's data, comments and KPI applicability",
            scope="member",
        ),
        Action("assessment.set_disclosure", "Choose who may see each KPI of a member", scope="member"),
        Action("assessment.submit", "Submit a member's self-assessment", scope="member"),
        Action("assessment.reopen", "Reopen a submitted self-assessment, with a reason"),
        Action("result.publish", "Publish a cycle's results as a new, frozen snapshot"),
        Action(
            "review.request",
            "Request a peer review of a submitted self-assessment, withdraw it, or hand the member's "
            "answers back to the reviewers",
            scope="member",
        ),
        Action("review.view", "See a member's peer reviews and their reviewers", scope="member"),
        Action(
            "review.examine",
            "Raise, close and re-open queries, give verdicts, send rounds and sign off (the lead)",
            scope="member",
        ),
        Action(
            "review.respond",
            "Answer peer review queries: reply, attach evidence, correct values",
            scope="member",
        ),
        Action("review.decide", "Accept or decline a request for peer review"),
        Action("review.assign", "Assign peer reviewers to a review and start it"),
        Action("reviewer.list", "See the pool of peer reviewers"),
        Action("reviewer.manage", "Change peer reviewers' accreditation, languages and expertise"),
        Action("target.view", "See a member's KPI targets and the progress toward them", scope="member"),
        Action("target.manage", "Set and remove a member's KPI targets", scope="member"),
        Action(
            "dashboard.view",
            "See a member's dashboard: its values against its peers, trends, strengths and weaknesses",
            scope="member",
        ),
    ]
}
