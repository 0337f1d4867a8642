"""Running the platform on its server: the operator's tasks (backups and restores, …).

docs/operations.md explains how operators use them.
"""
