"""Demo data for `make demo`: the shipped framework, the members, one account per role, and two
cycles of synthetic self-assessments (see `pmm.demo_data`) entered through the real services."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from pmm.accounts.models import User
from pmm.accounts.services import RoleSpec, user_create
from pmm.assessments.models import Assessment, AssessmentStatus, DataValue
from pmm.assessments.services import (
    ValueInput,
    assessment_submit,
    justification_save,
    kpi_update,
    values_save,
)
from pmm.core.actors import SYSTEM
from pmm.core.errors import ApplicationError
from pmm.cycles.models import Cycle
from pmm.cycles.services import cycle_change_status, cycle_create, extension_grant
from pmm.demo_data import (
    DEFAULT_SEED,
    NOT_STARTED,
    SUBMITTED,
    AssessmentPlan,
    MemberInfo,
    demo_plan,
)
from pmm.framework.models import Framework, FrameworkStatus
from pmm.framework.services import framework_load
from pmm.framework.spec import spec_from_document
from pmm.members.models import GroupKind, Member
from pmm.members.services import members_load
from pmm.results.participation import cycle_participation

DEMO_PASSWORD = "pmm-demo-2026!"  # noqa: S105 - printed for the demo on purpose
DEMO_EMAIL_DOMAIN = "demo.pmm.invalid"  # the accounts the demo created, and only those, have it
# The demo's authenticator: a TOTP device under this name is the marker `pmm demo-code` asks for.
DEMO_TOTP_DEVICE_NAME = "demo authenticator"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    member: str | None
    description: str


DEMO_ACCOUNTS = [
    DemoAccount("admin", "secretariat_admin", None, "Secretariat administrator"),
    DemoAccount("analyst", "secretariat_analyst", None, "Secretariat analyst"),
    DemoAccount("ncp-ken", "ncp", "KEN", "National Contact Point, Kenya"),
    DemoAccount("contrib-ken", "contributor", "KEN", "Contributor, Kenya"),
    DemoAccount("ncp-fra", "ncp", "FRA", "National Contact Point, France"),
    DemoAccount("reviewer", "peer_reviewer", "CAN", "Peer reviewer (from Canada)"),
    DemoAccount("basic", "basic", None, "Basic PMM user"),
]


# What a first visit of the demo could try, printed by `pmm demo` after the accounts.
DEMO_FIRST_STEPS = [
    "ncp-fra: France's home page leads to the peer reviewer's queries (due in 14 days); its dashboard "
    "shows the targets for 2026.",
    "contrib-ken: Kenya's 2024 self-assessment is in progress: type values (they save as you type) or "
    "download the workbook.",
    "admin: the 2024 cycle's status board, results and publications, and the audit log.",
    "reviewer: France's peer review: its queries, the verdicts, the review matrix.",
    "without signing in: the published results under /public/.",
]


def demo_setup() -> list[str]:
    """Load the framework, the members and the demo accounts; idempotent. Returns what it did."""
    done = [framework_load(actor=SYSTEM, text=settings.PMM_DEFAULT_FRAMEWORK_FILE.read_text()).summary()]
    report = members_load(text=settings.PMM_DEFAULT_MEMBERS_FILE.read_text(), actor=SYSTEM)
    done.append("members: " + report.summary().splitlines()[0])
    for account in DEMO_ACCOUNTS:
        if User.objects.filter(username=account.username).exists():
            continue
        user_create(
            actor=SYSTEM,
            username=account.username,
            email=f"{account.username}@{DEMO_EMAIL_DOMAIN}",
            password=DEMO_PASSWORD,
            roles=[RoleSpec(account.role, account.member)],
            reason="demo account",
        )
        done.append(f"account {account.username} created")
    done += demo_two_factor_setup()
    done += demo_cycles_setup()
    done += demo_publications_setup()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        done += demo_reviews_setup()  # in-app notifications, but no e-mails printed during the setup
        done += demo_signed_off_review()
    done += demo_targets()
    return done


def demo_targets() -> list[str]:
    """France sets two targets for 2026, so that its dashboard shows progress. Idempotent."""
    from pmm.results.models import KpiResult
    from pmm.targets.models import Target
    from pmm.targets.services import target_set

    cycle = Cycle.objects.filter(framework__code=DEMO_FRAMEWORK, reporting_year=DEMO_YEAR).first()
    ncp = User.objects.filter(username="ncp-fra").first()
    france = Member.objects.filter(iso3="FRA").first()
    if (
        cycle is None
        or ncp is None
        or france is None
        or Target.objects.unrestricted().filter(member=france).exists()
    ):
        return []
    current = dict(
        KpiResult.objects.unrestricted()
        .filter(result_set__assessment__cycle=cycle, result_set__assessment__member=france, component="value")
        .values_list("kpi", "value")
    )
    plans = [("D1.O1.K1", 1.05), ("D1.O4.K1", 0.8)]  # more electronic declarations; faster release
    done = 0
    for kpi, factor in plans:
        if current.get(kpi) is None:
            continue
        value = round(float(current[kpi]) * factor, 1)
        if kpi == "D1.O1.K1":
            value = min(value, 100.0)
        target_set(actor=ncp, member=france, cycle=cycle, kpi=kpi, year=DEMO_YEAR + 2, value=value)
        done += 1
    return [f"demo targets: France set {done} targets for {DEMO_YEAR + 2}"]


def demo_publications_setup() -> list[str]:
    """Publish the demo cycles' results: 2022 once; 2024 once, then a correction of one member as a
    second publication (with its change log). Idempotent: a cycle with publications is left as it is."""
    from pmm.assessments.services import assessment_reopen
    from pmm.results.models import Publication
    from pmm.results.services import publication_create

    lines = []
    for year in (EARLIER_YEAR, DEMO_YEAR):
        cycle = Cycle.objects.filter(framework__code=DEMO_FRAMEWORK, reporting_year=year).first()
        if cycle is None or Publication.objects.filter(cycle=cycle).exists():
            continue
        with transaction.atomic():
            first = publication_create(actor=SYSTEM, cycle=cycle, note="Results of the self-assessments.")
            lines.append(f"demo results {year}: publication 1 with {first.member_count} members")
            if year != DEMO_YEAR:
                continue
            corrected = (
                Assessment.objects.filter(cycle=cycle, status=AssessmentStatus.SUBMITTED)
                .exclude(member__iso3__in=DEMO_ACTORS)
                .order_by("member__iso3")
                .first()
            )
            if corrected is None:
                continue
            reason = "The total of declarations left out one regional office."
            assessment_reopen(actor=SYSTEM, assessment=corrected, reason=reason, path="cli")
            total = DataValue.objects.unrestricted().get(
                assessment=corrected, element__code="DECL_TOTAL", period="T"
            )
            corrected.refresh_from_db()
            values_save(
                actor=SYSTEM,
                assessment=corrected,
                version=corrected.version,
                items=[ValueInput("DECL_TOTAL", "T", int(total.value * 1.03) + 1)],
                path="cli",
                reason=reason,
            )
            corrected.refresh_from_db()
            assessment_submit(actor=SYSTEM, assessment=corrected, path="cli")
            second = publication_create(
                actor=SYSTEM, cycle=cycle, note=f"Correction of {corrected.member.iso3}: {reason}"
            )
            lines.append(
                f"demo results {year}: publication 2 corrects {corrected.member.iso3} "
                f"({len(second.change_log)} figures changed)"
            )
    return lines


def demo_reviews_setup() -> list[str]:
    """France asks for a peer review of its 2024 self-assessment; the Secretariat accepts it and the demo
    reviewer (from Canada) leads it. Idempotent: left as it is once France has a review."""
    from pmm.reviews.models import Review
    from pmm.reviews.services import query_raise, review_assign, review_move, review_request, reviewer_save

    cycle = Cycle.objects.filter(framework__code=DEMO_FRAMEWORK, reporting_year=DEMO_YEAR).first()
    france = Assessment.objects.filter(
        cycle=cycle, member__iso3="FRA", status=AssessmentStatus.SUBMITTED
    ).first()
    reviewer = User.objects.filter(username="reviewer").first()
    ncp = User.objects.filter(username="ncp-fra").first()
    if france is None or reviewer is None or ncp is None or Review.objects.filter(assessment=france).exists():
        return []
    with transaction.atomic():
        reviewer_save(
            actor=SYSTEM,
            user=reviewer,
            accreditation="accredited",
            languages=["en", "fr"],
            expertise=["D1", "D2"],
            reason="demo reviewer",
        )
        review = review_request(
            actor=ncp, assessment=france, note="We would like the trade facilitation figures checked."
        )
        review = review_move(actor=SYSTEM, review=review, action="accept")
        review_assign(actor=SYSTEM, review=review, reviewer=reviewer, lead=True, accept_warnings=True)
        review_move(actor=SYSTEM, review=review, action="start")
        query_raise(
            actor=reviewer,
            review=review,
            kpi="D1.O1.K1",
            element="DECL_ELECTRONIC",
            period="T",
            text="How are declarations lodged by e-mail counted: as electronic or not?",
        )
        query_raise(
            actor=reviewer,
            review=review,
            kpi="D1.O1.K2",
            text="Which document shows the alignment with the WCO Data Model?",
        )
        due = timezone.localdate() + timedelta(days=14)
        review_move(actor=reviewer, review=review, action="send_round", due_date=due)
        query_raise(
            actor=reviewer, review=review, kpi="D1.O1.K1", text="Is the total of declarations for T-1 final?"
        )
    return [
        "demo peer review: France 2024, member responding to 2 queries (due in 14 days; a third is being "
        "prepared), led by the demo reviewer (Canada)"
    ]


def demo_signed_off_review() -> list[str]:
    """A member's 2024 self-assessment was peer reviewed (the last submitted member by ISO3 code, acting
    through the system; the demo's own members are left to the demo accounts): one query, a corrected
    value, a verdict on every KPI, signed off with its certificate, and published again. Idempotent: left
    as it is once a review was signed off."""
    from pmm.results.services import publication_create
    from pmm.reviews.models import Review, ReviewStatus
    from pmm.reviews.services import (
        query_close,
        query_correct,
        query_raise,
        review_assign,
        review_move,
        review_request,
        verdict_set,
    )

    cycle = Cycle.objects.filter(framework__code=DEMO_FRAMEWORK, reporting_year=DEMO_YEAR).first()
    reviewed = (
        Assessment.objects.filter(cycle=cycle, status=AssessmentStatus.SUBMITTED)
        .exclude(member__iso3__in=DEMO_ACTORS)
        .select_related("member")
        .order_by("-member__iso3")
        .first()
    )
    reviewer = User.objects.filter(username="reviewer").first()
    if reviewed is None or reviewer is None or Review.objects.filter(status=ReviewStatus.SIGNED_OFF).exists():
        return []
    ncp = SYSTEM
    spec = spec_from_document(cycle.framework.document, cycle.framework.fingerprint)
    with transaction.atomic():
        review = review_request(actor=ncp, assessment=reviewed, note="A check of the whole self-assessment.")
        review_move(actor=SYSTEM, review=review, action="accept")
        review_assign(actor=SYSTEM, review=review, reviewer=reviewer, lead=True, accept_warnings=True)
        review_move(actor=SYSTEM, review=review, action="start")
        query = query_raise(
            actor=reviewer,
            review=review,
            kpi="D1.O1.K1",
            element="DECL_TOTAL",
            period="T",
            text="The total of declarations is lower than the customs annual report's. Which is right?",
        )
        review_move(
            actor=reviewer,
            review=review,
            action="send_round",
            due_date=timezone.localdate() + timedelta(days=10),
        )
        total = (
            DataValue.objects.unrestricted()
            .get(assessment=reviewed, element__code="DECL_TOTAL", period="T")
            .value
        )
        query_correct(
            actor=ncp,
            query=query,
            items=[ValueInput("DECL_TOTAL", "T", int(total) + 250)],
            text="The annual report is right: the figure left out one port office.",
        )
        review_move(actor=ncp, review=review, action="hand_back")
        query_close(actor=reviewer, query=query, text="Thank you; corrected.")
        for code in spec.kpis:
            verdict_set(actor=reviewer, review=review, kpi=code, verdict="confirmed")
        verdict_set(actor=reviewer, review=review, kpi="D1.O1.K1", verdict="adjusted")
        verdict_set(
            actor=reviewer,
            review=review,
            kpi="D1.O1.K2",
            verdict="not_validated",
            reason="No document showed the alignment with the WCO Data Model.",
        )
        review = review_move(actor=reviewer, review=review, action="sign_off")
        publication = publication_create(
            actor=SYSTEM, cycle=cycle, note="Kenya's figures after its peer review, marked as peer reviewed."
        )
    level = review.certificate["level"].replace("_", " ")
    return [
        f"demo peer review: {reviewed.member.iso3} 2024 signed off ({level}); "
        f"publication {publication.number} marks its peer-reviewed figures"
    ]


@dataclass(frozen=True)
class DemoKey:
    username: str
    key: str  # base32, in groups of four, as typed into an authenticator app
    url: str  # otpauth:// URI, as a QR code holds it


def demo_two_factor_setup() -> list[str]:
    """Turn two-factor authentication on for the demo accounts whose role requires it, with a new key
    each, through the same service as a user's set-up (audited). Idempotent: an account with an
    authenticator keeps it. Only accounts the demo created (by their e-mail address) are touched."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from pmm.accounts.two_factor import has_totp, new_secret, required_for, totp_enable

    done = []
    for user in _demo_users():
        if not required_for(user) or has_totp(user):
            continue
        key = new_secret()
        with transaction.atomic():
            system: Any = SYSTEM  # the set-up service names its actor; the operator's here (audited)
            totp_enable(actor=system, user=user, key=key, code=f"{TOTP(bytes.fromhex(key)).token():06d}")
            TOTPDevice.objects.filter(user=user).update(name=DEMO_TOTP_DEVICE_NAME)
        done.append(f"two-factor authentication on for {user.username}")
    return done


def demo_keys() -> list[DemoKey]:
    """The authenticator keys of the demo accounts that sign in with a code (demo only)."""
    from pmm.accounts.two_factor import otpauth_url, secret_for_humans

    return [
        DemoKey(user.username, secret_for_humans(device.key), otpauth_url(user, device.key))
        for user, device in _demo_devices()
    ]


def demo_code(username: str) -> str:
    """The code a demo account's authenticator app shows now (the next one if the current one was used
    already), so that the demo can be tried without an app. Refused outside a demo: the platform must
    be served by `pmm demo` (PMM_DEMO, plain HTTP on this machine) and the account must be one the demo
    created, with the authenticator the demo set up; a real account's codes are never given."""
    from django_otp.oath import TOTP

    if not settings.PMM_DEMO or settings.PMM_HTTPS:
        raise ApplicationError(
            "demo codes are given only for a demo started by `pmm demo` (PMM_DEMO on, PMM_HTTPS off)."
        )
    devices = {user.username: device for user, device in _demo_devices()}
    if username not in devices:
        names = ", ".join(sorted(devices)) or "none"
        raise ApplicationError(
            f"{username} is not a demo account with the demo's authenticator (those are: {names})."
        )
    device = devices[username]
    totp = TOTP(bytes.fromhex(device.key))
    totp.drift = max(0, device.last_t + 1 - totp.t())  # a code is accepted once: then the next one
    return f"{totp.token():06d}"


def _demo_users() -> list[User]:
    """The demo accounts that `demo_setup` created (their e-mail address is under the demo's domain)."""
    emails = {f"{a.username}@{DEMO_EMAIL_DOMAIN}" for a in DEMO_ACCOUNTS}
    users = User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS], email__in=emails)
    order = {a.username: i for i, a in enumerate(DEMO_ACCOUNTS)}
    return sorted(users, key=lambda u: order[u.username])


def _demo_devices() -> list[tuple[User, Any]]:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    users = _demo_users()
    devices = {
        d.user_id: d
        for d in TOTPDevice.objects.filter(user__in=users, name=DEMO_TOTP_DEVICE_NAME, confirmed=True)
    }
    return [(u, devices[u.pk]) for u in users if u.pk in devices]


DEMO_FRAMEWORK = "pmm-v1"
DEMO_YEAR = 2024
# The first PMM cycle collected data for 2022 (WCO News 106); it is closed. Its T-1 is 2021, so it does
# not pre-fill the 2024 cycle's T-1 (2023): with cycles every two years, carry-forward has nothing to find.
EARLIER_YEAR = 2022
EARLIER_OPENS, EARLIER_CLOSES = date(2023, 3, 1), date(2023, 9, 29)
# The demo accounts enter their own members' data: (who enters values, who decides and submits).
DEMO_ACTORS = {"KEN": ("contrib-ken", "ncp-ken"), "FRA": ("ncp-fra", "ncp-fra")}


def demo_cycles_setup(seed: int = DEFAULT_SEED, today: date | None = None) -> list[str]:
    """Open the 2024 cycle (every member is invited) with synthetic data for 45 members (of 60 planned:
    15 do not start), and the closed 2022 cycle for ten of them. Idempotent: a cycle that exists already
    is left as it is (each is made in one transaction)."""
    framework = Framework.objects.filter(code=DEMO_FRAMEWORK, status=FrameworkStatus.ACTIVE).first()
    if framework is None:
        return [f"demo cycles: skipped (no active {DEMO_FRAMEWORK} framework)"]
    started = time.perf_counter()
    today = today or timezone.localdate()
    spec = spec_from_document(framework.document, framework.fingerprint)
    plan = demo_plan(
        spec,
        _member_infos(),
        seed=seed,
        year=DEMO_YEAR,
        jump_threshold=settings.PMM_JUMP_THRESHOLD_PERCENT,
    )
    actors = _actors()
    lines = []
    if not _cycle_exists(EARLIER_YEAR):
        with transaction.atomic():
            cycle = cycle_create(
                actor=SYSTEM,
                framework_code=DEMO_FRAMEWORK,
                reporting_year=EARLIER_YEAR,
                opens_on=EARLIER_OPENS,
                closes_on=EARLIER_CLOSES,
            )
            for assessment_plan in plan.earlier:
                extension_grant(
                    actor=SYSTEM,
                    cycle=cycle,
                    member=Member.objects.get(iso3=assessment_plan.member.iso3),
                    extended_to=today + timedelta(days=1),
                    reason="Demo data: the first cycle's submissions are loaded after its closing date.",
                )
                carry_out_plan(assessment_plan, cycle, actors)
            cycle_change_status(
                actor=SYSTEM, cycle=cycle, action="close", reason="demo data: the cycle is over"
            )
        lines.append(f"demo cycle {EARLIER_YEAR}: {len(plan.earlier)} submitted, closed")
    if not _cycle_exists(DEMO_YEAR):
        with transaction.atomic():
            cycle = cycle_create(
                actor=SYSTEM,
                framework_code=DEMO_FRAMEWORK,
                reporting_year=DEMO_YEAR,
                opens_on=today - timedelta(weeks=3),
                closes_on=today + timedelta(days=150),
            )
            for assessment_plan in plan.assessments:
                if assessment_plan.status != NOT_STARTED:
                    carry_out_plan(assessment_plan, cycle, actors)
        counts = cycle_participation(cycle, None).total  # counted as every page counts it
        lines.append(
            f"demo cycle {DEMO_YEAR}: {counts.invited} members invited, {counts.started} started "
            f"({counts.in_progress} in progress, {counts.submitted} submitted), {counts.not_started} not "
            f"started; open {cycle.opens_on} to {cycle.closes_on}"
        )
    if lines:
        lines.append(f"demo data entered in {time.perf_counter() - started:.1f} s")
    else:
        lines.append(f"demo cycles {EARLIER_YEAR} and {DEMO_YEAR}: unchanged")
    return lines


def _cycle_exists(year: int) -> bool:
    return Cycle.objects.filter(framework__code=DEMO_FRAMEWORK, reporting_year=year).exists()


def _member_infos() -> list[MemberInfo]:
    return [member_info(member) for member in Member.objects.prefetch_related("groups")]


def member_info(member: Member) -> MemberInfo:
    """What the demo data generator needs to know of a member (groups prefetched where many are read)."""
    groups = list(member.groups.all())
    codes = {g.kind: g.code for g in groups if g.kind != GroupKind.UNION}
    return MemberInfo(
        iso3=member.iso3,
        region=codes.get(GroupKind.WCO_REGION, ""),
        income=codes.get(GroupKind.INCOME_GROUP, "").removeprefix("income-").replace("-", "_"),
        landlocked=member.landlocked,
        island=member.small_island_developing_state,
        unions=tuple(sorted(g.code for g in groups if g.kind == GroupKind.UNION)),
    )


def _actors() -> dict[str, tuple[Any, Any]]:
    users = {
        u.username: u for u in User.objects.filter(username__in={n for p in DEMO_ACTORS.values() for n in p})
    }
    return {
        iso3: (users.get(editor, SYSTEM), users.get(ncp, SYSTEM))
        for iso3, (editor, ncp) in DEMO_ACTORS.items()
        if editor in users and ncp in users
    }


def carry_out_plan(plan: AssessmentPlan, cycle: Cycle, actors: dict[str, tuple[Any, Any]]) -> Assessment:
    """Make one member's assessment through the services: values, KPI choices, explanations, submission.

    Members without a demo account are entered by the system actor, through the command line path,
    which is how the history and the audit log name them."""
    editor, ncp = actors.get(plan.member.iso3, (SYSTEM, SYSTEM))

    def path(planned: str) -> str:
        return planned if editor is not SYSTEM else "cli"

    member = Member.objects.get(iso3=plan.member.iso3)
    assessment = Assessment(cycle=cycle, member=member, status=AssessmentStatus.NOT_STARTED, version=0)
    for batch in plan.batches:
        assessment = values_save(
            actor=editor,
            assessment=assessment,
            version=assessment.version if assessment.pk else 0,
            items=list(batch.items),
            path=path(batch.path),
            reason=batch.reason,
        )
    for choice in plan.kpi_choices:
        kpi_update(
            actor=ncp,
            assessment=assessment,
            kpi_code=choice.kpi,
            applicable=choice.applicable,
            justification=choice.justification,
            disclosure=choice.disclosure,
            path=path("form"),
        )
    for key, text in plan.justifications.items():
        justification_save(actor=editor, assessment=assessment, issue_key=key, text=text, path=path("form"))
    if plan.status == SUBMITTED:
        assessment_submit(actor=ncp, assessment=assessment, path=path("form"))
    return assessment
