"""The home page's "Next actions": the visitor's work, soonest due first, each with a link.

- NCPs and contributors: their members' self-assessments in the open cycles (`due_items`, with their
  deadlines and a reopening's reason) and the peer-review queries waiting for their answers (with the
  round's due date);
- peer reviewers: the reviews they are assigned to (answers to read, queries to send; while the member
  answers, the round's due date);
- the Secretariat: the open cycles with their closing dates and participation, peer-review requests to
  decide or staff, submitted self-assessments not yet published;
- everyone: the latest results they may read (the public results for visitors who are not signed in).

Each part reads through the selector that owns it, so a visitor finds only what they may see. A fixed
number of queries for a given visitor, whatever the numbers of reviews, queries and publications.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pmm.assessments.models import AssessmentStatus
from pmm.assessments.selectors import due_items
from pmm.authz import can, is_reviewer
from pmm.cycles.models import CycleStatus
from pmm.cycles.selectors import cycles_list
from pmm.public.selectors import public_cycles
from pmm.results.participation import participation, waiting_for_publication
from pmm.results.selectors import latest_publications_by_cycle
from pmm.reviews.due import ReviewWork, member_review_work, reviewer_review_work, secretariat_review_work
from pmm.reviews.models import ReviewStatus


@dataclass(frozen=True)
class NextAction:
    title: str
    detail: str
    url: str
    due: date | None = None  # a deadline
    since: date | None = None  # for work without a deadline: when it arrived
    published: bool = False  # results to read (`since`: the day they were published)
    closes: bool = False  # the deadline is a cycle's closing date

    @property
    def days_left(self) -> int | None:
        return None if self.due is None else (self.due - timezone.localdate()).days


def _soonest_first(actions: Iterable[NextAction]) -> list[NextAction]:
    """Deadlines first, the nearest first; then the rest, the newest first."""
    dated = sorted((a for a in actions if a.due is not None), key=lambda a: (a.due, a.title))
    undated = sorted(
        (a for a in actions if a.due is None), key=lambda a: (a.since or date.min, a.title), reverse=True
    )
    return dated + undated


def _assessments(user: object) -> list[NextAction]:
    actions = []
    for item in due_items(user):
        if item.status == AssessmentStatus.SUBMITTED:
            continue  # nothing left to do in this cycle
        if item.status == AssessmentStatus.NOT_STARTED:
            detail = _("Not started.")
        else:
            detail = ngettext(
                "In progress, %(percent)s%% complete, %(n)s problem to solve before submission.",
                "In progress, %(percent)s%% complete, %(n)s problems to solve before submission.",
                item.blocking,
            ) % {"percent": item.percent, "n": item.blocking}
        if item.reopened_reason:
            detail += " " + _("Reopened by the WCO Secretariat: %(reason)s") % {
                "reason": item.reopened_reason
            }
        if item.blocked:
            detail += " " + item.blocked
        actions.append(
            NextAction(f"{item.member.display_name} · {item.cycle}", detail, item.url, item.deadline)
        )
    return actions


def _review_title(work: ReviewWork) -> str:
    return _("Peer review of %(member)s · %(cycle)s") % {
        "member": work.member.display_name,
        "cycle": work.cycle,
    }


def _member_reviews(user: object) -> list[NextAction]:
    actions = []
    for work in member_review_work(user):
        if work.open_queries:
            detail = ngettext(
                "%(n)s query from the reviewers to answer.",
                "%(n)s queries from the reviewers to answer.",
                work.open_queries,
            ) % {"n": work.open_queries}
        else:
            detail = _("Every query is answered: hand the round back to the reviewers.")
        actions.append(NextAction(_review_title(work), detail, work.url, work.due, work.since))
    return actions


def _reviewer_reviews(user: object) -> list[NextAction]:
    actions = []
    if not is_reviewer(user):
        return []
    for work in reviewer_review_work(user):
        if work.status == ReviewStatus.MEMBER_RESPONDING:
            detail = _("The member is answering your queries.")
        elif work.status == ReviewStatus.ACCEPTED:
            detail = _("Accepted: the WCO Secretariat starts it. You may read the self-assessment already.")
        else:
            parts = [_("In review: raise queries, give a verdict on each KPI, sign off.")]
            if work.answered_queries:
                parts.append(
                    ngettext("%(n)s answer to read.", "%(n)s answers to read.", work.answered_queries)
                    % {"n": work.answered_queries}
                )
            if work.prepared_queries:
                parts.append(
                    ngettext(
                        "%(n)s query prepared, not sent yet.",
                        "%(n)s queries prepared, not sent yet.",
                        work.prepared_queries,
                    )
                    % {"n": work.prepared_queries}
                )
            detail = " ".join(parts)
        actions.append(NextAction(_review_title(work), detail, work.url, work.due, work.since))
    return actions


def _secretariat(user: object) -> list[NextAction]:
    actions = []
    if can(user, "cycle.status_board"):
        open_cycles = list(cycles_list().filter(status=CycleStatus.OPEN))
        counted = participation(open_cycles, {})
        for cycle in open_cycles:
            counts = counted[cycle.pk].total
            actions.append(
                NextAction(
                    _("%(cycle)s closes") % {"cycle": cycle},
                    _("Started: %(started)s of %(invited)s members invited; submitted: %(submitted)s.")
                    % {"started": counts.started, "invited": counts.invited, "submitted": counts.submitted},
                    reverse("dashboards:status_board", args=[cycle.pk]),
                    cycle.closes_on,
                    closes=True,
                )
            )
    for work in secretariat_review_work(user):
        if work.status == ReviewStatus.REQUESTED:
            detail = _("Requested: accept or decline the request.")
        else:
            detail = _("Accepted: assign reviewers and start the review.")
        actions.append(NextAction(_review_title(work), detail, work.url, None, work.since))
    if can(user, "result.publish"):
        cycles = list(cycles_list().filter(status__in=[CycleStatus.OPEN, CycleStatus.CLOSED]))
        waiting_of = waiting_for_publication(cycles)
        for cycle in cycles:
            if waiting_of[cycle.pk]:
                actions.append(
                    NextAction(
                        _("Publish the results of %(cycle)s") % {"cycle": cycle},
                        ngettext(
                            "%(n)s submitted self-assessment waits for publication.",
                            "%(n)s submitted self-assessments wait for publication.",
                            waiting_of[cycle.pk],
                        )
                        % {"n": waiting_of[cycle.pk]},
                        reverse("results:publications", args=[cycle.pk]),
                    )
                )
    return actions


def _results(user: object) -> list[NextAction]:
    """The latest publication of each cycle: on the public site for visitors, else the results pages."""
    signed_in = can(user, "cycle.view")
    cycles = public_cycles()
    latest = latest_publications_by_cycle([c.pk for c in cycles])
    actions = []
    for cycle in cycles:
        publication = latest.get(cycle.pk)
        if publication is None:
            continue
        url = (
            reverse("results:results", args=[cycle.pk])
            if signed_in
            else reverse("public:member_list", args=[cycle.pk])
        )
        actions.append(
            NextAction(
                _("Results of %(cycle)s") % {"cycle": cycle},
                ngettext(
                    "Publication %(number)s: the results of %(n)s member.",
                    "Publication %(number)s: the results of %(n)s members.",
                    publication.member_count,
                )
                % {"number": publication.number, "n": publication.member_count},
                url,
                since=timezone.localdate(publication.published_at),
                published=True,
            )
        )
    return actions


def next_actions(user: object) -> list[NextAction]:
    """The visitor's work, soonest due first, then the latest results they may read."""
    work = _assessments(user) + _member_reviews(user) + _reviewer_reviews(user) + _secretariat(user)
    return _soonest_first(work) + _soonest_first(_results(user))
