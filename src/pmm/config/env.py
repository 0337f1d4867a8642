"""Typed readers of the environment (PMM_* variables), for the settings module only.

Each reader returns the default when the variable is unset or empty, and refuses a value it cannot
read, naming the variable, what it must be and what it got: a wrong setting stops the platform at
start (ImproperlyConfigured), never later in a request, and never silently as its default.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.exceptions import ImproperlyConfigured

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})
N = TypeVar("N", int, float)


def _raw(name: str) -> str | None:
    raw = os.environ.get(name)
    return None if raw is None or raw.strip() == "" else raw.strip()


def env_text(name: str, default: str) -> str:
    raw = _raw(name)
    return default if raw is None else raw


def env_bool(name: str, default: bool) -> bool:
    raw = _raw(name)
    if raw is None:
        return default
    if raw.lower() in TRUE:
        return True
    if raw.lower() in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (or 1/0, yes/no, on/off), not {raw!r}")


def _parsed(name: str, raw: str, parse: Callable[[str], N], kind: str) -> N:
    """`raw` read by `parse` (int or float); `kind` names what it must be when it cannot be read."""
    try:
        return parse(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be {kind}, not {raw!r}") from None


def _bounds(name: str, value: float, minimum: float | None, maximum: float | None) -> None:
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, not {value}")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = _raw(name)
    if raw is None:
        return default
    value = _parsed(name, raw, int, "a whole number")
    _bounds(name, value, minimum, maximum)
    return value


def env_float(
    name: str, default: float, *, minimum: float | None = None, maximum: float | None = None
) -> float:
    raw = _raw(name)
    if raw is None:
        return default
    value = _parsed(name, raw, float, "a number")
    if value != value or value in (float("inf"), float("-inf")):
        raise ImproperlyConfigured(f"{name} must be a finite number, not {raw!r}")
    _bounds(name, value, minimum, maximum)
    return value


def env_list(name: str, default: Iterable[str]) -> list[str]:
    """A comma-separated list, each item stripped, empty items left out."""
    raw = _raw(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: Iterable[str]) -> str:
    allowed = tuple(choices)
    raw = _raw(name)
    if raw is None:
        return default
    if raw.lower() not in allowed:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(allowed)}, not {raw!r}")
    return raw.lower()
