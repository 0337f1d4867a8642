"""What results ask of peer reviews. Reviews build on results (their outliers read publications), so
results name the two answers here and ReviewsConfig.ready() provides them (`pmm.core.providers`):

- `reviewed_kpis(cycle)`: (member id, KPI) confirmed or adjusted by a signed-off review of the cycle,
  which a publication records with each figure;
- `signed_off_certificate(actor, cycle, iso3)`: the certificate of the member's signed-off review,
  for a reader who may see its reviews (None otherwise), shown beside the member's results.
"""

from __future__ import annotations

from typing import Any

from pmm.core.providers import Provided
from pmm.cycles.models import Cycle

reviewed_kpis = Provided[[Cycle], set[tuple[int, str]]]("reviewed_kpis")
signed_off_certificate = Provided[[Any, Cycle, str], dict[str, Any] | None]("signed_off_certificate")
