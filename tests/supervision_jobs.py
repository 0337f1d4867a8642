"""A job for the supervision tests (tests/test_supervision.py), run by a real `pmm worker`.

`stubborn(folder)` records each attempt as a file `attempt-N` holding the worker's pid, and hangs on
its first attempt (so that the test can kill the worker during the job); later attempts finish at
once and write `done`. Run as a script to enqueue it or read a job's state:

    python -m supervision_jobs enqueue FOLDER   -> prints the job id
    python -m supervision_jobs state JOB_ID     -> prints "STATUS ATTEMPTS"
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from django_tasks import task


@task()
def stubborn(folder: str) -> str:
    place = Path(folder)
    attempt = len(list(place.glob("attempt-*"))) + 1
    (place / f"attempt-{attempt}").write_text(str(os.getpid()))
    if attempt == 1:
        time.sleep(600)  # killed long before
    (place / "done").write_text(str(attempt))
    return f"done on attempt {attempt}"


def main(command: str, argument: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmm.config.settings")
    django.setup()
    from django_tasks_db.models import DBTaskResult

    from supervision_jobs import stubborn as job_under_its_name  # not __main__.stubborn

    if command == "enqueue":
        print(job_under_its_name.enqueue(argument).id)
    else:
        job = DBTaskResult.objects.get(pk=argument)
        print(job.status, len(job.worker_ids))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
