"""Benchmark: computing a whole cycle's KPI results, publishing it, and answering the results endpoints.

Run with `PMM_DEBUG=true .venv/bin/python bench/results.py [--runs N] [--writes-only]`. It uses a fresh
SQLite database in a temporary folder (or PMM_DATABASE_URL) and prints figures; it asserts nothing about
time. Each write is also printed as a ratio to the median of a trivial endpoint (`GET /api/v1/me`)
measured in the same run, which compares better across runs on a shared, noisy machine.

The data: every one of the 187 members with a complete, submitted demo assessment (`pmm.demo_data`,
written straight into the tables, since entering it through the services is measured elsewhere).

Measured:
- the pure engine on the 187 members' inputs (no database);
- recomputing and storing every member's current results: the background job 187 times (once), and
  `results_recompute_cycle` (`pmm results recompute`) for the whole cycle;
- publishing the cycle (a snapshot of 187 members): the first publication; a second one, with its change
  log against the first; and one whose current results are all stale, so publishing recomputes them
  first (each publication is rolled back after it is measured, so every run publishes the same);
- GET of the results endpoint (JSON, CSV, XLSX) as the public, as an NCP and as the Secretariat, cold and
  once its answer is kept (`pmm.results.answer_cache`);
- GET of the aggregates endpoint as the public, as an NCP and as the Secretariat.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

from common import (  # sets up the database and Django, first
    bench_readers,
    reference_cycle,
    report,
    submitted_assessments,
    timed,
)
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pmm.assessments.models import Assessment, KpiResponse
from pmm.core.actors import SYSTEM
from pmm.cycles.selectors import cycle_spec
from pmm.demo import _member_infos
from pmm.demo_data import complete_plan
from pmm.framework.models import Kpi
from pmm.results.engine import Inputs, compute_many
from pmm.results.selectors import disclosures_of
from pmm.results.services import publication_create, results_recompute, results_recompute_cycle


class Rollback(Exception):
    """Raised to undo a measured write."""


def rolled_back(prepare: Callable[[], object], action: Callable[[], object], runs: int) -> list[float]:
    """How long `action()` takes after `prepare()`, `runs` times, each undone (neither is kept)."""
    durations = []
    for _ in range(runs):
        try:
            with transaction.atomic():
                prepare()
                durations.append(timed(action, 1)[0])
                raise Rollback
        except Rollback:
            pass
    return durations


def queries_in(action: Callable[[], object]) -> int:
    """How many queries `action()` runs (it is undone)."""
    connection.queries_log.clear()
    try:
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            action()
            raise Rollback
    except Rollback:
        pass
    return len(queries)


def compared(measures: list[tuple[str, list[float], int | None]], me: list[float]) -> None:
    """Each figure, and its median as a multiple of the median of GET /api/v1/me in the same run."""
    report("GET /api/v1/me (the trivial endpoint the writes are compared to)", me)
    for label, seconds, queries in measures:
        report(label, seconds, queries)
        print(f"{'':<62} = {statistics.median(seconds) / statistics.median(me):7.1f} x GET /api/v1/me")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="repetitions of each measure")
    parser.add_argument("--profile", help="print a cProfile of one GET of this path as the Secretariat")
    parser.add_argument("--writes-only", action="store_true", help="measure the writes, not the GETs")
    args = parser.parse_args()
    runs = max(3, args.runs)

    cycle = reference_cycle()
    spec = cycle_spec(cycle)
    infos = _member_infos()
    plans = {info.iso3: complete_plan(spec, info, seed=11, year=2024) for info in infos}
    print(
        f"{len(plans)} members, {len(spec.kpis)} KPIs, "
        f"{sum(len(k.formulas) for k in spec.kpis.values())} KPI components"
    )

    inputs = {
        iso3: Inputs(
            plan.entries, {c.kpi: c.justification or "" for c in plan.kpi_choices if c.applicable is False}
        )
        for iso3, plan in plans.items()
    }
    report("engine: compute 187 members (pure)", timed(lambda: compute_many(spec, inputs), runs))

    assessments = submitted_assessments(cycle, plans)

    client = Client()
    readers = bench_readers()

    def me() -> None:
        if client.get("/api/v1/me", headers=readers["Secretariat"]).status_code != 200:
            raise SystemExit("GET /api/v1/me failed")

    me()
    trivial = timed(me, max(runs, 20))  # measured again at the end: the ratios use both
    measures: list[tuple[str, list[float], int | None]] = []

    started = time.perf_counter()
    for a in assessments:
        results_recompute(a.pk)
    job = [time.perf_counter() - started]
    measures.append(("recompute and store 187 members' results (job x 187)", job, None))

    def recompute() -> None:
        results_recompute_cycle(cycle)

    label = "recompute and store the cycle (results_recompute_cycle)"
    measures.append((label, timed(recompute, runs), queries_in(recompute)))

    def publish() -> None:
        publication_create(actor=SYSTEM, cycle=cycle, note="bench")

    figures = len(assessments) * sum(len(k.formulas) for k in spec.kpis.values())
    label = f"publish the cycle ({figures} figures)"
    measures.append((label, rolled_back(lambda: None, publish, runs), queries_in(publish)))

    def all_stale() -> None:
        Assessment.objects.filter(cycle=cycle).update(version=F("version") + 1)

    def stale_then_publish() -> None:
        all_stale()
        publish()

    label = "publish, every current result stale (recomputes them)"
    measures.append((label, rolled_back(all_stale, publish, runs), queries_in(stale_then_publish)))

    publication_create(actor=SYSTEM, cycle=cycle, note="bench")  # kept: the previous publication

    def one_disclosure_changed() -> None:  # the first member, its first KPI
        first = min(assessments, key=lambda a: a.member.iso3)
        kpi = Kpi.objects.filter(outcome__dimension__framework=cycle.framework).order_by("position")[0]
        level = disclosures_of(spec, [first.pk])[first.pk][kpi.code]
        level = "country" if level != "country" else "public"
        if not KpiResponse.objects.filter(assessment=first, kpi=kpi).update(disclosure=level):
            KpiResponse.objects.create(assessment=first, kpi=kpi, disclosure=level)

    def changed_then_publish() -> None:
        one_disclosure_changed()
        publish()

    label = "publish again, with the change log against the first"
    again = rolled_back(one_disclosure_changed, publish, runs)
    measures.append((label, again, queries_in(changed_then_publish)))
    compared(measures, trivial + timed(me, max(runs, 20)))
    if args.writes_only:
        return

    base = f"/api/v1/cycles/{cycle.pk}"
    if args.profile:
        import cProfile
        import pstats

        headers = readers["Secretariat"]
        client.get(base + args.profile, headers=headers)  # the first request also imports modules
        cache.clear()
        cProfile.runctx(
            "client.get(base + args.profile, headers=headers)", globals(), locals(), "/tmp/pmm.prof"
        )
        pstats.Stats("/tmp/pmm.prof").sort_stats("tottime").print_stats(25)
        return
    for path in ["/results", "/results.csv", "/results.xlsx", "/aggregates", "/aggregates?kpi=D1.O1.K1"]:
        for label, headers in readers.items():
            url = base + path

            def get(url: str = url, headers: dict = headers) -> None:
                response = client.get(url, headers=headers)
                if response.status_code != 200:
                    raise SystemExit(f"GET {url} answered {response.status_code}: {response.content[:500]!r}")

            get()
            cache.clear()
            connection.queries_log.clear()  # the log keeps 9,000 queries at most: start it empty
            with CaptureQueriesContext(connection) as queries:
                get()
            cold = timed(lambda: (cache.clear(), get()), runs)
            report(f"GET {path} as {label}", cold, len(queries))
            if path.startswith("/results"):  # a publication's answers are kept per reader's selection
                get()
                report(f"GET {path} as {label}, answer kept", timed(get, runs))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
