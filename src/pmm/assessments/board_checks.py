"""Each assessment's checks in brief (completeness, errors, warnings), remembered by version.

The status board shows, for every member of a cycle, how complete its assessment is and how many
errors and unexplained warnings it has. Working that out means validating every assessment (formula
rules, jumps against T-1): about 1.4 s of server CPU per view of 187 members, the costliest page of
deadline day. The answer depends only on the assessment's data, which never changes without its
version moving (every write swaps the version: `services.unit_of_work`, the moves `bump_version`), on
the framework (its fingerprint) and on the jump threshold. So it is kept in the shared cache under
exactly those, and an assessment is read and validated again only after it changed.

Only readers who see every assessment's data whole (the Secretariat, who read the board) share the
cached checks; anyone else gets checks computed from what they may read, never a cached answer built
from more.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

from pmm.assessments.models import Assessment, DataValue, KpiResponse
from pmm.assessments.validation import Entry, check_assessment, completeness
from pmm.authz import reach
from pmm.framework.spec import FrameworkSpec

__all__ = ["BriefChecks", "brief_checks"]

# Kept as long as the cache keeps it: a new version is a new key, so nothing is ever out of date.
_TIMEOUT_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class BriefChecks:
    """What the status board shows of one assessment's checks. Warnings are kept by key: whether
    each is explained is read fresh (justifications are few and cheap to read)."""

    completeness: int
    errors: int
    warning_keys: tuple[str, ...]


def _key(spec: FrameworkSpec, assessment: Assessment) -> str:
    threshold = settings.PMM_JUMP_THRESHOLD_PERCENT
    return f"pmm:brief-checks:{spec.fingerprint}:{threshold}:{assessment.pk}:{assessment.version}"


def _computed(spec: FrameworkSpec, reader: Any, assessments: list[Assessment]) -> dict[int, BriefChecks]:
    ids = [a.pk for a in assessments]
    entries: dict[int, dict[tuple[str, str], Entry]] = defaultdict(dict)
    for assessment_id, code, period, value, state, reason in (
        DataValue.objects.visible_to(reader)
        .filter(assessment_id__in=ids)
        .values_list("assessment_id", "element__code", "period", "value", "state", "reason")
    ):
        entries[assessment_id][(code, period)] = Entry(value, state, reason)
    skipped: dict[int, set[str]] = defaultdict(set)
    for assessment_id, kpi in (
        KpiResponse.objects.visible_to(reader)
        .filter(assessment_id__in=ids, applicable=False)
        .values_list("assessment_id", "kpi__code")
    ):
        skipped[assessment_id].add(kpi)
    found = {}
    for a in assessments:
        issues = check_assessment(spec, entries[a.pk], skipped[a.pk], settings.PMM_JUMP_THRESHOLD_PERCENT)
        overall, _per_outcome = completeness(spec, entries[a.pk], skipped[a.pk])
        found[a.pk] = BriefChecks(
            overall.percent,
            sum(1 for i in issues if i.severity == "error"),
            tuple(i.key for i in issues if i.severity == "warning"),
        )
    return found


def brief_checks(spec: FrameworkSpec, reader: Any, assessments: list[Assessment]) -> dict[int, BriefChecks]:
    """The brief checks of `assessments` (by id) as `reader` may read their data, in at most three
    queries and a cache read; the assessments are validated only if their version is new."""
    if not assessments:
        return {}
    if not reach(reader, "assessment.view").everywhere:
        return _computed(spec, reader, assessments)
    keys = {a.pk: _key(spec, a) for a in assessments}
    remembered = cache.get_many(list(keys.values()))
    found = {pk: remembered[key] for pk, key in keys.items() if key in remembered}
    missing = [a for a in assessments if a.pk not in found]
    if missing:
        fresh = _computed(spec, reader, missing)
        cache.set_many({keys[pk]: checks for pk, checks in fresh.items()}, timeout=_TIMEOUT_SECONDS)
        found.update(fresh)
    return found
