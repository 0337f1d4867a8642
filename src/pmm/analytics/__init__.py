"""Analytics views of a cycle: WCO instruments, SDG targets and the Secretariat's analytics
(docs/analytics.md)."""
