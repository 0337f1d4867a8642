"""Reads of the analytics views: WCO instruments, SDG targets and the Secretariat's analytics.

Every published value comes through the disclosure filter (`PublishedResult.objects.visible_to(audience)`),
so a value withheld from the reader never leaves the database; group statistics come from
`pmm.results.group_stats` (released statistics) or `custom_group_stats` (visible values only).
docs/analytics.md explains each view and its disclosure rule. Every function runs a fixed number of
queries, whatever the number of members, KPIs, instruments and cycles.

One module per view (instruments, sdg, secretariat) and what they share (common).
"""
