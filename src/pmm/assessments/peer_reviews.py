"""What the member's assessment pages ask of peer reviews. Reviews build on assessments, so the
pages name the two panels here and ReviewsConfig.ready() provides them (`pmm.core.providers`):

- `assessment_review(user, assessment)`: what the assessment overview shows of its peer review
  (None: nothing to show);
- `member_review_work(user)`: the reviews of the user's own members waiting for the member's answers,
  listed on the "What is due" page.
"""

from __future__ import annotations

from typing import Any

from pmm.assessments.models import Assessment
from pmm.core.providers import Provided

assessment_review = Provided[[Any, Assessment], dict[str, Any] | None]("assessment_review")
member_review_work = Provided[[Any], list[Any]]("member_review_work")
