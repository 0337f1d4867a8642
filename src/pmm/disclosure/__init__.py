"""The disclosure policy: who may see a member's KPI value, given the level the member chose.

This is the one place the rule lives. `policy` is the pure rule (`Audience`, `may_see`); `audience`
builds a user's `Audience` from the database and turns it into a query filter (`visible_filter`).
Every read path (pages, API, exports, charts, aggregates, the public site) goes through them.
The rules are explained for members and operators in docs/disclosure.md.
"""
