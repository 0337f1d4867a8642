"""A publication's change log as one reader may read it.

The change log (`Publication.change_log`, written by `publication_create`) records, against the
previous publication, the members added or withdrawn and every figure whose status, value, reason,
disclosure level or peer-review mark changed, with the old and the new. Those are members' values: a
reader gets each entry only as far as the disclosure rule lets it see the figure, before and after:

- it could see the figure before and can see it now: the whole entry;
- it could see the old figure but not the new one: only that the figure is no longer shown to it
  ("no_longer_shown"), never the new value nor the new level;
- it can see the new figure but could not see the old one: only that the figure is now shown to it
  ("now_shown"), never the old value nor the old level;
- it could see neither: nothing, not even that the entry exists.

Members added or withdrawn are shown to everyone: who took part in a publication is public. This is
the only reader of `change_log` outside the service that writes it (tests/test_read_scoping.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pmm.disclosure.policy import Audience, may_see
from pmm.results.models import Publication, PublishedResult

NO_LONGER_SHOWN, NOW_SHOWN = "no_longer_shown", "now_shown"


def change_logs_for(
    audience: Audience, publications: Iterable[Publication]
) -> dict[int, list[dict[str, Any]]]:
    """Each publication's change log as `audience` may read it, by publication id (one query in all)."""
    chosen = list(publications)
    logs = {p.pk: list(p.change_log) for p in chosen}
    if audience.everything:
        return logs
    changed = {p.pk: {e["member"] for e in logs[p.pk] if e.get("change") == "changed"} for p in chosen}
    wanted = [p.pk for p in chosen if changed[p.pk]]
    levels: dict[tuple[int, str, str, str], tuple[int, str]] = {}
    if wanted:
        # The levels each figure was published at (its level before is in the entry when it changed).
        rows = PublishedResult.objects.unrestricted().filter(publication_id__in=wanted)
        for publication_id, iso3, member_id, kpi, component, level in rows.values_list(
            "publication_id", "member__iso3", "member_id", "kpi", "component", "disclosure"
        ):
            if iso3 in changed[publication_id]:
                levels[(publication_id, iso3, kpi, component)] = (member_id, level)
    cycle_of = {p.pk: p.cycle_id for p in chosen}
    return {
        pk: [shown for e in log if (shown := _entry_for(audience, e, levels, pk, cycle_of[pk])) is not None]
        for pk, log in logs.items()
    }


def change_log_for(audience: Audience, publication: Publication) -> list[dict[str, Any]]:
    return change_logs_for(audience, [publication])[publication.pk]


def _entry_for(
    audience: Audience,
    entry: dict[str, Any],
    levels: dict[tuple[int, str, str, str], tuple[int, str]],
    publication_id: int,
    cycle_id: int,
) -> dict[str, Any] | None:
    if entry.get("change") != "changed":
        return entry  # a member added or withdrawn
    found = levels.get((publication_id, entry["member"], entry["kpi"], entry["component"]))
    if found is None:
        return None  # no figure to check against: show nothing
    owner, new_level = found
    fields = entry.get("fields", {})
    old_level = fields["disclosure"][0] if "disclosure" in fields else new_level
    saw_before = old_level is not None and may_see(audience, owner, old_level, cycle_id)
    sees_now = may_see(audience, owner, new_level, cycle_id)
    if saw_before and sees_now:
        return entry
    if not saw_before and not sees_now:
        return None
    where = {key: entry[key] for key in ("member", "kpi", "component")}
    return {**where, "change": NO_LONGER_SHOWN if saw_before else NOW_SHOWN}
