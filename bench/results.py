"""Benchmark: computing a whole cycle's KPI results, publishing it, and answering the results endpoints.

Run with `PMM_DEBUG=true .venv/bin/python bench/results.py [--runs N]`. It uses a fresh SQLite database
in a temporary folder (or PMM_DATABASE_URL) and prints figures; it asserts nothing about time.

The data: every one of the 187 members with a complete, submitted demo assessment (`pmm.demo_data`,
written straight into the tables, since entering it through the services is measured elsewhere).

Measured:
- the pure engine on the 187 members' inputs (no database);
- recomputing and storing every member's current results (what the background job does, 187 times);
- publishing the cycle (a snapshot of 187 members);
- GET of the results endpoint (JSON, CSV, XLSX) as the public, as an NCP and as the Secretariat;
- GET of the aggregates endpoint as the public, as an NCP and as the Secretariat.
"""

from __future__ import annotations

import argparse
import sys
import time

from common import (  # sets up the database and Django, first
    reference_cycle,
    report,
    submitted_assessments,
    timed,
)
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pmm.accounts.services import RoleSpec, token_create, user_create
from pmm.assessments.selectors import cycle_spec
from pmm.core.actors import SYSTEM
from pmm.demo import _member_infos
from pmm.demo_data import complete_plan
from pmm.results.engine import Inputs, compute_many
from pmm.results.services import publication_create, results_recompute


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="repetitions of each measure")
    parser.add_argument("--profile", help="print a cProfile of one GET of this path as the Secretariat")
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
    started = time.perf_counter()
    for a in assessments:
        results_recompute(a.pk)
    report("recompute and store 187 members' results (job x 187)", [time.perf_counter() - started])

    started = time.perf_counter()
    publication = publication_create(actor=SYSTEM, cycle=cycle, note="bench")
    report(
        f"publish the cycle ({publication.results.unrestricted().count()} figures)",
        [time.perf_counter() - started],
    )

    # Keep one connection across requests, or each request reconnects and clears the query log.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    client = Client()
    readers = {"public": {}}
    for label, role, member in [("NCP of Kenya", "ncp", "KEN"), ("Secretariat", "secretariat_analyst", None)]:
        user = user_create(
            actor=SYSTEM,
            username=f"bench-{role}",
            email=f"{role}@example.org",
            password="bench-password-1234",
            roles=[RoleSpec(role, member)],
        )
        readers[label] = {"Authorization": f"Bearer {token_create(actor=SYSTEM, user=user, name='b')[1]}"}
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
    sys.stdout.flush()


if __name__ == "__main__":
    main()
