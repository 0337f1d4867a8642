"""The disclosure rule, pure: an `Audience` and a value's owner and level in, yes or no out.

Levels, from the widest audience to the narrowest (docs/disclosure.md):
- public: anyone, signed in or not;
- wco: anyone holding a PMM role (NCPs, contributors, peer reviewers of all members, Secretariat staff,
  basic PMM users);
- union: the NCPs, contributors and peer reviewers of members sharing a union with the owner, and
  Secretariat staff;
- country: the owner's NCPs and contributors, the peer reviewers assigned to the owner's review (for
  that review's cycle only), and Secretariat staff.
Levels are nested: whoever sees a member's country-level values sees its union, wco and public ones.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

PUBLIC, WCO, UNION, COUNTRY = "public", "wco", "union", "country"
LEVELS = (PUBLIC, WCO, UNION, COUNTRY)


@dataclass(frozen=True)
class Audience:
    """What one viewer may see, in terms of members (by id)."""

    everything: bool = False  # Secretariat staff
    pmm_role: bool = False  # holds any PMM role: sees wco-level values
    union_partners: frozenset[int] = frozenset()  # owners whose union-level values the viewer sees
    own: frozenset[int] = frozenset()  # owners whose country-level values the viewer sees
    # (cycle id, owner) pairs: a peer reviewer sees the owner's values at every level in that cycle only
    reviewing: frozenset[tuple[int, int]] = frozenset()

    @property
    def key(self) -> str:
        """A stable text naming this audience, for caches: equal audiences see exactly the same values."""
        if self.everything:
            return "all"
        union = ",".join(map(str, sorted(self.union_partners)))
        own = ",".join(map(str, sorted(self.own)))
        reviewing = ",".join(f"{c}:{m}" for c, m in sorted(self.reviewing))
        key = f"{'wco' if self.pmm_role else 'public'}|u:{union}|c:{own}"
        return f"{key}|r:{reviewing}" if reviewing else key

    def in_cycle(self, cycle: int) -> Audience:
        """The same audience for one cycle's figures: the members it reviews in that cycle are its own."""
        reviewed = frozenset(m for c, m in self.reviewing if c == cycle)
        if not reviewed:
            return self if not self.reviewing else replace(self, reviewing=frozenset())
        return replace(self, own=self.own | reviewed, reviewing=frozenset())


PUBLIC_AUDIENCE = Audience()
EVERYTHING = Audience(everything=True, pmm_role=True)


def may_see(audience: Audience, owner: int, level: str, cycle: int | None = None) -> bool:
    """May this audience see a value of member `owner` disclosed at `level` (in `cycle`)? Unknown
    levels: no. A reviewer's grant counts only when the value's cycle is given and is the review's."""
    if level not in LEVELS:
        return False
    if audience.everything or owner in audience.own or (cycle, owner) in audience.reviewing:
        return True
    if level == PUBLIC:
        return True
    if level == WCO:
        return audience.pmm_role
    if level == UNION:
        return owner in audience.union_partners
    return False
