"""Peer reviewers' access, as grants: the assessments an actor is assigned to review.

A reviewer reads a member's self-assessment (and its country-level figures) only for the cycle of the
review it is assigned to, while the review runs and for `PMM_REVIEW_ACCESS_DAYS` after sign-off
(docs/peer-review.md). `authz` knows nothing of reviews: the reviews app registers the provider that
answers which assessments an actor may read (`register_review_grants`, in its `AppConfig.ready()`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pmm.core.actors import is_signed_in


@dataclass(frozen=True)
class Grant:
    """One assessment under the actor's review: its id, its cycle and its member."""

    assessment: int
    cycle: int
    member: int


GrantProvider = Callable[[Any], Iterable[Grant]]
_providers: list[GrantProvider] = []


def register_review_grants(provider: GrantProvider) -> None:
    """Called once by the reviews app: `provider(actor)` lists the assessments the actor reviews."""
    if provider not in _providers:
        _providers.append(provider)


def review_grants(actor: Any) -> frozenset[Grant]:
    """The assessments the actor may read as an assigned peer reviewer (cached on the actor)."""
    if not is_signed_in(actor):
        return frozenset()
    cached = getattr(actor, "_pmm_review_grants", None)
    if cached is None:
        cached = frozenset(grant for provider in _providers for grant in provider(actor))
        actor._pmm_review_grants = cached
    return frozenset(cached)
