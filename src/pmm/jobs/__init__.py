"""Background jobs: the supervised worker, its heartbeat, and the re-queueing of jobs whose worker
vanished (docs/jobs.md). The jobs themselves live with their apps (results/tasks.py, reviews/tasks.py)."""
