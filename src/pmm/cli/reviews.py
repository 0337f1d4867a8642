"""`pmm review …` and `pmm reviewer set`: peer reviews and the pool of peer reviewers.

Loaded after Django's set-up (pmm.cli.domain_groups), so it imports models and services at its top.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pmm.accounts.models import User
from pmm.accounts.selectors import user_get
from pmm.assessments.services.common import ValueInput
from pmm.cli.acting import actor, assessment
from pmm.cli.errors import fail
from pmm.cli.options import AsOption, CycleOption, MemberOption
from pmm.core.actors import SYSTEM, SystemActor
from pmm.core.errors import ApplicationError, FieldProblem, NotFound
from pmm.reviews import services
from pmm.reviews.matrix import matrix_xlsx, review_matrix
from pmm.reviews.models import Review
from pmm.reviews.notices import due_reminders
from pmm.reviews.selectors import review_certificate, review_current, review_queries, review_query_get

review_app = typer.Typer()
reviewer_app = typer.Typer()


class QueryAction(StrEnum):
    raise_ = "raise"
    answer = "answer"
    correct = "correct"
    close = "close"
    reopen = "reopen"


@review_app.command("request")
def review_request_cmd(
    cycle: CycleOption,
    member: MemberOption,
    note: Annotated[str, typer.Option(help="What the member wants from the review.")] = "",
    as_user: AsOption = None,
) -> None:
    """Request a peer review of a submitted self-assessment."""
    acting = actor(as_user)
    review = services.review_request(actor=acting, assessment=assessment(acting, cycle, member), note=note)
    typer.echo(f"Peer review of {member.upper()} in cycle {cycle} requested (review {review.pk}).")


@review_app.command("move")
def review_move_cmd(
    cycle: CycleOption,
    member: MemberOption,
    action: Annotated[
        str, typer.Option(help="accept, decline, start, send_round, hand_back, sign_off or withdraw.")
    ],
    reason: Annotated[str, typer.Option(help="Why (required to decline or withdraw).")] = "",
    due_date: Annotated[
        str | None, typer.Option("--due-date", help="For send_round: YYYY-MM-DD, when answers are due.")
    ] = None,
    as_user: AsOption = None,
) -> None:
    """Move a peer review through its workflow."""
    acting = actor(as_user)
    review = services.review_move(
        actor=acting,
        review=_review_of(acting, cycle, member),
        action=action,
        reason=reason,
        due_date=_date_option("--due-date", due_date),
    )
    typer.echo(f"Peer review of {member.upper()} in cycle {cycle}: {review.status}.")


@review_app.command("query")
def review_query_cmd(
    action: Annotated[QueryAction, typer.Argument(help="raise, answer, correct, close or reopen.")],
    cycle: CycleOption,
    member: MemberOption,
    number: Annotated[int | None, typer.Option(help="The query's number (all but raise).")] = None,
    text: Annotated[str, typer.Option(help="The question, answer or note.")] = "",
    kpi: Annotated[str, typer.Option(help="raise: the KPI the query is about.")] = "",
    element: Annotated[str, typer.Option(help="raise, correct: the data element.")] = "",
    period: Annotated[str, typer.Option(help="raise, correct: T or T-1.")] = "",
    value: Annotated[str | None, typer.Option(help="correct: the corrected value.")] = None,
    as_user: AsOption = None,
) -> None:
    """Work on a review's queries: reviewers raise, close, reopen; the member answers or corrects."""
    acting = actor(as_user)
    review = _review_of(acting, cycle, member)
    if action == QueryAction.raise_:
        query = services.query_raise(
            actor=acting, review=review, text=text, kpi=kpi, element=element, period=period
        )
        typer.echo(f"Query {query.number} raised on {query.subject}.")
        return
    if number is None:
        raise ApplicationError("Say which query.", problems=[FieldProblem("--number", "is required")])
    query = review_query_get(acting, review, number)
    if action == QueryAction.answer:
        services.query_answer(actor=acting, query=query, text=text)
    elif action == QueryAction.correct:
        if value is None or not element or not period:
            raise ApplicationError(
                "Give the element, the year and the corrected value.",
                problems=[FieldProblem("--element --period --value", "are required")],
            )
        services.query_correct(
            actor=acting, query=query, items=[ValueInput(element, period, value)], text=text, path="cli"
        )
    elif action == QueryAction.close:
        services.query_close(actor=acting, query=query, text=text)
    else:
        services.query_reopen(actor=acting, query=query, text=text)
    query.refresh_from_db()
    typer.echo(f"Query {query.number} on {query.subject}: {query.status}.")


@review_app.command("queries")
def review_queries_cmd(cycle: CycleOption, member: MemberOption, as_user: AsOption = None) -> None:
    """List a review's queries, with their status and round."""
    acting = actor(as_user)
    for thread in review_queries(acting, _review_of(acting, cycle, member)):
        query = thread.query
        round_ = f"round {query.round.number}, due {query.round.due_date}" if query.round else "not sent"
        typer.echo(f"{query.number}\t{query.subject}\t{query.status}\t{round_}\t{thread.messages[0].text}")


@review_app.command("verdict")
def review_verdict_cmd(
    cycle: CycleOption,
    member: MemberOption,
    kpi: Annotated[str, typer.Option(help="The KPI's code.")],
    verdict: Annotated[str, typer.Option(help="confirmed, adjusted or not_validated.")],
    reason: Annotated[str, typer.Option(help="Why (required for not_validated).")] = "",
    as_user: AsOption = None,
) -> None:
    """Give the reviewers' verdict on one KPI."""
    acting = actor(as_user)
    saved = services.verdict_set(
        actor=acting, review=_review_of(acting, cycle, member), kpi=kpi, verdict=verdict, reason=reason
    )
    typer.echo(f"{saved.kpi}: {saved.verdict}.")


@review_app.command("certificate")
def review_certificate_cmd(cycle: CycleOption, member: MemberOption, as_user: AsOption = None) -> None:
    """Show the review certificate and each of its criteria."""
    acting = actor(as_user)
    certificate = review_certificate(_review_of(acting, cycle, member))
    typer.echo(f"Certificate: {certificate.level}")
    for criterion in certificate.criteria:
        mark = "met" if criterion.met else "NOT met"
        typer.echo(f"  {criterion.code}: {criterion.count} of {criterion.total} ({mark})")


@review_app.command("matrix")
def review_matrix_cmd(
    cycle: CycleOption,
    member: MemberOption,
    out: Annotated[
        Path, typer.Option("--out", dir_okay=False, help="The .xlsx file to write.", show_default=False)
    ],
    as_user: AsOption = None,
) -> None:
    """Write the comment-response matrix of a peer review (.xlsx): every query, its thread and outcome."""
    acting = actor(as_user)
    matrix = review_matrix(acting, _review_of(acting, cycle, member))
    try:
        out.write_bytes(matrix_xlsx(matrix))
    except OSError as error:
        raise fail(f"cannot write {out}: {error.strerror or error}.") from None
    typer.echo(
        f"Wrote the comment-response matrix of {member.upper()} in cycle {cycle} "
        f"({len(matrix.rows)} queries) to {out}."
    )


@review_app.command("remind")
def review_remind_cmd() -> None:
    """Send the reminders of due dates that are near or missed (each once); run it daily."""
    typer.echo(f"Reminders sent for {due_reminders()} round(s).")


@review_app.command("assign")
def review_assign_cmd(
    cycle: CycleOption,
    member: MemberOption,
    reviewer: Annotated[str, typer.Option(help="The reviewer's username.")],
    lead: Annotated[bool, typer.Option("--lead", help="As the lead reviewer.")] = False,
    accept_warnings: Annotated[
        bool, typer.Option("--accept-warnings", help="Assign despite warnings (same union, many reviews).")
    ] = False,
) -> None:
    """Assign a peer reviewer to a review (conflicts are refused)."""
    assignment = services.review_assign(
        actor=SYSTEM,
        review=_review_of(SYSTEM, cycle, member),
        reviewer=user_get(reviewer),
        lead=lead,
        accept_warnings=accept_warnings,
    )
    for warning in assignment.warnings:
        typer.echo(f"Warning accepted: {warning}")
    typer.echo(f"{reviewer} assigned{' as lead' if lead else ''} to the review of {member.upper()}.")


@reviewer_app.command("set")
def reviewer_set(
    username: Annotated[str, typer.Argument(help="The peer reviewer's username.")],
    accreditation: Annotated[str | None, typer.Option(help="candidate, accredited or suspended.")] = None,
    languages: Annotated[str | None, typer.Option(help="Comma-separated, e.g. en,fr.")] = None,
    expertise: Annotated[str | None, typer.Option(help="Dimension codes, e.g. D1,D3.")] = None,
    reason: Annotated[str, typer.Option(help="Why.")] = "",
) -> None:
    """Put a peer reviewer in the pool, or change their accreditation, languages or expertise."""
    profile = services.reviewer_save(
        actor=SYSTEM,
        user=user_get(username),
        accreditation=accreditation,
        languages=languages.split(",") if languages is not None else None,
        expertise=expertise.split(",") if expertise is not None else None,
        reason=reason,
    )
    typer.echo(
        f"{username}: {profile.accreditation}; languages {', '.join(profile.languages) or '-'}; "
        f"expertise {', '.join(profile.expertise) or '-'}."
    )


def _review_of(acting: User | SystemActor, cycle: int, member: str) -> Review:
    """The current peer review of the member's assessment in the cycle; NotFound if there is none."""
    review = review_current(acting, assessment(acting, cycle, member))
    if review is None:
        raise NotFound(f"No peer review of {member.upper()} in cycle {cycle}.")
    return review


def _date_option(name: str, text: str | None) -> date | None:
    """The date given as `name` (YYYY-MM-DD), or None when it is not given."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApplicationError(
            f"{name} {text!r} is not a date.", problems=[FieldProblem(name, "use YYYY-MM-DD")]
        ) from None
