"""Every PMM_* variable is read by a typed reader (pmm.config.env): a wrong value stops the platform at
start with a message naming the variable; it is never taken silently as the default."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from pmm.config import env

SETTINGS = Path(env.__file__).with_name("settings.py")


def start_with(**variables: str) -> subprocess.CompletedProcess[str]:
    """Load the production settings in a fresh interpreter with these variables set."""
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("PMM_") and k != "DJANGO_SETTINGS_MODULE"
    }
    environment |= {"PMM_SECRET_KEY": "x" * 50, **variables}
    return subprocess.run(
        [sys.executable, "-c", "import pmm.config.settings"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("PMM_DEBUG", "maybe", "true or false"),
        ("PMM_WARM_STATISTICS", "sometimes", "true or false"),
        ("PMM_LOGIN_MAX_FAILURES", "five", "whole number"),
        ("PMM_LOGIN_MAX_FAILURES", "0", "at least 1"),
        ("PMM_EMAIL_PORT", "70000", "at most 65535"),
        ("PMM_AGGREGATE_MIN_MEMBERS", "1", "at least 3"),
        ("PMM_REVIEW_EVIDENCE_COVERAGE", "1.5", "at most 1"),
        ("PMM_JUMP_THRESHOLD_PERCENT", "nan", "finite number"),
        ("PMM_SESSION_MAX_HOURS", "eight", "a number"),
        ("PMM_LOG_FORMAT", "xml", "one of json, text"),
        ("PMM_LOG_LEVEL", "loud", "one of debug"),
    ],
)
def test_a_wrong_value_stops_the_start_naming_the_variable(name, value, says):
    started = start_with(**{name: value})
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr
    assert name in started.stderr and says in started.stderr


def test_good_values_start():
    started = start_with(PMM_WARM_STATISTICS="on", PMM_LOGIN_MAX_FAILURES=" 7 ", PMM_LOG_LEVEL="INFO")
    assert started.returncode == 0, started.stderr


def test_on_reads_as_true_and_blank_as_the_default(monkeypatch):
    monkeypatch.setenv("PMM_X", "on")
    assert env.env_bool("PMM_X", False) is True
    monkeypatch.setenv("PMM_X", "  ")
    assert env.env_bool("PMM_X", True) is True
    assert env.env_int("PMM_X", 4) == 4
    monkeypatch.setenv("PMM_X", "a, ,b,")
    assert env.env_list("PMM_X", []) == ["a", "b"]
    monkeypatch.setenv("PMM_X", "Off")
    assert env.env_bool("PMM_X", True) is False
    monkeypatch.setenv("PMM_X", "3.5")
    with pytest.raises(ImproperlyConfigured, match="PMM_X must be a whole number"):
        env.env_int("PMM_X", 1)


def test_the_settings_read_the_environment_only_through_the_typed_readers():
    text = SETTINGS.read_text()
    assert not re.search(r"os\.environ|os\.getenv", text)
