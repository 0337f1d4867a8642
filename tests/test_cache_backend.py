"""The production cache (settings.CACHES, decision 0017), exercised as the platform uses it: shared by
the web processes and the worker, so what one process stores another reads; marks taken once
(`cache.add`), counters, many keys at once, entries without expiry. The test suite itself runs on a
memory cache (test_settings), so this is where the real backend is checked."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from django.utils.module_loading import import_string

import pmm.config.settings as production


def _production_cache(folder: str) -> Any:
    config = {**production.CACHES["default"], "LOCATION": folder}
    return import_string(config.pop("BACKEND"))(config.pop("LOCATION"), config)


@pytest.fixture
def shared(tmp_path):
    cache = _production_cache(str(tmp_path))
    yield cache
    cache.clear()


def test_the_production_cache_is_not_the_file_based_one(shared):
    from django.core.cache.backends.filebased import FileBasedCache

    assert not isinstance(shared, FileBasedCache)  # it lists its whole folder on every write


def test_what_one_process_stores_another_reads(shared, tmp_path):
    shared.set("pmm:test:answer", {"rows": [1, 2, 3]}, timeout=60)
    script = (
        "import sys, django; from django.conf import settings; settings.configure(); django.setup();"
        "sys.path.insert(0, 'tests'); from test_cache_backend import _production_cache;"
        f"c = _production_cache({str(tmp_path)!r}); print(c.get('pmm:test:answer')['rows']);"
        "c.set('pmm:test:back', 'from the other process', timeout=60)"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter and a fixed snippet
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        env={"PMM_SECRET_KEY": "x", "PMM_VAR_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin"},
        cwd=str(__import__("pathlib").Path(__file__).resolve().parent.parent),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[1, 2, 3]"
    assert shared.get("pmm:test:back") == "from the other process"


def test_the_operations_the_platform_relies_on(shared):
    assert shared.add("pmm:test:mark", 1, timeout=60) is True  # a computation's mark is taken once
    assert shared.add("pmm:test:mark", 1, timeout=60) is False
    with pytest.raises(ValueError):
        shared.incr("pmm:test:missing")
    shared.set("pmm:test:count", 1, timeout=None)
    assert shared.incr("pmm:test:count") == 2
    shared.set_many({"pmm:test:a": "A", "pmm:test:b": b"B"}, timeout=60)
    assert shared.get_many(["pmm:test:a", "pmm:test:b", "pmm:test:c"]) == {
        "pmm:test:a": "A",
        "pmm:test:b": b"B",
    }
    shared.delete("pmm:test:a")
    assert shared.get("pmm:test:a", "gone") == "gone"
    shared.clear()
    assert shared.get("pmm:test:count") is None
