"""What every benchmark shares: a throwaway database and Django set up (on import, before anything of
the platform is imported), the reference data with a 2024 cycle, and one way to print a figure."""

from __future__ import annotations

import os
import statistics
import tempfile

os.environ.setdefault("PMM_VAR_DIR", tempfile.mkdtemp(prefix="pmm-bench-"))
os.environ.setdefault("PMM_DEBUG", "false")
os.environ.setdefault("PMM_SECRET_KEY", "bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmm.config.settings")

import django

django.setup()

from datetime import timedelta  # noqa: E402
from typing import Any  # noqa: E402

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from pmm.core.actors import SYSTEM  # noqa: E402
from pmm.cycles.models import Cycle  # noqa: E402
from pmm.cycles.services import cycle_create  # noqa: E402
from pmm.framework.services import framework_load  # noqa: E402
from pmm.members.services import members_load  # noqa: E402

FIGURES_FILE = "PMM_BENCH_FIGURES"  # environment: where `report` also appends each figure as JSON


def report(label: str, seconds: list[float], queries: int | None = None, width: int = 62) -> None:
    """One line per measure: median, min and max in milliseconds (and the query count, if given).
    When PMM_BENCH_FIGURES names a file, the figure is also appended to it as a line of JSON (for
    `bench/run.py`, which collects every bench's figures into one table)."""
    ms = [s * 1000 for s in seconds]
    extra = f" ({queries} queries)" if queries is not None else ""
    print(
        f"{label + extra:<{width}} median {statistics.median(ms):8.1f} ms   "
        f"min {min(ms):8.1f} ms   max {max(ms):8.1f} ms   (n={len(ms)})"
    )
    record_figure(label, ms, queries)


def record_figure(label: str, ms: list[float], queries: int | None = None) -> None:
    """Append one figure (milliseconds) to the file named by PMM_BENCH_FIGURES, if any."""
    path = os.environ.get(FIGURES_FILE)
    if not path:
        return
    import json
    import sys

    figure = {
        "bench": os.path.basename(sys.argv[0]),
        "label": label,
        "median_ms": statistics.median(ms),
        "min_ms": min(ms),
        "max_ms": max(ms),
        "n": len(ms),
        "queries": queries,
    }
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(figure) + "\n")


def reference_cycle(year: int = 2024) -> Any:
    """The database migrated, PMM v.1 and the 187 members loaded, and an open cycle of `year`."""
    settings.ALLOWED_HOSTS.append("testserver")
    call_command("migrate", verbosity=0)
    framework_load(actor=SYSTEM, text=settings.PMM_DEFAULT_FRAMEWORK_FILE.read_text())
    members_load(actor=SYSTEM, text=settings.PMM_DEFAULT_MEMBERS_FILE.read_text())
    existing = Cycle.objects.filter(framework__code="pmm-v1", reporting_year=year).first()
    return existing or cycle_of(year)


def cycle_of(year: int) -> Any:
    """A new cycle of PMM v.1 for reporting year `year`, open since 10 days, closing in 60 days."""
    today = timezone.localdate()
    return cycle_create(
        actor=SYSTEM,
        framework_code="pmm-v1",
        reporting_year=year,
        opens_on=today - timedelta(days=10),
        closes_on=today + timedelta(days=60),
    )


def timed(action: Any, runs: int) -> list[float]:
    """How long `action()` takes, `runs` times."""
    import time

    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        durations.append(time.perf_counter() - started)
    return durations


def published_cycle(year: int = 2024, seed: int = 11) -> tuple[Any, Any]:
    """`reference_cycle(year)` with every one of the 187 members' complete demo assessment submitted
    (`pmm.demo_data` plans drawn with `seed`), its results computed and published once:
    (cycle, publication)."""
    from pmm.cycles.selectors import cycle_spec
    from pmm.demo import _member_infos
    from pmm.demo_data import complete_plan
    from pmm.results.services import publication_create, results_recompute_cycle

    cycle = reference_cycle(year)
    spec = cycle_spec(cycle)
    plans = {info.iso3: complete_plan(spec, info, seed=seed, year=year) for info in _member_infos()}
    submitted_assessments(cycle, plans)
    results_recompute_cycle(cycle)
    return cycle, publication_create(actor=SYSTEM, cycle=cycle, note="bench")


def submitted_assessments(cycle: Any, plans: dict[str, Any]) -> list[Any]:
    """Each planned member's submitted assessment, written straight into the tables (entering data
    through the services is measured elsewhere): {iso3: `pmm.demo_data` plan}."""
    from pmm.assessments.models import Assessment, AssessmentStatus, DataValue, KpiResponse
    from pmm.framework.models import DataElement, Kpi
    from pmm.members.models import Member

    members = {m.iso3: m for m in Member.objects.all()}
    elements = {e.code: e for e in DataElement.objects.filter(framework=cycle.framework)}
    kpis = {k.code: k for k in Kpi.objects.filter(outcome__dimension__framework=cycle.framework)}
    now = timezone.now()
    assessments = Assessment.objects.bulk_create(
        Assessment(cycle=cycle, member=members[iso3], status=AssessmentStatus.SUBMITTED, submitted_at=now)
        for iso3 in plans
    )
    by_member = {a.member.iso3: a for a in assessments}
    DataValue.objects.bulk_create(
        (
            DataValue(
                assessment=by_member[iso3],
                element=elements[code],
                period=period,
                value=entry.value,
                state=entry.state,
                reason=entry.reason,
            )
            for iso3, plan in plans.items()
            for (code, period), entry in plan.entries.items()
        ),
        batch_size=2000,
    )
    KpiResponse.objects.bulk_create(
        (
            KpiResponse(
                assessment=by_member[iso3],
                kpi=kpis[c.kpi],
                applicable=c.applicable is not False,
                justification=c.justification or "",
                disclosure=c.disclosure or kpis[c.kpi].disclosure_default,
            )
            for iso3, plan in plans.items()
            for c in plan.kpi_choices
        ),
        batch_size=2000,
    )
    return assessments


def timed_after(prepare: Any, action: Any, runs: int) -> list[float]:
    """How long `action()` takes, `runs` times, each time once `prepare()` has run (not timed)."""
    durations = []
    for _ in range(runs):
        prepare()
        durations += timed(action, 1)
    return durations


def get_ok(client: Any, url: str, headers: dict[str, str] | None = None) -> Any:
    """GET `url` with the test client; a benchmark stops at once on any answer but 200."""
    response = client.get(url, headers=headers or {})
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
    return response


def bench_user(username: str, role: str, member: str | None = None) -> Any:
    """A user with one role, for requests made in this process: one database connection is kept across
    requests (each request would otherwise reconnect and clear the query log)."""
    from django.core import signals
    from django.db import close_old_connections

    from pmm.accounts.services import RoleSpec, user_create

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    return user_create(
        actor=SYSTEM,
        username=username,
        email=f"{username}@example.org",
        password="bench-password-1234",
        roles=[RoleSpec(role, member)],
    )


def token_headers(user: Any) -> dict[str, str]:
    """API headers carrying a new token of `user`."""
    from pmm.accounts.services import token_create

    return {"Authorization": f"Bearer {token_create(actor=SYSTEM, user=user, name='b')[1]}"}


def ncp_of_kenya() -> tuple[Any, dict[str, str]]:
    """An NCP of Kenya and its API headers."""
    user = bench_user("bench-ncp", "ncp", "KEN")
    return user, token_headers(user)


def bench_readers() -> dict[str, dict[str, str]]:
    """API headers of three readers (the public, the NCP of Kenya, a Secretariat analyst)."""
    readers: dict[str, dict[str, str]] = {"public": {}}
    for label, role, member in [("NCP of Kenya", "ncp", "KEN"), ("Secretariat", "secretariat_analyst", None)]:
        readers[label] = token_headers(bench_user(f"bench-{role}", role, member))
    return readers
