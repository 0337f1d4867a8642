"""The summary of `bench/run.py`: which figure fills which row, what it is compared to, and the goal.
(The benches themselves are measured, never tested; this only checks how their figures are read.)"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

RUN_PY = Path(__file__).resolve().parent.parent / "bench" / "run.py"


@pytest.fixture(scope="module")
def run() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", RUN_PY)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def fig(bench: str, label: str, ms: float) -> dict[str, Any]:
    return {
        "bench": bench,
        "label": label,
        "median_ms": ms,
        "min_ms": ms,
        "max_ms": ms,
        "n": 1,
        "queries": None,
    }


def row(run: ModuleType, what: str) -> Any:
    return next(r for r in run.ROWS if r.what == what)


def test_a_row_takes_its_label_or_its_label_with_a_note_but_not_a_longer_measure(run: ModuleType) -> None:
    page = row(run, "dashboard page, warm")
    figures = [fig("dashboard.py", "GET dashboard page, warm, own peer group", 99.0)]
    assert run.figure_of(figures, page) is None
    figures.append(fig("dashboard.py", "GET dashboard page, warm", 40.0))
    assert run.figure_of(figures, page) == 40.0
    xlsx = row(run, "/results.xlsx for an NCP")
    assert run.figure_of([fig("results.py", "GET /results.xlsx as NCP of Kenya (cold)", 70.0)], xlsx) == 70.0
    assert run.figure_of([fig("dashboard.py", "GET /results.xlsx as NCP of Kenya", 70.0)], xlsx) is None


def test_ratios_use_the_same_runs_get_me(run: ModuleType) -> None:
    figures = [
        fig("foundation.py", "GET /api/v1/me (4 queries)", 10.0),
        fig("results.py", "GET /api/v1/me (the trivial endpoint the writes are compared to)", 20.0),
        fig("load.py", "load 50 users: GET /api/v1/me: p50", 30.0),
        fig("load.py", "load 200 users: GET /api/v1/me: p50", 300.0),
    ]
    assert run.me_of(figures, "results.py") == 20.0
    assert run.me_of(figures, "dashboard.py") == 10.0  # no /me of its own: the foundation's
    assert run.me_of(figures, "load.py", "load 50 users: all requests: p95") == 30.0
    assert run.me_of(figures, "load.py", "load 200 users: all requests: p95") == 300.0
    assert run.me_of(figures[:1], "load.py", "load 200 users: all requests: p95") is None


def test_goals_on_time_and_on_ratio(run: ModuleType) -> None:
    me = fig("dashboard.py", "GET /api/v1/me as the NCP of Kenya (the yardstick)", 10.0)
    page = row(run, "dashboard page, warm")  # goal: at most 10 x /me
    assert (
        run._cell(page, [me, fig("dashboard.py", "GET dashboard page, warm", 45.0)])
        == "45 ms = 4.5x /me (met)"
    )
    assert run._cell(page, [me, fig("dashboard.py", "GET dashboard page, warm", 110.0)]).endswith("(not met)")
    warm = fig("dashboard.py", "GET dashboard API, warm", 20.0)
    cold = row(run, "dashboard API, cold (asked before the job reached the reader)")  # at most 5 x warm
    assert (
        run._cell(
            cold, [me, warm, fig("dashboard.py", "GET dashboard API, cold, public releases shared", 90.0)]
        )
        == "90 ms = 4.5x warm (met)"
    )
    slow = fig("dashboard.py", "GET dashboard API, cold, public releases shared", 120.0)
    assert run._cell(cold, [me, warm, slow]).endswith("(not met)")
    assert run._cell(cold, [me, slow]).endswith("(not met)")  # no warm figure to compare with
    errors = row(run, "load, 200 users: errors")
    assert run._cell(errors, [fig("load.py", "load 200 users: errors", 0)]) == "0 errors"
    assert run._cell(errors, []) == "not measured"


def test_summary_puts_the_databases_side_by_side(run: ModuleType) -> None:
    results = {
        "sqlite": [fig("results.py", "engine: compute 187 members (pure)", 80.0)],
        "postgres": [fig("results.py", "engine: compute 187 members (pure)", 120.0)],
    }
    table = run.summary(results)
    assert table.splitlines()[0] == "| what | sqlite | postgres | goal |"
    line = next(t for t in table.splitlines() if t.startswith("| KPI engine"))
    assert "80 ms" in line and "(met)" in line.split("|")[2]
    assert "120 ms" in line and "(not met)" in line.split("|")[3]
