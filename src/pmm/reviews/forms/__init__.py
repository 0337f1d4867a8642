"""The peer-review forms: requesting, deciding and assigning a review (review); raising, answering and
closing queries, verdicts (work)."""
