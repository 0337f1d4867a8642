"""Benchmark: `GET /api/v1/cycles/{c}/results` of a whole published cycle, first read (cache emptied)
and later reads (the publication's rows cached for the reader's audience), beside GET /api/v1/me.

Run with `PMM_DEBUG=true .venv/bin/python bench/results_api.py [--runs N] [--profile READER]`. Same data
as bench/results.py (187 members with complete, submitted demo assessments, published once); it prints
figures and asserts nothing about time.
"""

from __future__ import annotations

import argparse

from common import (  # sets up Django, first
    bench_readers,
    get_ok,
    published_cycle,
    report,
    timed,
)
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="repetitions of each measure")
    parser.add_argument("--profile", help="print a cProfile of one cached GET as this reader")
    args = parser.parse_args()
    runs = max(3, args.runs)

    cycle, _publication = published_cycle()

    client = Client()
    readers = bench_readers()

    def get(url: str, headers: dict[str, str]) -> None:
        get_ok(client, url, headers)

    url = f"/api/v1/cycles/{cycle.pk}/results"
    if args.profile:
        import cProfile
        import pstats

        headers = readers[args.profile]
        get(url, headers)
        cProfile.runctx("get(url, headers)", globals(), locals(), "/tmp/pmm.prof")
        pstats.Stats("/tmp/pmm.prof").sort_stats("cumtime").print_stats(30)
        return

    get("/api/v1/me", readers["Secretariat"])
    report("GET /api/v1/me", timed(lambda: get("/api/v1/me", readers["Secretariat"]), max(runs, 20)))
    for label, headers in readers.items():
        get(url, headers)
        for state, clear in [("first read", True), ("cached", False)]:
            if clear:
                cache.clear()
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as queries:
                get(url, headers)
            seconds = timed(lambda h=headers, c=clear: (c and cache.clear(), get(url, h)), runs)
            report(f"GET /results as {label}, {state}", seconds, len(queries))


if __name__ == "__main__":
    main()
