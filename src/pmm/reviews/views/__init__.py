"""The peer-review pages: a review and its decisions (review), the reviewers' work on it — queries,
verdicts, moves (work) — and the comment-response matrix (matrix)."""
