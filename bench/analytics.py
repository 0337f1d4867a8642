"""Benchmark: the Secretariat's analytics page and a chart's data download, among 187 members x 51 KPIs
(docs/performance.md, "Analytics").

Run with `PMM_DEBUG=true .venv/bin/python bench/analytics.py [--runs N] [--profile WHAT]`. It uses a
fresh SQLite database in a temporary folder (or PMM_DATABASE_URL) and prints figures; it asserts
nothing about time. Each figure is printed beside the median of `GET /api/v1/me` measured in the same
run (the ratio), so runs under a different load can be compared.

The data: the 2024 cycle of PMM v.1 with all 187 members' complete, submitted demo assessments,
computed and published. The reader: a Secretariat analyst, signed in (a browser session).

Measured:
- `GET /api/v1/me` (the yardstick);
- `GET /cycles/<id>/analytics/` cold: nothing cached, nothing remembered by the process (the first
  visit after a publication the warm-up job has not reached, or in a fresh process);
- the same page after the warm-up job (the group statistics cached, the page's model not yet);
- the same page warm (asked before: its model cached for the publication and the audience);
- a chart's CSV (`?chart=spread-...&format=csv`), warm, and cold (nothing cached).
`--profile page page-cold csv csv-cold` (any of them) prints a cProfile of one such request instead.
"""

from __future__ import annotations

import argparse
import statistics

from common import (  # sets up the database first
    bench_user,
    get_ok,
    published_cycle,
    report,
    timed,
    timed_after,
)
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from pmm.results.group_stats import clear_process_memory
from pmm.results.tasks import warm_group_statistics

CHART = "spread-d1-o1-k1-value"  # the spread of the first KPI of the first dimension


def cold_start() -> None:
    """Nothing cached, nothing remembered by this process (as in a fresh web process)."""
    cache.clear()
    clear_process_memory()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="repetitions of each measure")
    parser.add_argument("--profile", nargs="+", choices=["page", "page-cold", "csv", "csv-cold"], default=[])
    args = parser.parse_args()
    runs = max(3, args.runs)

    cycle, publication = published_cycle(2024, seed=2024)
    print(f"cycle 2024: {publication.member_count} members published")

    analyst = bench_user("bench-analyst", "secretariat_analyst")
    TOTPDevice.objects.create(user=analyst, name="bench", key="31323334353637383930" * 2, confirmed=True)
    client = Client()
    client.force_login(analyst)
    me = "/api/v1/me"
    page = f"/cycles/{cycle.pk}/analytics/"
    csv = f"{page}?chart={CHART}&format=csv"

    def get(url: str) -> None:
        get_ok(client, url)

    for url in (me, page, csv):
        get(url)  # imports, template compilation, the first connection
    if args.profile:
        import cProfile
        import pstats

        for what in args.profile:
            url = csv if what.startswith("csv") else page
            cold_start()
            if not what.endswith("-cold"):
                get(url)
            print(f"--- profile of GET {url} ({what})")
            cProfile.runctx("get(url)", globals(), {"get": get, "url": url}, "/tmp/pmm-analytics.prof")
            pstats.Stats("/tmp/pmm-analytics.prof").sort_stats("cumulative").print_stats(40)
        return

    yardstick = timed(lambda: get(me), max(30, runs))
    report("GET /api/v1/me as a Secretariat analyst (the yardstick)", yardstick)
    figures: list[tuple[str, list[float]]] = []

    def measure(label: str, seconds: list[float], queries: int | None = None) -> None:
        report(label, seconds, queries)
        figures.append((label, seconds))

    def after_job() -> None:
        cold_start()
        warm_group_statistics.call(publication.pk)

    def counted(url: str) -> int:
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            get(url)
        return len(queries)

    measure("GET analytics page, cold (nothing cached)", timed_after(cold_start, lambda: get(page), runs))
    measure(
        "GET analytics page, first after the warm-up job", timed_after(after_job, lambda: get(page), runs)
    )
    get(page)
    measure("GET analytics page, warm", timed(lambda: get(page), runs), counted(page))
    measure("GET analytics chart CSV, cold (nothing cached)", timed_after(cold_start, lambda: get(csv), runs))
    get(csv)
    measure("GET analytics chart CSV, warm", timed(lambda: get(csv), runs), counted(csv))

    yardstick += timed(lambda: get(me), max(30, runs))  # the load may have changed meanwhile
    base = statistics.median(yardstick)
    print(f"\nmedian GET /api/v1/me over the run: {base * 1000:.1f} ms; ratios to it:")
    for label, seconds in figures:
        print(f"{label:<62} {statistics.median(seconds) / base:8.1f} x GET me")


if __name__ == "__main__":
    main()
