"""The disclosure promise, swept over every read route (tests/read_paths.py).

One rich world is built through the platform's own services: members with every disclosure level,
union partners (the EU, and a union made for the test), an earlier cycle published (trends), the
current cycle published twice (the second publication corrects values and changes disclosure levels,
so its change log has entries; a peer review signed off in between marks a member's figures as peer
reviewed), a peer review under way with queries, answers, a correction and evidence, a self-assessment
still in progress, a target and notifications. Every value and text that someone must not see is a
unique sentinel; readers of every kind then ask every swept URL, and every answer is searched for the
sentinels the reader must not see.

The oracle (`Reader.may_see`...) is written from the rule in words (docs/disclosure.md,
docs/peer-review.md, docs/targets.md, docs/notifications.md), independently of `pmm.disclosure` and
`pmm.authz`:

- a published value (or the justification of a declined KPI) of member M in cycle C at level L:
  public: anyone; wco: anyone with a PMM role; union: the NCPs, contributors and peer reviewers of
  members sharing a union with M, and M's own people; country: M's NCPs and contributors and the peer
  reviewers assigned to M's review in cycle C. The Secretariat sees every level;
- M's self-assessment of cycle C (its data, comments, evidence, current results, history) and its
  peer review (queries sent, answers, verdicts): M's NCPs and contributors, the reviewers assigned to
  that review, the Secretariat; queries not yet sent: the reviewers and the Secretariat only;
- M's targets: M's NCPs and contributors, the Secretariat; a notification: its recipient.

Group statistics draw on withheld values by design; the watched KPIs are reported by four members
only, fewer than the minimum of 5 for any group, so no statistic of them is ever released and no
answer is exempt from the search (the dashboards included). A custom peer group is computed from the
values the reader sees only, so its figures can only equal values the reader may see. The other KPIs,
whose statistics are released, carry no sentinel. The sentinels are spread at random: no average or
quartile of some of them falls on another by construction.

A change log entry is searched too: a reader who may see neither the old nor the new level of a
figure must not find the entry at all (`BEL · D1.O4.K1` on a page, an entry in JSON); one who could
see the old figure but not the new one must not see the new value (a sentinel like the others).
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, TestCase, override_settings
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice

import read_paths
from conftest import TOTP_KEY, cycle_of
from pmm.accounts.models import User
from pmm.accounts.services import RoleSpec, token_create, user_create
from pmm.assessments.models import Assessment
from pmm.assessments.services import ValueInput, assessment_reopen, assessment_submit, kpi_update, values_save
from pmm.authz.roles import TWO_FACTOR_ROLES, Role
from pmm.core.actors import SYSTEM
from pmm.cycles.selectors import cycle_spec
from pmm.demo import carry_out_plan, member_info
from pmm.demo_data import IN_PROGRESS, KpiChoice, ValueBatch, complete_plan, in_progress_plan
from pmm.evidence.services import Target, evidence_upload
from pmm.members.models import Group, GroupKind, Member
from pmm.members.services import group_save
from pmm.notifications.services import notify
from pmm.results.formatting import number_text
from pmm.results.models import Publication
from pmm.results.services import publication_create
from pmm.reviews.services import (
    query_answer,
    query_attach,
    query_close,
    query_correct,
    query_raise,
    review_assign,
    review_move,
    review_request,
    reviewer_save,
    verdict_set,
)
from pmm.targets.services import target_set

LEVELS = ["public", "wco", "union", "country"]
SECRETARIAT = {Role.SECRETARIAT_ADMIN, Role.SECRETARIAT_ANALYST}
MEMBER_ROLES = {Role.NCP, Role.CONTRIBUTOR}
# The watched KPIs: three whose value is one data element (so a sentinel entered is the KPI's value),
# and one that the members decline (its justification is published in the value's place).
WATCHED = {
    "D1.O4.K1": "RELEASE_TIME_IMPORT_AVG_H",
    "D1.O5.K2": "ADVANCE_RULINGS_AVG_DAYS",
    "D1.O8.K2": "TRANSIT_AVG_DISCHARGE_DAYS",
}
DECLINED = "D3.O3.K1"
WATCHED_KPIS = [*WATCHED, DECLINED]
# A is the member under the magnifying glass; P shares the EU with it, Q a union made for the test; U
# shares nothing. They report the watched KPIs; the fillers report everything else (so that group
# statistics of other KPIs are released); DRAFTING has not submitted yet.
A, P, Q, U = "BEL", "FRA", "KEN", "JPN"
OWNERS = [A, P, Q, U]
FILLERS = ["NOR", "CHL"]
DRAFTING = "MAR"
TEST_UNION = "test-union-sweep"


# --- sentinels -----------------------------------------------------------------------------------

_numbers = random.Random(20260612)
_used: set[int] = set()
_count = iter(range(1, 100_000))


def sentinel_number() -> float:
    """A unique value with 7 digits before the point and 2 after it (the last one not 0), spread at
    random so that no average or quartile of other sentinels can fall on it by construction."""
    while True:
        cents = _numbers.randrange(2_000_000_00, 9_000_000_00)
        if cents % 10 and cents // 100 not in _used:
            _used.add(cents // 100)
            return cents / 100


def sentinel_text(kind: str) -> str:
    return f"SECRET-{kind}-{next(_count)}-XYZ"


def number_forms(value: float) -> tuple[str, ...]:
    """How a value can show: as JSON or a CSV cell gives it, as pages format it (grouped thousands, 2
    or 1 decimals), as a spreadsheet cell reads back."""
    forms = {repr(value), f"{value:.2f}", f"{value:.1f}", number_text(value), number_text(value, 1)}
    return tuple(sorted(forms))


@dataclass(frozen=True)
class Secret:
    """Something a reader may or may not see, with the rule that decides it."""

    texts: tuple[str, ...]
    what: str  # for the report
    rule: str  # published, assessment, review, prepared, target, notification
    cycle: int = 0
    owner: str = ""
    levels: tuple[str, ...] = ()  # published: the levels it was published with
    recipient: str = ""  # notification: the username


@dataclass
class Figure:
    """A value (or justification) of a watched KPI, and the publications that hold it."""

    texts: tuple[str, ...]
    what: str
    publications: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Reader:
    """A reader, and the rule in words (see the module's docstring) of what it may see."""

    name: str
    role: str | None = None
    member: str | None = None
    assigned: frozenset[tuple[int, str]] = frozenset()  # (cycle, member) of the reviews assigned
    username: str = ""

    def may_see(self, cycle: int, owner: str, level: str, unions: set[tuple[str, str]]) -> bool:
        if level == "public":
            return True
        if self.role is None:
            return False
        if self.role in SECRETARIAT or (cycle, owner) in self.assigned:
            return True
        own = self.role in MEMBER_ROLES and self.member == owner
        if level == "wco":
            return True
        if level == "union":
            partner = self.role in (*MEMBER_ROLES, Role.PEER_REVIEWER) and (self.member, owner) in unions
            return own or partner
        return own

    def reads_assessment(self, cycle: int, owner: str) -> bool:
        own = self.role in MEMBER_ROLES and self.member == owner
        return self.role in SECRETARIAT or own or (cycle, owner) in self.assigned

    def allowed(self, secret: Secret, unions: set[tuple[str, str]]) -> bool:
        cycle, owner = secret.cycle, secret.owner
        if secret.rule == "published":
            seen = any(self.may_see(cycle, owner, level, unions) for level in secret.levels)
            return seen or self.reads_assessment(cycle, owner)
        if secret.rule in ("assessment", "review"):
            return self.reads_assessment(cycle, owner)
        if secret.rule == "prepared":
            return self.role in SECRETARIAT or (cycle, owner) in self.assigned
        if secret.rule == "target":
            return self.role in SECRETARIAT or (self.role in MEMBER_ROLES and self.member == owner)
        if secret.rule == "notification":
            return self.username == secret.recipient
        raise AssertionError(secret.rule)


@dataclass(frozen=True)
class Entry:
    """A change log entry of a figure, with the levels it had before and after."""

    cycle: int
    number: int
    member: str
    kpi: str
    component: str
    before: str
    after: str

    def marker(self) -> re.Pattern[str]:
        return re.compile(rf"\b{self.member}\s*(?:·|&middot;|&#183;)\s*{re.escape(self.kpi)}(?![\w.])")


@dataclass
class SweepWorld:
    paths: read_paths.World  # what the URLs are filled from
    readers: dict[str, Reader]
    users: dict[str, User | None]
    secrets: list[Secret] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    unions: set[tuple[str, str]] = field(default_factory=set)
    tokens: dict[str, str] = field(default_factory=dict)  # reader -> API token
    built_in: float = 0.0


# --- the world -----------------------------------------------------------------------------------


class Builder:
    """Makes the world through the services and records every secret with the rule that decides it."""

    def __init__(self) -> None:
        self.secrets: list[Secret] = []
        # The level of each member's KPI: (cycle, publication, member, KPI); publication 0 is the current
        # choice, copied to each publication when it is made.
        self.levels: dict[tuple[int, int, str, str], str] = {}
        self.evidence: dict[tuple[int, str], list[int]] = {}
        self.queries: dict[tuple[int, str], list[int]] = {}
        self.figures: dict[tuple[int, str, str], list[Figure]] = {}  # (cycle, member, KPI), oldest first
        self.users: dict[str, User] = {}  # readers by name

    def secret(self, texts: tuple[str, ...], what: str, rule: str, **more: Any) -> None:
        self.secrets.append(Secret(texts, what, rule, **more))

    def user(self, username: str, role: str | None, member: str | None = None) -> User:
        roles = [RoleSpec(role, member)] if role else []
        if roles:
            user = user_create(
                actor=SYSTEM, username=username, email=f"{username}@example.org", password=None, roles=roles
            )
        else:
            user = User.objects.create_user(username, f"{username}@example.org", None)
        if role in TWO_FACTOR_ROLES:
            TOTPDevice.objects.create(user=user, name="test", key=TOTP_KEY, confirmed=True)
        if role == Role.PEER_REVIEWER:
            reviewer_save(actor=SYSTEM, user=user, accreditation="accredited")
        return User.objects.get(pk=user.pk)  # read fresh: no cached rights

    def level(self, iso3: str, kpi: str, shift: int) -> str:
        """A Latin square: each owner has every level among the watched KPIs, each KPI every level."""
        return LEVELS[(OWNERS.index(iso3) + WATCHED_KPIS.index(kpi) + shift) % 4]

    def assessment(
        self,
        cycle: Any,
        iso3: str,
        *,
        shift: int = 0,
        actors: tuple[Any, Any] | None = None,
        comment: str | None = None,
        before_submit: Any = None,
    ) -> Assessment:
        """A submitted self-assessment with generated values; an owner reports the watched KPIs with
        sentinel values (and declines one with a sentinel justification) at the levels of the square."""
        spec = cycle_spec(cycle)
        watched = iso3 in OWNERS
        declined = {DECLINED: sentinel_text("JUSTIFICATION")} if watched else {}
        plan = complete_plan(
            spec, member_info(Member.objects.get(iso3=iso3)), 7, cycle.reporting_year, not_applicable=declined
        )
        values = {e: sentinel_number() for e in WATCHED.values()} if watched else {}
        batches = [
            ValueBatch(
                tuple(i for i in batch.items if i.element not in WATCHED.values()), batch.path, batch.reason
            )
            for batch in plan.batches
        ]
        items = []
        for element, value in values.items():
            items.append(
                ValueInput(element, "T", value, comment=comment if element == WATCHED["D1.O4.K1"] else None)
            )
        for element in set(WATCHED.values()) - set(values):
            items.append(ValueInput(element, "T", state="not_available", reason="Not measured."))
        plan.batches = [batch for batch in batches if batch.items] + [ValueBatch(tuple(items), "form")]
        levels = {k: self.level(iso3, k, shift) for k in WATCHED_KPIS} if watched else {}
        plan.kpi_choices = [c for c in plan.kpi_choices if c.disclosure is None]
        plan.kpi_choices += [KpiChoice(k, disclosure=v) for k, v in levels.items()]
        plan.status = IN_PROGRESS
        assessment = carry_out_plan(plan, cycle, {iso3: actors} if actors else {})
        if before_submit is not None:
            before_submit(assessment)
        assessment.refresh_from_db()
        assessment_submit(actor=actors[1] if actors else SYSTEM, assessment=assessment, path="form")
        for code in spec.kpis:
            self.levels[(cycle.pk, 0, iso3, code)] = levels.get(code, spec.kpis[code].disclosure_default)
        for kpi, element in WATCHED.items():
            if element in values:
                self.watch_value(cycle, iso3, kpi, values[element])
        if declined:
            self.watch_text(cycle, iso3, DECLINED, declined[DECLINED])
        if comment:
            self.secret(
                (comment,),
                f"{iso3} {cycle.reporting_year}: comment on a value",
                "assessment",
                cycle=cycle.pk,
                owner=iso3,
            )
        return Assessment.objects.get(pk=assessment.pk)

    def watch(self, cycle: Any, iso3: str, kpi: str, texts: tuple[str, ...], what: str) -> None:
        """A figure of a watched KPI is now current (it replaces the one before): published with the
        levels of the publications that hold it, or never published."""
        self.figures.setdefault((cycle.pk, iso3, kpi), []).append(
            Figure(texts, f"{iso3} {cycle.reporting_year} {kpi}: {what}")
        )

    def watch_value(self, cycle: Any, iso3: str, kpi: str, value: float) -> None:
        self.watch(cycle, iso3, kpi, number_forms(value), f"value {value}")

    def watch_text(self, cycle: Any, iso3: str, kpi: str, text: str) -> None:
        self.watch(cycle, iso3, kpi, (text,), "justification")

    def publish(self, cycle: Any, note: str) -> Publication:
        """Publish the cycle: each current figure with its member's current level."""
        publication = publication_create(actor=SYSTEM, cycle=cycle, note=note)
        for key in [k for k in self.levels if k[0] == cycle.pk and k[1] == 0]:
            self.levels[(cycle.pk, publication.number, *key[2:])] = self.levels[key]
        for (cycle_pk, _iso3, _kpi), figures in self.figures.items():
            if cycle_pk == cycle.pk:
                figures[-1].publications.append(publication.number)
        return publication

    def figure_secrets(self) -> None:
        """Each figure is a secret: published with the levels of its publications, or never published."""
        for (cycle, iso3, kpi), figures in self.figures.items():
            for f in figures:
                levels = tuple(sorted({self.levels[(cycle, n, iso3, kpi)] for n in f.publications}))
                what = f"{f.what}, " + (
                    f"publication {f.publications} ({', '.join(levels)})" if levels else "never published"
                )
                rule = "published" if levels else "assessment"
                self.secret(f.texts, what, rule, cycle=cycle, owner=iso3, levels=levels)

    def uploaded(self, text: str) -> SimpleUploadedFile:
        name = f"{sentinel_text('FILE')}.txt"
        return SimpleUploadedFile(name, f"{text}\n".encode(), content_type="text/plain")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[SweepWorld]:
    """The world, built once for every reader's test, in a transaction rolled back at the end (each
    test runs in a savepoint of it); background jobs (results) run at once."""
    started = time.perf_counter()
    with (
        django_db_blocker.unblock(),
        override_settings(PMM_EVIDENCE_DIR=tmp_path_factory.mktemp("evidence")),
        translation.override("en"),
        transaction.atomic(),
    ):
        with TestCase.captureOnCommitCallbacks(execute=True):
            built = _build(Builder())
        built.built_in = time.perf_counter() - started
        yield built
        transaction.set_rollback(True)


def _build(b: Builder) -> SweepWorld:
    earlier, current = cycle_of(2022), cycle_of(2024)
    test_union = Group.objects.create(
        code=TEST_UNION, kind=GroupKind.UNION, name={"en": "Test union", "fr": "Union de test"}
    )
    test_union.members.set(Member.objects.filter(iso3__in=[A, Q]))
    custom = group_save(
        actor=SYSTEM, code="sweep-peers", name={"en": "Peers", "fr": "Pairs"}, member_iso3=[P, Q, U, *FILLERS]
    )
    readers = {
        "anonymous": Reader("anonymous"),
        "basic": Reader("basic", Role.BASIC),
        "ncp_A": Reader("ncp_A", Role.NCP, A),
        "contributor_A": Reader("contributor_A", Role.CONTRIBUTOR, A),
        "ncp_partner": Reader("ncp_partner", Role.NCP, P),
        "ncp_unrelated": Reader("ncp_unrelated", Role.NCP, U),
        "reviewer_now": Reader("reviewer_now", Role.PEER_REVIEWER, "CAN", frozenset({(current.pk, A)})),
        "reviewer_before": Reader("reviewer_before", Role.PEER_REVIEWER, "DEU", frozenset({(earlier.pk, A)})),
        "analyst": Reader("analyst", Role.SECRETARIAT_ANALYST),
    }
    users: dict[str, User | None] = {"anonymous": None}
    b.users = {}
    for name, reader in readers.items():
        if reader.role is not None:
            user = b.user(f"sweep-{name}".replace("_", "-").lower(), reader.role, reader.member)
            users[name] = b.users[name] = user
            readers[name] = Reader(name, reader.role, reader.member, reader.assigned, user.username)
    ncp_a, contributor_a, ncp_p = b.users["ncp_A"], b.users["contributor_A"], b.users["ncp_partner"]
    reviewer_now, reviewer_before = b.users["reviewer_now"], b.users["reviewer_before"]
    reviewer_p = b.user("sweep-reviewer-of-partner", Role.PEER_REVIEWER, "MEX")

    def evidence_file(cycle: Any, kpi: str) -> Any:
        """A callback filing a secret evidence file for A's KPI before A submits in `cycle`."""

        def upload_before_submitting(assessment: Assessment) -> None:
            text = sentinel_text("EVIDENCE")
            upload = b.uploaded(text)
            evidence = evidence_upload(
                actor=contributor_a,
                assessment=assessment,
                target=Target(kpi=kpi),
                uploaded_file=upload,
                description=sentinel_text("DESCRIPTION"),
            )
            b.evidence[(cycle.pk, A)] = [evidence.pk]
            b.secret(
                (text, upload.name, evidence.description),
                f"{A} {cycle.reporting_year}: an evidence file",
                "assessment",
                cycle=cycle.pk,
                owner=A,
            )

        return upload_before_submitting

    # The earlier cycle: the owners report, A's review is under way with reviewer_before; published once.
    early_evidence = evidence_file(earlier, "D1.O4.K1")
    for iso3 in OWNERS:
        is_a = iso3 == A
        b.assessment(
            earlier,
            iso3,
            shift=1,
            actors=(contributor_a, ncp_a) if is_a else None,
            comment=sentinel_text("COMMENT") if is_a else None,
            before_submit=early_evidence if is_a else None,
        )
    b.publish(earlier, "Results of 2022.")
    old_review = review_request(actor=ncp_a, assessment=Assessment.objects.get(cycle=earlier, member__iso3=A))
    review_move(actor=SYSTEM, review=old_review, action="accept")
    review_assign(actor=SYSTEM, review=old_review, reviewer=reviewer_before, lead=True, accept_warnings=True)
    review_move(actor=SYSTEM, review=old_review, action="start")
    text = sentinel_text("QUERY")
    query = query_raise(actor=reviewer_before, review=old_review, kpi="D1.O5.K2", text=text)
    review_move(
        actor=reviewer_before,
        review=old_review,
        action="send_round",
        due_date=timezone.localdate() + timedelta(days=14),
    )
    b.queries[(earlier.pk, A)] = [query.number]
    b.secret((text,), f"{A} 2022: a query of its review", "review", cycle=earlier.pk, owner=A)

    # The current cycle: everyone submits (one member still drafts); publication 1.
    evidence_now = evidence_file(current, "D1.O8.K2")

    for iso3 in [*OWNERS, *FILLERS]:
        is_a = iso3 == A
        b.assessment(
            current,
            iso3,
            actors=(contributor_a, ncp_a) if is_a else None,
            comment=sentinel_text("COMMENT") if is_a else None,
            before_submit=evidence_now if is_a else None,
        )
    b.publish(current, "Results of 2024.")

    # A member still drafting: its values are nobody's but its own people's and the Secretariat's.
    spec = cycle_spec(current)
    drafting = in_progress_plan(spec, member_info(Member.objects.get(iso3=DRAFTING)), 7, 2024, percent=60)
    draft_value = sentinel_number()
    drafting.batches.append(ValueBatch((ValueInput(WATCHED["D1.O4.K1"], "T", draft_value),), "form"))
    carry_out_plan(drafting, current, {})
    b.secret(
        number_forms(draft_value),
        f"{DRAFTING} 2024: a value of a self-assessment in progress",
        "assessment",
        cycle=current.pk,
        owner=DRAFTING,
    )

    # A corrects after publication 1: a value and its level (public -> country), a value at the same
    # level, a level alone, and its justification; P's review is signed off (its figures become peer
    # reviewed). Publication 2 has a change log.
    assessment = Assessment.objects.get(cycle=current, member__iso3=A)
    assessment = assessment_reopen(actor=SYSTEM, assessment=assessment, reason="A correction.", path="cli")
    corrections = {"D1.O4.K1": sentinel_number(), "D1.O8.K2": sentinel_number()}
    new_levels = {"D1.O4.K1": "country", "D1.O5.K2": "union"}
    new_justification = sentinel_text("JUSTIFICATION")
    for kpi, level in new_levels.items():
        kpi_update(
            actor=ncp_a,
            assessment=assessment,
            kpi_code=kpi,
            disclosure=level,
            path="form",
            reason="Decided again.",
        )
        b.levels[(current.pk, 0, A, kpi)] = level
    assessment.refresh_from_db()
    kpi_update(
        actor=ncp_a,
        assessment=assessment,
        kpi_code=DECLINED,
        applicable=False,
        justification=new_justification,
        path="form",
        reason="Explained better.",
    )
    assessment.refresh_from_db()
    values_save(
        actor=ncp_a,
        assessment=assessment,
        version=assessment.version,
        items=[ValueInput(WATCHED[k], "T", v) for k, v in corrections.items()],
        path="form",
        reason="Corrected.",
    )
    assessment.refresh_from_db()
    assessment_submit(actor=ncp_a, assessment=assessment, path="form")
    for kpi, value in corrections.items():
        b.watch_value(current, A, kpi, value)
    b.watch_text(current, A, DECLINED, new_justification)

    review = review_request(actor=ncp_p, assessment=Assessment.objects.get(cycle=current, member__iso3=P))
    review_move(actor=SYSTEM, review=review, action="accept")
    review_assign(actor=SYSTEM, review=review, reviewer=reviewer_p, lead=True, accept_warnings=True)
    review_move(actor=SYSTEM, review=review, action="start")
    reason = sentinel_text("VERDICT")
    for code in spec.kpis:
        verdict_set(actor=reviewer_p, review=review, kpi=code, verdict="confirmed")
    verdict_set(actor=reviewer_p, review=review, kpi="D1.O5.K2", verdict="not_validated", reason=reason)
    review_move(actor=reviewer_p, review=review, action="sign_off")
    b.secret(
        (reason,),
        f"{P} 2024: a verdict's reason in its signed-off review",
        "review",
        cycle=current.pk,
        owner=P,
    )
    b.publish(current, "Corrections of 2024.")

    # A's review of the current cycle, under way with reviewer_now: a round of queries, an answer, a
    # correction (a value no publication has), evidence, a closed query and a query not yet sent.
    review = review_request(actor=ncp_a, assessment=Assessment.objects.get(cycle=current, member__iso3=A))
    review_move(actor=SYSTEM, review=review, action="accept")
    review_assign(actor=SYSTEM, review=review, reviewer=reviewer_now, lead=True, accept_warnings=True)
    review_move(actor=SYSTEM, review=review, action="start")
    texts = [sentinel_text("QUERY") for _ in range(2)]
    first = query_raise(
        actor=reviewer_now,
        review=review,
        kpi="D1.O4.K1",
        element=WATCHED["D1.O4.K1"],
        period="T",
        text=texts[0],
    )
    second = query_raise(actor=reviewer_now, review=review, kpi="D1.O8.K2", text=texts[1])
    review_move(
        actor=reviewer_now,
        review=review,
        action="send_round",
        due_date=timezone.localdate() + timedelta(days=14),
    )
    answer, fixed_text, attached, closing = (
        sentinel_text(k) for k in ("ANSWER", "CORRECTION", "ATTACHED", "CLOSE")
    )
    query_answer(actor=ncp_a, query=second, text=answer)
    fixed = sentinel_number()
    query_correct(
        actor=ncp_a, query=first, items=[ValueInput(WATCHED["D1.O4.K1"], "T", fixed)], text=fixed_text
    )
    upload = b.uploaded(sentinel_text("EVIDENCE"))
    message = query_attach(actor=ncp_a, query=second, uploaded_file=upload, text=attached)
    b.evidence[(current.pk, A)].append(message.evidence.pk)
    review_move(actor=ncp_a, review=review, action="hand_back")
    query_close(actor=reviewer_now, query=second, text=closing)
    prepared = sentinel_text("PREPARED")
    third = query_raise(actor=reviewer_now, review=review, kpi="D1.O5.K2", text=prepared)
    b.queries[(current.pk, A)] = [first.number, second.number, third.number]
    for text in (*texts, answer, fixed_text, attached, closing):
        b.secret((text,), f"{A} 2024: its review's queries and answers", "review", cycle=current.pk, owner=A)
    b.secret(
        (upload.name, upload.file.getvalue().decode().strip()),
        f"{A} 2024: evidence answering a query",
        "assessment",
        cycle=current.pk,
        owner=A,
    )
    b.watch_value(current, A, "D1.O4.K1", fixed)
    b.secret((prepared,), f"{A} 2024: a query not yet sent", "prepared", cycle=current.pk, owner=A)

    # A target, and notifications for one reader each.
    target_value, note = sentinel_number(), sentinel_text("TARGET-NOTE")
    target_set(
        actor=ncp_a,
        member=Member.objects.get(iso3=A),
        cycle=current,
        kpi="D1.O4.K1",
        year=2026,
        value=target_value,
        note=note,
    )
    b.secret((*number_forms(target_value), note), f"{A}: a target", "target", owner=A)
    notifications = []
    for name in ("ncp_A", "reviewer_now"):
        subject, body = sentinel_text("SUBJECT"), sentinel_text("BODY")
        notifications += notify([b.users[name]], "review.status", subject, body, "/notifications/")
        b.secret(
            (subject, body), f"a notification of {name}", "notification", recipient=b.users[name].username
        )

    b.figure_secrets()
    unions = set()
    for group in Group.objects.filter(kind=GroupKind.UNION).prefetch_related("members"):
        codes = [m.iso3 for m in group.members.all()]
        unions |= {(x, y) for x in codes for y in codes}
    entries = []
    for publication in Publication.objects.filter(cycle__in=[earlier, current]).select_related("cycle"):
        for e in publication.change_log:
            if "kpi" in e:
                key = (publication.cycle_id, e["member"], e["kpi"])
                entries.append(
                    Entry(
                        publication.cycle_id,
                        publication.number,
                        e["member"],
                        e["kpi"],
                        e["component"],
                        b.levels[(key[0], publication.number - 1, *key[1:])],
                        b.levels[(key[0], publication.number, *key[1:])],
                    )
                )
    tokens = {
        name: token_create(actor=SYSTEM, user=user, name="sweep") for name, user in users.items() if user
    }
    paths = read_paths.World(
        cycles=[current.pk, earlier.pk],
        members={current.pk: [A, P, DRAFTING], earlier.pk: [A]},
        publications={current.pk: [1, 2], earlier.pk: [1]},
        queries=b.queries,
        evidence=b.evidence,
        kpis=["D1.O4.K1", DECLINED],  # each watched KPI has every level among the owners
        stats_kpi="D1.O1.K1",
        elements=list(WATCHED.values()),
        dimensions=["D3"],  # D1, the first, is what a page without ?dimension= shows
        groups=[TEST_UNION, "union-eu", custom.code],
        usernames=[ncp_a.username, reviewer_now.username],
        notifications=[n.pk for n in notifications],
        tokens=[token.pk for token, _secret in tokens.values()][:1],
        targets=[("D1.O4.K1", 2026)],
        sdg_targets=["9.1"],  # of the fewest KPIs with two watched ones (each page draws one chart a KPI)
        peers=[P, Q, U, FILLERS[0]],
    )
    secrets = {name: secret for name, (_token, secret) in tokens.items()}
    return SweepWorld(paths, readers, users, b.secrets, entries, unions, secrets)


# --- the sweep -----------------------------------------------------------------------------------


def test_every_route_is_swept_or_skipped_with_a_reason():
    problems = read_paths.unaccounted()
    print(read_paths.count_by_kind())  # -s: {"api": GET operations swept, "pages": ..., "skipped": ...}
    assert not problems, "\n".join(problems)


class Finder:
    """Which of many texts an answer contains, each standing alone (not inside a longer number or
    word): a substring test first, the boundaries checked only for what it found."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.texts = sorted(set(texts), key=len, reverse=True)

    def __call__(self, answer: str) -> set[str]:
        return {t for t in self.texts if t in answer and re.search(rf"(?<!\w){re.escape(t)}(?!\w)", answer)}


def _json_entries(answer: Any) -> Iterator[dict[str, Any]]:
    """The change log entries of a JSON answer, wherever they are."""
    if isinstance(answer, dict):
        if "change" in answer and "member" in answer:
            yield answer
        for value in answer.values():
            yield from _json_entries(value)
    elif isinstance(answer, list):
        for value in answer:
            yield from _json_entries(value)


@dataclass
class Sweep:
    """What one reader was shown: the problems found, which secrets it may see it saw, and how much."""

    problems: list[str] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)
    asked: int = 0


def sweep(world: SweepWorld, name: str) -> Sweep:
    """Ask every swept URL as reader `name` (and each chart's data download a page links to, once)."""
    reader, user, unions = world.readers[name], world.users[name], world.unions
    may = [reader.allowed(s, unions) for s in world.secrets]
    hidden_by_text = {t: s for s, ok in zip(world.secrets, may, strict=True) if not ok for t in s.texts}
    shown_by_text = {
        t: i for i, (s, ok) in enumerate(zip(world.secrets, may, strict=True)) if ok for t in s.texts
    }
    hidden, shown = Finder(hidden_by_text), Finder(shown_by_text)
    entries = [
        e
        for e in world.entries
        if not reader.reads_assessment(e.cycle, e.member)
        and not reader.may_see(e.cycle, e.member, e.before, unions)
        and not reader.may_see(e.cycle, e.member, e.after, unions)
    ]
    pages, api = Client(raise_request_exception=False), Client(raise_request_exception=False)
    headers = {}
    if user is not None:
        pages.force_login(user)
        headers = {"Authorization": f"Bearer {world.tokens[name]}"}
    result = Sweep()
    charts: set[tuple[str, str]] = set()

    def check(url: str, response: Any, client: Client) -> None:
        result.asked += 1
        if response.status_code >= 500:
            result.problems.append(f"{url}: answered {response.status_code}")
            return
        text = read_paths.answer_text(response)
        for match in sorted(hidden(text)):
            result.problems.append(f"{url}: shows {hidden_by_text[match].what} [{match}]")
        result.seen |= {shown_by_text[m] for m in shown(text)}
        found = set()
        if entries and '"change"' in text and response.get("Content-Type", "").startswith("application/json"):
            for e in _json_entries(json.loads(read_paths.body_of(response))):
                found |= {x for x in entries if (e.get("member"), e.get("kpi")) == (x.member, x.kpi)}
        if entries and any(dot in text for dot in ("·", "&middot;", "&#183;")):
            found |= {x for x in entries if x.kpi in text and x.marker().search(text)}
        for x in sorted(found, key=lambda x: (x.cycle, x.number, x.member, x.kpi)):
            result.problems.append(
                f"{url}: shows the change log entry of {x.member} {x.kpi} in publication {x.number} "
                f"({x.before} -> {x.after}), a figure it may see neither before nor after"
            )
        if response.get("Content-Type", "").startswith("text/html"):
            for link in read_paths.chart_links(text, WATCHED_KPIS):
                chart = (link.split("?")[0], link.split("chart=")[1].split("&")[0])
                if chart not in charts:  # each chart once: its download computes the whole page again
                    charts.add(chart)
                    check(link, client.get(link), client)

    for swept in read_paths.urls(world.paths):
        client = api if swept.api else pages
        check(swept.url, client.get(swept.url, headers=headers if swept.api else {}), client)
    return result


READERS = [
    "anonymous",
    "basic",
    "ncp_A",
    "contributor_A",
    "ncp_partner",
    "ncp_unrelated",
    "reviewer_now",
    "reviewer_before",
    "analyst",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", READERS)
def test_no_route_shows_a_reader_what_the_rule_withholds(
    world, name, reports_laid_out_as_html, charts_drawn_as_data
):
    """Every swept URL as this reader: no 5xx, no secret it must not see, no change log entry of a figure
    it may see neither before nor after; and every secret it may see shows somewhere (the sweep is not
    blind: signed in, reaching the pages that show them)."""
    translation.activate("en")
    started = time.perf_counter()
    result = sweep(world, name)
    print(f"{name}: {result.asked} answers in {time.perf_counter() - started:.1f} s")
    reader = world.readers[name]
    blind = [
        s.what
        for i, s in enumerate(world.secrets)
        if reader.allowed(s, world.unions) and i not in result.seen
    ]
    problems = list(result.problems)
    if blind:
        problems.append(f"never shown although {name} may see them (is the sweep blind?): {blind}")
    assert not problems, f"{len(problems)} problems for {name}:\n" + "\n".join(problems)
