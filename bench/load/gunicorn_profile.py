"""A gunicorn configuration for `bench/load.py --profile`: the (single, synchronous) worker runs under
cProfile from its start to its exit, and writes the profile to $PMM_PROFILE_FILE."""

from __future__ import annotations

import cProfile
import os
from typing import Any

_profile = cProfile.Profile()


def post_fork(server: Any, worker: Any) -> None:
    _profile.enable()


def worker_exit(server: Any, worker: Any) -> None:
    _profile.disable()
    _profile.dump_stats(os.environ["PMM_PROFILE_FILE"])
