"""The shortcut of `group_stats._Values.visible` (ask `may_see` once per level for the members an
audience does not name) gives exactly `may_see` of every member. No database."""

from __future__ import annotations

import random

from pmm.disclosure.policy import EVERYTHING, LEVELS, PUBLIC_AUDIENCE, Audience, may_see
from pmm.results.group_stats import _Values


def test_visible_is_may_see_of_every_member():
    rng = random.Random(4)
    members = list(range(1, 60))
    for _ in range(300):
        levels = [*LEVELS, "unknown-level"]
        values = _Values({m: (rng.random(), rng.choice(levels)) for m in rng.sample(members, 40)})
        audiences = [
            PUBLIC_AUDIENCE,
            EVERYTHING,
            Audience(
                pmm_role=rng.random() < 0.8,
                union_partners=frozenset(rng.sample(members, rng.randint(0, 12))),
                own=frozenset(rng.sample(members, rng.randint(0, 2))),
                reviewing=frozenset((rng.choice([None, 1, 2]), m) for m in rng.sample(members, 2)),
            ),
        ]
        for audience in audiences:
            expected = {m for m, (_v, level) in values.by_member.items() if may_see(audience, m, level)}
            assert values.visible(audience) == expected
            assert [c.visible for c in values.seen_as(values.visible(audience))] == [
                c.visible for c in values.contributions(audience)
            ]
