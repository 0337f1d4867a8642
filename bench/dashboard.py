"""Benchmark: a member's dashboard (page and API) and its results download, among 187 members with
three cycles of data (docs/performance.md, "Dashboards and charts").

Run with `PMM_DEBUG=true .venv/bin/python bench/dashboard.py [--runs N] [--profile WHAT]`. It uses a
fresh SQLite database in a temporary folder (or PMM_DATABASE_URL) and prints figures; it asserts
nothing about time. Each figure is printed beside the median of `GET /api/v1/me` measured in the same
run (the ratio), so runs under a different load can be compared.

The data: three cycles (2020, 2022, 2024) of PMM v.1, each with all 187 members' complete, submitted
demo assessments, computed and published. The reader: the NCP of Kenya.

Measured, for the page and the API:
- the job that, after a publication, caches the group statistics of the public, the Secretariat and
  each member's own people (run by the worker);
- cold: nothing cached and nothing remembered by the process (a reader whose audience the job did not
  foresee, or before it ran);
- cold, public releases shared: nothing cached but the public releases of the group statistics (the
  job computes them first), in a process that did not compute them (a reader the job has not reached);
- after the job: the first request once the job has run (what a reader meets right after a
  publication: its statistics cached, nothing else);
- warm: the same request again;
- warm, with a peer group of the member's choice, and with peer-reviewed statistics only;
- the page's PNG download of a chart, warm (the image itself is cached by content);
and, as the NCP, `GET /api/v1/cycles/{id}/aggregates` cold (both ways) and
`GET /api/v1/cycles/{id}/results.xlsx` of the cycle's publication.
`--profile page api api-after-job xlsx aggregates-cold` (any of them) prints a cProfile of one such request
instead.
"""

from __future__ import annotations

import argparse
import statistics

from common import (  # sets up the database first
    cycle_of,
    get_ok,
    ncp_of_kenya,
    reference_cycle,
    report,
    submitted_assessments,
    timed,
    timed_after,
)
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pmm.core.actors import SYSTEM
from pmm.cycles.selectors import cycle_spec
from pmm.demo import _member_infos
from pmm.demo_data import complete_plan
from pmm.disclosure.policy import PUBLIC_AUDIENCE
from pmm.results.group_stats import clear_process_memory, warm_aggregates
from pmm.results.services import publication_create, results_recompute
from pmm.results.tasks import warm_group_statistics


def cold_start() -> None:
    """Nothing cached, nothing remembered by this process (as in a fresh web process)."""
    cache.clear()
    clear_process_memory()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="repetitions of each measure")
    parser.add_argument(
        "--profile",
        nargs="+",
        choices=["page", "api", "api-after-job", "xlsx", "aggregates-cold"],
        default=[],
    )
    args = parser.parse_args()
    runs = max(3, args.runs)

    current = reference_cycle(2024)
    infos = _member_infos()
    for cycle in (cycle_of(2020), cycle_of(2022), current):
        spec = cycle_spec(cycle)
        plans = {
            i.iso3: complete_plan(spec, i, seed=cycle.reporting_year, year=cycle.reporting_year)
            for i in infos
        }
        for assessment in submitted_assessments(cycle, plans):
            results_recompute(assessment.pk)
        publication = publication_create(actor=SYSTEM, cycle=cycle, note="bench")
        print(f"cycle {cycle.reporting_year}: {publication.member_count} members published")

    def job() -> None:
        warm_group_statistics.call(publication.pk)

    user, headers = ncp_of_kenya()
    client = Client()
    client.force_login(user)
    api = f"/api/v1/cycles/{current.pk}/members/KEN/dashboard"
    page = f"/cycles/{current.pk}/members/KEN/dashboard/"
    xlsx = f"/api/v1/cycles/{current.pk}/results.xlsx?publication=1"
    aggregates = f"/api/v1/cycles/{current.pk}/aggregates"
    me = "/api/v1/me"

    def get(url: str) -> None:
        get_ok(client, url, headers)

    for url in (me, api, page, xlsx):
        get(url)  # imports, template compilation, the first connection
    if args.profile:
        import cProfile
        import pstats

        for what in args.profile:
            url = {
                "page": page,
                "api": api,
                "api-after-job": api,
                "xlsx": xlsx,
                "aggregates-cold": aggregates,
            }[what]
            cold_start()
            if what == "api-after-job":
                job()
            elif what != "aggregates-cold":
                get(url)  # warm, except the xlsx (never cached)
            print(f"--- profile of GET {url} ({what})")
            cProfile.runctx("get(url)", globals(), {"get": get, "url": url}, "/tmp/pmm-dashboard.prof")
            pstats.Stats("/tmp/pmm-dashboard.prof").sort_stats("cumulative").print_stats(45)
        return

    yardstick = timed(lambda: get(me), max(30, runs))
    report("GET /api/v1/me as the NCP of Kenya (the yardstick)", yardstick)
    cold_start()
    report("warm-up job after publishing 2024 (189 audiences)", timed(job, 1))
    figures: list[tuple[str, list[float]]] = []

    def measure(label: str, seconds: list[float], queries: int | None = None) -> None:
        report(label, seconds, queries)
        figures.append((label, seconds))

    def after_job() -> None:
        cold_start()
        job()

    def public_shared() -> None:
        """Nothing cached but the public releases, which the warm-up job computes first: a reader
        whose audience the job has not reached yet, in another process."""
        cold_start()
        warm_aggregates(publication, [PUBLIC_AUDIENCE])  # as the job does first
        clear_process_memory()

    measure(
        "GET /aggregates as the NCP, cold (nothing cached)",
        timed_after(cold_start, lambda: get(aggregates), runs),
    )
    measure(
        "GET /aggregates as the NCP, cold, public releases shared",
        timed_after(public_shared, lambda: get(aggregates), runs),
    )
    for label, url in (("API", api), ("page", page)):
        measure(
            f"GET dashboard {label}, cold (nothing cached)",
            timed_after(cold_start, lambda u=url: get(u), runs),
        )
        measure(
            f"GET dashboard {label}, cold, public releases shared",
            timed_after(public_shared, lambda u=url: get(u), runs),
        )
        measure(
            f"GET dashboard {label}, first after the warm-up job",
            timed_after(after_job, lambda u=url: get(u), runs),
        )
        get(url)
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            get(url)
        measure(f"GET dashboard {label}, warm", timed(lambda u=url: get(u), runs), len(queries))
        chosen = url + "?peers=UGA,TZA,RWA,BDI,ETH,SOM"
        get(chosen)
        measure(f"GET dashboard {label}, warm, own peer group", timed(lambda u=chosen: get(u), runs))
        reviewed = url + ("?reviewed_only=1" if label == "page" else "?reviewed_only=true")
        get(reviewed)
        measure(f"GET dashboard {label}, warm, peer-reviewed only", timed(lambda u=reviewed: get(u), runs))
    png = page + "?chart=dimension-overview&format=png"
    get(png)
    measure("GET dashboard page, a chart's PNG, warm", timed(lambda: get(png), runs))
    get(xlsx)
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        get(xlsx)
    measure("GET results.xlsx of the publication as the NCP", timed(lambda: get(xlsx), runs), len(queries))

    yardstick += timed(lambda: get(me), max(30, runs))  # the load may have changed meanwhile
    base = statistics.median(yardstick)
    print(f"\nmedian GET /api/v1/me over the run: {base * 1000:.1f} ms; ratios to it:")
    for label, seconds in figures:
        print(f"{label:<62} {statistics.median(seconds) / base:8.1f} x GET me")


if __name__ == "__main__":
    main()
