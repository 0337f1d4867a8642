"""Benchmark: a member's country report and the global cycle report as PDFs (and the global report's
workbook), for a cycle of 187 members x 51 KPIs, beside GET /api/v1/me (the trivial endpoint) of the
same run; and the peak memory of the process while rendering.

Run with `PMM_DEBUG=true .venv/bin/python bench/reports.py [--runs N]`. Same data as bench/results.py
(every member's complete, submitted demo assessment, published once); it prints figures and asserts
nothing about time. Cold: the cache emptied (the PDF and the statistics it shows are made again);
cached: the PDF kept in the cache (the report is still read, to know what it holds). The global report
is measured once an earlier cycle of the framework is published as well (another draw of the demo
data), so that it compares the two cycles; the country reports are measured before, on the one cycle.
Goals (issue 16): the country report PDF in 3 s or less, the global report PDF in 20 s or less.

A PDF not cached is made by a background job (docs/reports.md, "When a report is not ready yet"); here
the job runs as soon as it is queued, in the request (django_tasks' immediate backend, as in the
tests), so each cold figure is the whole time to make the file: queue, read, lay out, store, answer.
"""

from __future__ import annotations

import argparse
import resource

from common import (  # sets up Django, first
    bench_readers,
    get_ok,
    published_cycle,
    report,
    timed,
)
from django.core.cache import cache
from django.db.models import Count
from django.test import Client
from django.test.utils import override_settings

from pmm.results.group_stats import clear_process_memory
from pmm.results.models import PublishedResult

override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}).enable()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="repetitions of each measure")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one cold country report")
    args = parser.parse_args()
    runs = max(3, args.runs)

    cycle, _publication = published_cycle()

    client = Client()
    readers = bench_readers()

    def get(url: str, headers: dict[str, str]) -> None:
        get_ok(client, url, headers)

    def cold(url: str, headers: dict[str, str]) -> None:
        cache.clear()
        clear_process_memory()
        get(url, headers)

    if args.profile:
        import cProfile
        import pstats

        url = f"/api/v1/cycles/{cycle.pk}/members/KEN/report.pdf?edition=full&lang=en"
        headers = readers["NCP of Kenya"]
        get(url, headers)
        cProfile.runctx("cold(url, headers)", globals(), locals(), "/tmp/pmm-report.prof")
        pstats.Stats("/tmp/pmm-report.prof").sort_stats("cumulative").print_stats(40)
        return
    me = "/api/v1/me"
    get(me, readers["Secretariat"])
    report("GET /api/v1/me", timed(lambda: get(me, readers["Secretariat"]), 20))
    # The public edition of the member with the most public values (Kenya's demo choices keep its own
    # values from the public).
    public_rows = PublishedResult.objects.unrestricted().filter(disclosure="public")
    shown = public_rows.values("member__iso3").annotate(n=Count("id")).order_by("-n", "member__iso3")
    public_member = shown[0]["member__iso3"]
    before = peak_mb()
    for label, iso3, edition in (("NCP of Kenya", "KEN", "full"), ("public", public_member, "public")):
        headers = readers[label]
        url = f"/api/v1/cycles/{cycle.pk}/members/{iso3}/report.pdf?edition={edition}&lang=en"
        get(url, headers)  # imports and fonts loaded once
        report(f"country report PDF, {label}, cold", timed(lambda u=url, h=headers: cold(u, h), runs))
        report(f"country report PDF, {label}, cached", timed(lambda u=url, h=headers: get(u, h), runs))
    page = f"/cycles/{cycle.pk}/members/{public_member}/report/?edition=public"
    report("country report print page, public, cold", timed(lambda: cold(page, {}), runs))
    report("GET /api/v1/me, again", timed(lambda: get(me, readers["Secretariat"]), 20))
    print(f"peak memory of the process: {before:.0f} MB before the reports, {peak_mb():.0f} MB after")

    published_cycle(cycle.reporting_year - 2, seed=5)  # the previous cycle the global report compares with
    before = peak_mb()
    global_runs = min(runs, 3)  # a cold global report takes seconds: three are enough for a median
    for label, edition in (("Secretariat", "full"), ("public", "public")):
        headers = readers[label]
        url = f"/api/v1/cycles/{cycle.pk}/report.pdf?edition={edition}&lang=en"
        get(url, headers)
        report(f"global report PDF, {label}, cold", timed(lambda u=url, h=headers: cold(u, h), global_runs))
        report(f"global report PDF, {label}, cached", timed(lambda u=url, h=headers: get(u, h), runs))
    tables = f"/api/v1/cycles/{cycle.pk}/report.xlsx?edition=full&lang=en"
    report("global report XLSX, Secretariat, cold", timed(lambda: cold(tables, readers["Secretariat"]), runs))
    report("GET /api/v1/me, once more", timed(lambda: get(me, readers["Secretariat"]), 20))
    print(f"peak memory of the process: {before:.0f} MB before the global report, {peak_mb():.0f} MB after")


if __name__ == "__main__":
    main()
